// Refreshes the cached FX rates from the configured source: the HTTP provider at TALLY_FX_URL, else the
// bundled snapshot.
import type { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { StoreUnavailable } from "@tally/domain/ports/StoreError"
import { Config, Context, Duration, Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import { CircuitBreaker } from "effect/persistence"
import type { FxFeedInvalid } from "./FxFeed.ts"
import * as FxHttp from "./FxHttp.ts"
import * as FxSnapshot from "./FxSnapshot.ts"

export const FxConfig = Config.all({
  url: Config.option(Config.String("TALLY_FX_URL")),
  timeoutSeconds: Config.Int("TALLY_FX_TIMEOUT_SECONDS").pipe(Config.withDefault(10)),
  feedMaxAgeDays: Config.Int("TALLY_FX_FEED_MAX_AGE_DAYS").pipe(Config.withDefault(4)),
  retries: Config.Int("TALLY_FX_RETRIES").pipe(Config.withDefault(2)),
  breakerFailures: Config.Int("TALLY_FX_BREAKER_FAILURES").pipe(Config.withDefault(3)),
  breakerOpenSeconds: Config.Int("TALLY_FX_BREAKER_OPEN_SECONDS").pipe(Config.withDefault(300))
})

export interface BreakerOptions {
  /** Consecutive failed refreshes that open the circuit. */
  readonly failures: number
  /** How long an open circuit refuses to ask the provider. */
  readonly openFor: Duration.Input
}

export type FxSource =
  | { readonly _tag: "snapshot" }
  | ({ readonly _tag: "http"; readonly breaker?: BreakerOptions } & FxHttp.FxHttpOptions)

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
      const breaker =
        source._tag === "http"
          ? yield* CircuitBreaker.make({
              tripPolicy: CircuitBreaker.consecutive(source.breaker?.failures ?? 3),
              openDuration: source.breaker?.openFor ?? Duration.minutes(5)
            }).pipe(Effect.provide(CircuitBreaker.layerStoreMemory()))
          : undefined
      const refresh = (source._tag === "snapshot" ? FxSnapshot.load() : FxHttp.load(source, breaker)).pipe(
        Effect.provideContext(context),
        Effect.withSpan("FxRefresher.refresh")
      )
      return FxRefresher.of({ source: source._tag === "snapshot" ? "snapshot" : FxHttp.sourceOf(source.url), refresh })
    })

  static readonly layerWith = (source: FxSource) => Layer.effect(FxRefresher, FxRefresher.make(source))

  /**
   * From TALLY_FX_URL, TALLY_FX_TIMEOUT_SECONDS, TALLY_FX_FEED_MAX_AGE_DAYS, TALLY_FX_RETRIES,
   * TALLY_FX_BREAKER_FAILURES, TALLY_FX_BREAKER_OPEN_SECONDS. Needs LedgerStore and an HttpClient
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
            feedMaxAgeDays: config.feedMaxAgeDays,
            retries: config.retries,
            breaker: { failures: config.breakerFailures, openFor: Duration.seconds(config.breakerOpenSeconds) }
          })
        })
      )
    )
  )
}
