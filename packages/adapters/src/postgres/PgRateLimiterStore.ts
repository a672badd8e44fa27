// effect's RateLimiter store on PostgreSQL (docs/adr/0028-rate-limits.md): every instance behind one database
// takes from the same buckets. Token buckets (per-owner request limits) and fixed windows (signup and login
// throttling, PgFixedWindowStore.ts); adaptive limits fail as unsupported. One store for the one RateLimiter the
// server builds: effect memoizes `RateLimiter.layer`, so two stores under it would silently become one.
import { PgClient } from "@effect/sql-pg"
import { Duration, Effect, Layer } from "effect"
import { RateLimiterError, RateLimiterStore, RateLimitStoreError } from "effect/persistence/RateLimiter"
import * as PgFixedWindowStore from "./PgFixedWindowStore.ts"

const storeError = (message: string, cause?: unknown) =>
  new RateLimiterError({ reason: new RateLimitStoreError({ message, cause }) })

/** Idle buckets (full again long ago) are deleted about once per this many takes. */
const SWEEP_EVERY = 1000

export const PgRateLimiterStore = Layer.effect(
  RateLimiterStore,
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const windows = yield* PgFixedWindowStore.make
    let takes = 0
    const sweep = sql`DELETE FROM rate_limit_buckets WHERE touched_at < now() - interval '1 hour'`.pipe(Effect.ignore)
    const unsupported = Effect.fail(storeError("only the token-bucket algorithm is stored in PostgreSQL"))
    return RateLimiterStore.of({
      tokenBucket: (options) =>
        Effect.gen(function* () {
          if (++takes % SWEEP_EVERY === 0) yield* Effect.forkDetach(sweep)
          const [row] = yield* sql<{ remaining: number; elapsed_ms: number }>`SELECT remaining, elapsed_ms
            FROM tally_token_bucket(${options.key}, ${options.tokens}, ${options.limit},
              ${Duration.toMillis(options.refillRate)}, ${options.allowOverflow})`
          return [row!.remaining, row!.elapsed_ms] as const
        }).pipe(Effect.mapError((cause) => storeError("rate limit store unavailable", cause))),
      fixedWindow: windows.fixedWindow,
      adaptiveConsume: () => unsupported,
      adaptiveFeedback: () => unsupported
    })
  })
)
