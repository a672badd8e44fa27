// The dispatcher's limits (docs/reference/config.md): per destination, attempts, backoff, in-flight bound.
import type { RetryPolicy } from "@tally/domain/JobState"
import type { Destination } from "@tally/domain/Subscription"
import { Config, Context, Effect, Layer } from "effect"

export interface DestinationLimits extends RetryPolicy {
  /** Jobs of this destination running at once on one instance. */
  readonly concurrency: number
}

export interface DispatchSettings {
  readonly enabled: boolean
  readonly pollIntervalMs: number
  /** Jobs claimed per destination and poll. */
  readonly batchMax: number
  /** How long a claimed attempt may run before another instance may claim the job again. */
  readonly leaseSeconds: number
  readonly destinations: Readonly<Record<Destination, DestinationLimits>>
  /** Base URL put in mails (the confirmation instructions). */
  readonly publicUrl: string
}

const limits = (name: string, defaults: { maxAttempts: number; concurrency: number }) =>
  Config.all({
    maxAttempts: Config.Int(`TALLY_DISPATCH_${name}_MAX_ATTEMPTS`).pipe(Config.withDefault(defaults.maxAttempts)),
    concurrency: Config.Int(`TALLY_DISPATCH_${name}_CONCURRENCY`).pipe(Config.withDefault(defaults.concurrency)),
    backoffBaseMs: Config.Int("TALLY_DISPATCH_BACKOFF_BASE_MS").pipe(Config.withDefault(1000)),
    backoffMaxMs: Config.Int("TALLY_DISPATCH_BACKOFF_MAX_MS").pipe(Config.withDefault(3_600_000)),
    jitter: Config.Number("TALLY_DISPATCH_JITTER").pipe(Config.withDefault(0.5))
  })

export class DispatchConfig extends Context.Service<DispatchConfig, DispatchSettings>()("tally/server/DispatchConfig") {
  static readonly config = Config.all({
    enabled: Config.Boolean("TALLY_DISPATCH_ENABLED").pipe(Config.withDefault(true)),
    pollIntervalMs: Config.Int("TALLY_DISPATCH_POLL_INTERVAL_MS").pipe(Config.withDefault(500)),
    batchMax: Config.Int("TALLY_DISPATCH_BATCH_MAX").pipe(Config.withDefault(50)),
    leaseSeconds: Config.Int("TALLY_DISPATCH_LEASE_SECONDS").pipe(Config.withDefault(60)),
    destinations: Config.all({
      mail: limits("MAIL", { maxAttempts: 8, concurrency: 4 }),
      webhook: limits("WEBHOOK", { maxAttempts: 10, concurrency: 16 })
    }),
    publicUrl: Config.String("TALLY_PUBLIC_URL").pipe(Config.withDefault("http://localhost:8080"))
  })

  static readonly layer = Layer.effect(DispatchConfig, Effect.map(DispatchConfig.config, DispatchConfig.of))
  static readonly layerWith = (settings: DispatchSettings) => Layer.succeed(DispatchConfig, settings)
}
