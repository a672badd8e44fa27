// Transaction retries (`tally_db_transaction_retries_total{reason}`): read from this process's Effect metric
// registry for the in-process path, parsed from the services' /metrics for the HTTP and RPC paths
// (ServerMetrics.ts). A run reports the difference between the readings before and after the load.
import { Effect, Metric } from "effect"

export type RetryCounts = Readonly<Record<string, number>>

const METRIC = "tally_db_transaction_retries_total"

export const inProcessRetries: Effect.Effect<RetryCounts> = Effect.map(Metric.snapshot, (snapshots) => {
  const counts: Record<string, number> = {}
  for (const s of snapshots) {
    if (s.id !== METRIC || s.type !== "Counter") continue
    const reason = s.attributes?.reason ?? "unknown"
    counts[reason] = (counts[reason] ?? 0) + Number(s.state.count)
  }
  return counts
})

/** The counter from a Prometheus text exposition. */
export const parseRetries = (text: string): RetryCounts => {
  const counts: Record<string, number> = {}
  for (const line of text.split("\n")) {
    if (!line.startsWith(METRIC)) continue
    const match = /^\w+(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (match === null) continue
    const reason = /reason="([^"]*)"/.exec(match[1] ?? "")?.[1] ?? "unknown"
    counts[reason] = (counts[reason] ?? 0) + Number(match[2])
  }
  return counts
}

export const sumRetries = (a: RetryCounts, b: RetryCounts): RetryCounts => {
  const counts: Record<string, number> = { ...a }
  for (const [reason, n] of Object.entries(b)) counts[reason] = (counts[reason] ?? 0) + n
  return counts
}

export const retriesBetween = (before: RetryCounts, after: RetryCounts): RetryCounts =>
  Object.fromEntries(
    Object.entries(after)
      .map(([reason, n]) => [reason, n - (before[reason] ?? 0)] as const)
      .filter(([, n]) => n > 0)
  )

export const totalRetries = (counts: RetryCounts): number => Object.values(counts).reduce((a, b) => a + b, 0)
