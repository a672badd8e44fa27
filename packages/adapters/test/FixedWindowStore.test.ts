// The PostgreSQL RateLimiterStore against effect's memory store: the same answers through effect's RateLimiter,
// and one count shared by two instances (two stores on one database) under concurrent attempts.
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import * as PgFixedWindowStore from "../src/postgres/PgFixedWindowStore.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const limiterOn = (store: Layer.Layer<RateLimiter.RateLimiterStore>) => Effect.provide(RateLimiter.make, store)

const attempt = (limiter: RateLimiter.RateLimiter, key: string, limit: number, window: Duration.Input) =>
  limiter.consume({ algorithm: "fixed-window", onExceeded: "fail", key, limit, window }).pipe(
    Effect.map(() => "ok" as const),
    Effect.catchTag("RateLimiterError", (e) =>
      e.reason._tag === "RateLimitExceeded"
        ? Effect.succeed({ retryAfterMs: Duration.toMillis(e.reason.retryAfter) })
        : Effect.die(e)
    )
  )

layer(TestDatabase(), { timeout: 60_000, excludeTestServices: true })("PgFixedWindowStore", (it) => {
  const stores = {
    memory: Effect.succeed(RateLimiter.layerStoreMemory),
    postgres: Effect.map(PgFixedWindowStore.make, (store) => Layer.succeed(RateLimiter.RateLimiterStore, store))
  }
  for (const [name, storeOf] of Object.entries(stores)) {
    it.effect(`${name}: a limit per key and window; over it, retryAfter up to the window; then a new window`, () =>
      Effect.gen(function* () {
        const limiter = yield* limiterOn(yield* storeOf)
        const key = `${name}:k`
        for (let i = 0; i < 3; i++) assert.strictEqual(yield* attempt(limiter, key, 3, "1 hour"), "ok")
        const over = yield* attempt(limiter, key, 3, "1 hour")
        assert.notStrictEqual(over, "ok")
        const wait = (over as { retryAfterMs: number }).retryAfterMs
        assert.isAbove(wait, 0)
        assert.isAtMost(wait, 3_600_000)
        // refused attempts do not extend the window
        const again = (yield* attempt(limiter, key, 3, "1 hour")) as { retryAfterMs: number }
        assert.isAtMost(again.retryAfterMs, wait)
        assert.strictEqual(yield* attempt(limiter, `${name}:other`, 3, "1 hour"), "ok")

        // a short window ends; the count starts again
        const short = `${name}:short`
        assert.strictEqual(yield* attempt(limiter, short, 2, "100 millis"), "ok")
        assert.strictEqual(yield* attempt(limiter, short, 2, "100 millis"), "ok")
        assert.notStrictEqual(yield* attempt(limiter, short, 2, "100 millis"), "ok")
        yield* Effect.sleep("400 millis")
        assert.strictEqual(yield* attempt(limiter, short, 2, "100 millis"), "ok")
      })
    )
  }

  it.effect("postgres: two instances share one count; concurrent attempts never exceed the limit", () =>
    Effect.gen(function* () {
      const a = yield* limiterOn(Layer.succeed(RateLimiter.RateLimiterStore, yield* PgFixedWindowStore.make))
      const b = yield* limiterOn(Layer.succeed(RateLimiter.RateLimiterStore, yield* PgFixedWindowStore.make))
      const results = yield* Effect.forEach(
        Array.from({ length: 24 }, (_, i) => i),
        (i) => attempt(i % 2 === 0 ? a : b, "shared", 5, "1 hour"),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(results.filter((r) => r === "ok").length, 5)
    })
  )
})
