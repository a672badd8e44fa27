// What the path under test reports about itself, read before and after the load: transaction retries and the
// group-commit size histogram. From this process's Effect metric registry on the in-process path; scraped from
// every `tally serve` instance's /metrics (and summed) on the HTTP and RPC paths; nothing for the node-pg server.
import { Context, Effect, Layer } from "effect"
import { add, inProcessHistogram, parseExposition, type SizeHistogram } from "./GroupCommit.ts"
import { inProcessRetries, parseRetries, type RetryCounts, sumRetries } from "./Retries.ts"
import { TallyProcesses } from "./TallyProcess.ts"

export interface MetricsReading {
  /** Undefined when they cannot be read (no metrics endpoint). */
  readonly retries: RetryCounts | undefined
  /** Undefined when the server exposes no `tally_group_commit_size`. */
  readonly groupSizes: SizeHistogram | undefined
}

const scrape = (metricsUrl: string): Effect.Effect<string | undefined> =>
  Effect.tryPromise(async () => {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) })
    return response.ok ? await response.text() : undefined
  }).pipe(Effect.orElseSucceed(() => undefined))

export class ServerMetrics extends Context.Service<ServerMetrics, { readonly read: Effect.Effect<MetricsReading> }>()(
  "tally/bench/ServerMetrics"
) {
  static readonly inProcess = Layer.succeed(ServerMetrics, {
    read: Effect.all({ retries: inProcessRetries, groupSizes: inProcessHistogram })
  })
  static readonly scraped = Layer.effect(
    ServerMetrics,
    TallyProcesses.useSync((servers) => ({
      read: Effect.map(
        Effect.forEach(servers, (server) => scrape(server.metricsUrl), { concurrency: "unbounded" }),
        (texts): MetricsReading => {
          if (texts.some((text) => text === undefined)) return { retries: undefined, groupSizes: undefined }
          const histograms = texts.map((text) => parseExposition(text!))
          return {
            retries: texts.map((text) => parseRetries(text!)).reduce(sumRetries),
            groupSizes: histograms.some((h) => h === undefined)
              ? undefined
              : (histograms as Array<SizeHistogram>).reduce(add)
          }
        }
      )
    }))
  )
  static readonly none = Layer.succeed(ServerMetrics, {
    read: Effect.succeed({ retries: undefined, groupSizes: undefined })
  })
}
