// Leased rate-limit tokens (PgRateLimiterStore, docs/adr/0028-rate-limits.md): two instances on one database,
// each serving takes from tokens leased from the shared bucket, never grant more than the bucket holds, and do so
// in a fraction of the statements; a small bucket is still taken one statement per request.
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import { leaseSize, PgRateLimiterStore } from "../src/postgres/PgRateLimiterStore.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const instance = (env: Record<string, string>) =>
  Effect.provide(
    RateLimiter.make,
    Layer.fresh(PgRateLimiterStore).pipe(
      Layer.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnvRecord(env), { asPrimary: true }))
    )
  )

const take = (limiter: RateLimiter.RateLimiter, key: string, limit: number) =>
  limiter
    // a window of an hour: no refill during the test
    .consume({ algorithm: "token-bucket", onExceeded: "fail", key, limit, window: "1 hour" })
    .pipe(
      Effect.as("ok" as const),
      Effect.catchTag("RateLimiterError", (e) =>
        e.reason._tag === "RateLimitExceeded" ? Effect.succeed("refused" as const) : Effect.die(e)
      )
    )

/** How many times a bucket's row was written (one per statement that took from it), counted by a trigger. */
const writesOf = (key: string) =>
  Effect.flatMap(PgClient.PgClient, (sql) =>
    sql<{ n: string }>`SELECT count(*) AS n FROM bucket_writes WHERE key = ${key}`.pipe(
      Effect.map(([row]) => Number(row?.n ?? 0))
    )
  )

const countWrites = Effect.flatMap(PgClient.PgClient, (sql) =>
  Effect.forEach(
    [
      "CREATE TABLE IF NOT EXISTS bucket_writes (key text NOT NULL)",
      `CREATE OR REPLACE FUNCTION count_bucket_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO bucket_writes VALUES (NEW.key); RETURN NEW; END $$`,
      `CREATE OR REPLACE TRIGGER count_bucket_write AFTER UPDATE ON rate_limit_buckets
        FOR EACH ROW EXECUTE FUNCTION count_bucket_write()`
    ],
    (statement) => sql.unsafe(statement),
    { discard: true }
  )
)

layer(TestDatabase(), { timeout: 60_000, excludeTestServices: true })("PgRateLimiterStore leases", (it) => {
  it("a lease is 1/20 of the bucket, at most TALLY_RATE_LIMIT_LEASE_TOKENS, at least 1", () => {
    assert.strictEqual(leaseSize(4000, 100), 100)
    assert.strictEqual(leaseSize(400, 100), 20)
    assert.strictEqual(leaseSize(100, 100), 5)
    assert.strictEqual(leaseSize(10, 100), 1)
    assert.strictEqual(leaseSize(4000, 1), 1)
  })

  it.effect("two instances under concurrent takes grant exactly the bucket, in far fewer statements", () =>
    Effect.gen(function* () {
      const env = { TALLY_RATE_LIMIT_LEASE_TOKENS: "100", TALLY_RATE_LIMIT_LEASE_MS: "600000" }
      const a = yield* instance(env)
      const b = yield* instance(env)
      yield* countWrites
      const before = yield* writesOf("leased")
      const results = yield* Effect.forEach(
        Array.from({ length: 500 }, (_, i) => i),
        (i) => take(i % 2 === 0 ? a : b, "leased", 400),
        { concurrency: 32 }
      )
      assert.strictEqual(results.filter((r) => r === "ok").length, 400)
      assert.strictEqual(results.filter((r) => r === "refused").length, 100)
      // 400 tokens in leases of 20, the last ones smaller, and one statement per refusal after the bucket ran dry
      const statements = (yield* writesOf("leased")) - before
      assert.isBelow(statements, 400 / 20 + 100 + 10)
    })
  )

  it.effect("leases off (TALLY_RATE_LIMIT_LEASE_TOKENS=1): one statement per take, the same grants", () =>
    Effect.gen(function* () {
      const env = { TALLY_RATE_LIMIT_LEASE_TOKENS: "1" }
      const a = yield* instance(env)
      const b = yield* instance(env)
      yield* countWrites
      const before = yield* writesOf("direct")
      const results = yield* Effect.forEach(
        Array.from({ length: 60 }, (_, i) => i),
        (i) => take(i % 2 === 0 ? a : b, "direct", 40),
        { concurrency: 8 }
      )
      assert.strictEqual(results.filter((r) => r === "ok").length, 40)
      assert.strictEqual((yield* writesOf("direct")) - before, 60)
    })
  )

  it.effect("a lease ends after TALLY_RATE_LIMIT_LEASE_MS: what is left of it is dropped, never granted late", () =>
    Effect.gen(function* () {
      yield* countWrites
      const a = yield* instance({ TALLY_RATE_LIMIT_LEASE_TOKENS: "100", TALLY_RATE_LIMIT_LEASE_MS: "50" })
      assert.strictEqual(yield* take(a, "short", 400), "ok") // leases 20, uses 1
      yield* Effect.sleep("200 millis")
      const before = yield* writesOf("short")
      assert.strictEqual(yield* take(a, "short", 400), "ok") // a new lease: a statement
      assert.strictEqual((yield* writesOf("short")) - before, 1)
    })
  )
})
