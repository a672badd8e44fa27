// Transaction retries (`tally_db_transaction_retries_total{reason}`): read from this process's Effect metric
// registry for the in-process path, scraped from the service's /metrics for the HTTP path. A run reports the
// difference between the readings before and after the load.
import { Context, Effect, Layer, Metric } from "effect"
import { TallyProcess } from "./TallyProcess.ts"

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

/** The counter from a Prometheus text exposition; undefined when the endpoint does not answer. */
export const scrapeRetries = (metricsUrl: string): Effect.Effect<RetryCounts | undefined> =>
  Effect.tryPromise(async () => {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) })
    if (!response.ok) return undefined
    const counts: Record<string, number> = {}
    for (const line of (await response.text()).split("\n")) {
      if (!line.startsWith(METRIC)) continue
      const match = /^\w+(?:\{(.*)\})?\s+(\S+)/.exec(line)
      if (match === null) continue
      const reason = /reason="([^"]*)"/.exec(match[1] ?? "")?.[1] ?? "unknown"
      counts[reason] = (counts[reason] ?? 0) + Number(match[2])
    }
    return counts
  }).pipe(Effect.orElseSucceed(() => undefined))

export const retriesBetween = (before: RetryCounts, after: RetryCounts): RetryCounts =>
  Object.fromEntries(
    Object.entries(after)
      .map(([reason, n]) => [reason, n - (before[reason] ?? 0)] as const)
      .filter(([, n]) => n > 0)
  )

export const totalRetries = (counts: RetryCounts): number => Object.values(counts).reduce((a, b) => a + b, 0)

/** Reads the retry counter where the path under test keeps it; undefined when it cannot be read. */
export class RetryProbe extends Context.Service<
  RetryProbe,
  { readonly read: Effect.Effect<RetryCounts | undefined> }
>()("tally/bench/RetryProbe") {
  static readonly inProcess = Layer.succeed(RetryProbe, { read: inProcessRetries })
  static readonly scraped = Layer.effect(
    RetryProbe,
    TallyProcess.useSync((server) => ({ read: scrapeRetries(server.metricsUrl) }))
  )
}
