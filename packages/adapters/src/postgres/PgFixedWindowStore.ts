// effect's RateLimiterStore on PostgreSQL, so every instance counts the same attempts (effect/persistence ships a
// memory and a Redis store only). Fixed windows, with the memory store's semantics: a key's count grows by the
// tokens taken and its expiry by refillRate per token; past the expiry it starts again; an attempt over the
// limit changes nothing. One statement per attempt (the row lock orders concurrent ones), the database's clock.
// Token buckets and adaptive limits are not offered here (the signup and login throttle uses fixed windows).
import { PgClient } from "@effect/sql-pg"
import { Duration, Effect, Layer } from "effect"
import { RateLimiter } from "effect/persistence"

/** Every this many attempts, expired rows are pruned (at most `pruneBatch`). */
const pruneEvery = 500
const pruneBatch = 1000

const storeError = (message: string) => (cause: unknown) =>
  new RateLimiter.RateLimiterError({ reason: new RateLimiter.RateLimitStoreError({ message, cause }) })

export const make = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  let calls = 0
  const prune = sql`DELETE FROM rate_limits WHERE key IN (
      SELECT key FROM rate_limits WHERE expires_at < now() ORDER BY expires_at LIMIT ${pruneBatch})`.pipe(Effect.ignore)
  const fixedWindow = (options: {
    readonly key: string
    readonly tokens: number
    readonly refillRate: Duration.Duration
    readonly limit: number | undefined
  }) => {
    const step = Duration.toMillis(options.refillRate) * options.tokens
    const limit = options.limit ?? null
    const over = sql`(${limit}::int IS NOT NULL AND r.count + ${options.tokens} > ${limit}::int)`
    return sql<{ readonly count: number; readonly exceeded: boolean; readonly ttl: number }>`
      INSERT INTO rate_limits AS r (key, count, expires_at, exceeded)
      VALUES (${options.key}, ${options.tokens}, now() + ${step}::float8 * interval '1 millisecond', false)
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN r.expires_at <= now() THEN excluded.count WHEN ${over} THEN r.count
          ELSE r.count + ${options.tokens} END,
        expires_at = CASE WHEN r.expires_at <= now() THEN excluded.expires_at WHEN ${over} THEN r.expires_at
          ELSE r.expires_at + ${step}::float8 * interval '1 millisecond' END,
        exceeded = r.expires_at > now() AND ${over}
      RETURNING count, exceeded,
        GREATEST(0, EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::float8 AS ttl`.pipe(
      Effect.tap(() => (++calls % pruneEvery === 0 ? Effect.forkDetach(prune) : Effect.void)),
      Effect.map(([row]) => [row!.exceeded ? row!.count + options.tokens : row!.count, row!.ttl] as const),
      Effect.mapError(storeError("rate limit store unavailable"))
    )
  }
  const unsupported = (what: string) => () =>
    Effect.fail(storeError(`${what} is not supported by the PostgreSQL store`)(undefined))
  return RateLimiter.RateLimiterStore.of({
    fixedWindow,
    tokenBucket: unsupported("token-bucket"),
    adaptiveConsume: unsupported("adaptive limiting"),
    adaptiveFeedback: unsupported("adaptive limiting")
  })
})

export const layer = Layer.effect(RateLimiter.RateLimiterStore, make)
