// Refreshes the cached FX rates from the configured source: the HTTP provider at TALLY_FX_URL, else the
// bundled snapshot.
import type { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { StoreUnavailable } from "@tally/domain/ports/StoreError"
import { Config, Context, Duration, Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import type { FxFeedInvalid } from "./FxFeed.ts"
import * as FxHttp from "./FxHttp.ts"
import * as FxSnapshot from "./FxSnapshot.ts"

export const FxConfig = Config.all({
  url: Config.option(Config.String("TALLY_FX_URL")),
  timeoutSeconds: Config.Int("TALLY_FX_TIMEOUT_SECONDS").pipe(Config.withDefault(10)),
  feedMaxAgeDays: Config.Int("TALLY_FX_FEED_MAX_AGE_DAYS").pipe(Config.withDefault(4))
})

export type FxSource = { readonly _tag: "snapshot" } | ({ readonly _tag: "http" } & FxHttp.FxHttpOptions)

export class FxRefresher extends Context.Service<
  FxRefresher,
  {
    /** Where rates come from: "snapshot", or the provider's host. */
    readonly source: string
    /** Saves a fresh quote for every pair; returns how many. */
    readonly refresh: Effect.Effect<number, FxFeedInvalid | FxHttp.FxFeedUnavailable | StoreUnavailable>
  }
>()("tally/adapters/FxRefresher") {
  static readonly make = (source: FxSource) =>
    Effect.gen(function* () {
      const context = yield* Effect.context<LedgerStore | HttpClient.HttpClient>()
      const refresh = (source._tag === "snapshot" ? FxSnapshot.load() : FxHttp.load(source)).pipe(
        Effect.provideContext(context),
        Effect.withSpan("FxRefresher.refresh")
      )
      return FxRefresher.of({ source: source._tag === "snapshot" ? "snapshot" : FxHttp.sourceOf(source.url), refresh })
    })

  static readonly layerWith = (source: FxSource) => Layer.effect(FxRefresher, FxRefresher.make(source))

  /**
   * From TALLY_FX_URL, TALLY_FX_TIMEOUT_SECONDS, TALLY_FX_FEED_MAX_AGE_DAYS. Needs LedgerStore and an HttpClient
   * (FetchHttpClient.layer in the service), whatever the source, so the wiring does not depend on config.
   */
  static readonly layer = Layer.unwrap(
    Effect.map(FxConfig, (config) =>
      FxRefresher.layerWith(
        Option.match(config.url, {
          onNone: () => ({ _tag: "snapshot" }) as const,
          onSome: (url) => ({
            _tag: "http" as const,
            url,
            timeout: Duration.seconds(config.timeoutSeconds),
            feedMaxAgeDays: config.feedMaxAgeDays
          })
        })
      )
    )
  )
}
