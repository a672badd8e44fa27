// The group-size distribution of group commit: the server's `tally_group_commit_size` histogram (transfers per
// database transaction), read before and after the load. Planned with group commit (issue 11): until a server
// exposes it (or with group commit off), every reading is undefined and the report says "n/a" rather than guessing.
import { Effect, Metric } from "effect"
import { round } from "./Stats.ts"

export const GROUP_COMMIT_SIZE = "tally_group_commit_size"

export interface SizeHistogram {
  /** [upper bound, cumulative count], ascending; the last bound may be Infinity. */
  readonly buckets: ReadonlyArray<readonly [number, number]>
  readonly count: number
  readonly sum: number
}

export interface GroupSizes {
  /** Groups committed during the window. */
  readonly groups: number
  /** Transfers in those groups. */
  readonly transfers: number
  readonly mean: number
  /** Upper bounds of the buckets holding the median and the 99th percentile group. */
  readonly p50AtMost: number
  readonly p99AtMost: number
  /** Groups per bucket (not cumulative): [upper bound, groups]. */
  readonly buckets: ReadonlyArray<readonly [number, number]>
}

const bound = (le: string) => (le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le))

/** The histogram from a Prometheus text exposition (labels other than `le` are summed); undefined when absent. */
export const parseExposition = (text: string): SizeHistogram | undefined => {
  const buckets = new Map<number, number>()
  let count: number | undefined
  let sum = 0
  for (const line of text.split("\n")) {
    if (!line.startsWith(GROUP_COMMIT_SIZE)) continue
    const match = /^(\w+)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (match === null) continue
    const value = Number(match[3])
    if (match[1] === `${GROUP_COMMIT_SIZE}_bucket`) {
      const le = /le="([^"]*)"/.exec(match[2] ?? "")?.[1]
      if (le !== undefined) buckets.set(bound(le), (buckets.get(bound(le)) ?? 0) + value)
    } else if (match[1] === `${GROUP_COMMIT_SIZE}_count`) count = (count ?? 0) + value
    else if (match[1] === `${GROUP_COMMIT_SIZE}_sum`) sum += value
  }
  return count === undefined ? undefined : { buckets: [...buckets].sort(([a], [b]) => a - b), count, sum }
}

/** The histogram in this process's Effect metric registry (the in-process path); undefined when absent. */
export const inProcessHistogram: Effect.Effect<SizeHistogram | undefined> = Effect.map(Metric.snapshot, (snapshots) => {
  const histograms = snapshots.flatMap(
    (s): Array<SizeHistogram> => (s.id === GROUP_COMMIT_SIZE && s.type === "Histogram" ? [s.state] : [])
  )
  return histograms.length === 0 ? undefined : histograms.reduce(add)
})

export const add = (a: SizeHistogram, b: SizeHistogram): SizeHistogram => {
  const buckets = new Map(a.buckets)
  for (const [le, n] of b.buckets) buckets.set(le, (buckets.get(le) ?? 0) + n)
  return { buckets: [...buckets].sort(([x], [y]) => x - y), count: a.count + b.count, sum: a.sum + b.sum }
}

const empty: SizeHistogram = { buckets: [], count: 0, sum: 0 }

/**
 * What happened between two readings; null when the second is missing (the server has no such metric). A
 * histogram appears with its first observation, so one missing only before the load counts as empty.
 */
export const groupSizesBetween = (
  readBefore: SizeHistogram | undefined,
  after: SizeHistogram | undefined
): GroupSizes | null => {
  if (after === undefined) return null
  const before = readBefore ?? empty
  const earlier = new Map(before.buckets)
  const cumulative = after.buckets.map(([le, n]) => [le, n - (earlier.get(le) ?? 0)] as const)
  const groups = after.count - before.count
  const transfers = after.sum - before.sum
  const atMost = (q: number) => cumulative.find(([, n]) => n >= q * groups)?.[0] ?? Number.POSITIVE_INFINITY
  return {
    groups,
    transfers,
    mean: groups === 0 ? 0 : round(transfers / groups, 2),
    p50AtMost: atMost(0.5),
    p99AtMost: atMost(0.99),
    buckets: cumulative.map(([le, n], i) => [le, n - (i === 0 ? 0 : cumulative[i - 1]![1])] as const)
  }
}

const le = (n: number) => (Number.isFinite(n) ? String(n) : "+Inf")

export const describeGroupSizes = (g: GroupSizes | null): string =>
  g === null
    ? `n/a (the server exposes no ${GROUP_COMMIT_SIZE} yet)`
    : g.groups === 0
      ? "no groups committed"
      : `${g.groups} groups, ${g.transfers} transfers · mean ${g.mean} · p50 ≤ ${le(g.p50AtMost)} · p99 ≤ ${le(g.p99AtMost)} · ` +
        g.buckets
          .filter(([, n]) => n > 0)
          .map(([bound, n]) => `≤${le(bound)}: ${n}`)
          .join(" ")
