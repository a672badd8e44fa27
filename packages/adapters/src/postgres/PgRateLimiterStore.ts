// effect's RateLimiter store on PostgreSQL (docs/adr/0028-rate-limits.md): every instance behind one database
// takes from the same buckets. Token buckets (per-owner request limits) and fixed windows (signup and login
// throttling, PgFixedWindowStore.ts); adaptive limits fail as unsupported. One store for the one RateLimiter the
// server builds: effect memoizes `RateLimiter.layer`, so two stores under it would silently become one.
//
// Leases: a take of one token is served from tokens this instance leased from the bucket earlier (one statement
// for up to `TALLY_RATE_LIMIT_LEASE_TOKENS` requests, not one per request). Leased tokens are gone from the shared
// bucket, so all instances together never exceed the limit; an instance holds at most one lease per key, for at
// most `TALLY_RATE_LIMIT_LEASE_MS` (what is left then is dropped: the limit errs on the strict side). A lease is
// at most 1/LEASE_SHARE of the bucket, so small buckets (the anonymous ones, tests) are still taken one by one.
import { PgClient } from "@effect/sql-pg"
import { Config, Deferred, Duration, Effect, Layer } from "effect"
import { RateLimiterError, RateLimiterStore, RateLimitStoreError } from "effect/persistence/RateLimiter"
import * as PgFixedWindowStore from "./PgFixedWindowStore.ts"

const storeError = (message: string, cause?: unknown) =>
  new RateLimiterError({ reason: new RateLimitStoreError({ message, cause }) })

/** Idle buckets (full again long ago) are deleted about once per this many statements. */
const SWEEP_EVERY = 1000

/** A lease takes at most this fraction (1/n) of a bucket's size. */
export const LEASE_SHARE = 20

export const LeaseConfig = Config.all({
  tokensMax: Config.Int("TALLY_RATE_LIMIT_LEASE_TOKENS").pipe(Config.withDefault(100)),
  millis: Config.Int("TALLY_RATE_LIMIT_LEASE_MS").pipe(Config.withDefault(1000))
})

/** Tokens one lease of a bucket of `limit` takes: 1 = no lease (every take asks the database). */
export const leaseSize = (limit: number, tokensMax: number) =>
  Math.max(1, Math.min(tokensMax, Math.floor(limit / LEASE_SHARE)))

interface Lease {
  tokens: number
  readonly until: number
}

export const PgRateLimiterStore = Layer.effect(
  RateLimiterStore,
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const windows = yield* PgFixedWindowStore.make
    const lease = yield* LeaseConfig
    let statements = 0
    const sweep = sql`DELETE FROM rate_limit_buckets WHERE touched_at < now() - interval '1 hour'`.pipe(Effect.ignore)
    const swept = Effect.suspend(() => (++statements % SWEEP_EVERY === 0 ? Effect.forkDetach(sweep) : Effect.void))
    const unsupported = Effect.fail(storeError("only the token-bucket algorithm is stored in PostgreSQL"))
    const unavailable = (cause: unknown) => storeError("rate limit store unavailable", cause)

    const direct = (options: Parameters<RateLimiterStore["Service"]["tokenBucket"]>[0]) =>
      Effect.gen(function* () {
        yield* swept
        const [row] = yield* sql<{ remaining: number; elapsed_ms: number }>`SELECT remaining, elapsed_ms
          FROM tally_token_bucket(${options.key}, ${options.tokens}, ${options.limit},
            ${Duration.toMillis(options.refillRate)}, ${options.allowOverflow})`
        return [row!.remaining, row!.elapsed_ms] as const
      }).pipe(Effect.mapError(unavailable))

    const leases = new Map<string, Lease>()
    // one lease statement in flight per key; the others wait for it and then take from what it brought
    const pending = new Map<string, Deferred.Deferred<void>>()
    const fromLease = (key: string): readonly [number, number] | undefined => {
      const held = leases.get(key)
      if (held === undefined) return undefined
      if (held.tokens < 1 || Date.now() >= held.until) {
        leases.delete(key)
        return undefined
      }
      held.tokens -= 1
      return [held.tokens, 0]
    }
    const leased = (options: Parameters<RateLimiterStore["Service"]["tokenBucket"]>[0], want: number) =>
      Effect.gen(function* () {
        for (;;) {
          const local = fromLease(options.key)
          if (local !== undefined) return local
          const inFlight = pending.get(options.key)
          if (inFlight !== undefined) {
            yield* Deferred.await(inFlight)
            continue
          }
          const done = yield* Deferred.make<void>()
          pending.set(options.key, done)
          return yield* Effect.gen(function* () {
            yield* swept
            const [row] = yield* sql<{ granted: number; remaining: number; elapsed_ms: number }>`SELECT granted,
                remaining, elapsed_ms
              FROM tally_token_bucket_lease(${options.key}, ${want}, ${options.limit},
                ${Duration.toMillis(options.refillRate)})`
            if (row!.granted < 1) return [row!.remaining, row!.elapsed_ms] as const
            leases.set(options.key, { tokens: row!.granted - 1, until: Date.now() + lease.millis })
            return [row!.granted - 1, 0] as const
          }).pipe(
            Effect.mapError(unavailable),
            Effect.ensuring(
              Effect.suspend(() => {
                pending.delete(options.key)
                return Deferred.succeed(done, undefined)
              })
            )
          )
        }
      })

    return RateLimiterStore.of({
      tokenBucket: (options) => {
        const want = leaseSize(options.limit, lease.tokensMax)
        return options.tokens !== 1 || options.allowOverflow || want <= 1 || lease.millis <= 0
          ? direct(options)
          : leased(options, want)
      },
      fixedWindow: windows.fixedWindow,
      adaptiveConsume: () => unsupported,
      adaptiveFeedback: () => unsupported
    })
  })
)
