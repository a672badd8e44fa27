// Rate limits that hold (issue 10 A5, docs/adr/0028-rate-limits.md): per owner across its keys, per client for
// missing and bogus keys, per call over RPC (WebSocket included), shared by instances on one database; and an RPC
// message over WebSocket is limited like an HTTP body.
import { assert, layer } from "@effect/vitest"
import { PgRateLimiterStore } from "@tally/adapters/postgres/PgRateLimiterStore"
import { ConfigProvider, Effect, Layer } from "effect"
import * as RateLimiter from "effect/persistence/RateLimiter"
import { RateLimits } from "../src/http/RateLimit.ts"
import { makeTallyClient } from "../src/rpc/Client.ts"
import { BaseUrl, call, TestServer } from "./support/TestServer.ts"

const env = {
  TALLY_RATE_LIMIT_PER_SECOND: "0.01",
  TALLY_RATE_LIMIT_BURST: "4",
  TALLY_RATE_LIMIT_ANONYMOUS_PER_SECOND: "0.01",
  TALLY_RATE_LIMIT_ANONYMOUS_BURST: "3",
  TALLY_BODY_BYTES_MAX: "65536"
}

const newKey = (ownerName: string, key?: string) =>
  Effect.map(call("POST", "/v1/api-keys", { body: { ownerName }, ...(key === undefined ? {} : { key }) }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body as { id: string; key: string; ownerId: string }
  })

/** A second instance's limiter: its own RateLimiter and store, on the same database. */
const secondInstance = Layer.fresh(
  RateLimits.layer.pipe(
    Layer.provide(RateLimiter.layer),
    Layer.provide(Layer.fresh(PgRateLimiterStore)),
    Layer.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnvRecord(env), { asPrimary: true }))
  )
)

layer(TestServer({ env }), { timeout: 60_000, excludeTestServices: true })("rate limits", (it) => {
  it.effect("an owner's keys share one bucket: minting keys does not multiply the limit", () =>
    Effect.gen(function* () {
      // the admin's own bucket: 2 keys minted
      const first = yield* newKey("Olga")
      const second = yield* newKey("Olga-2") // another owner, so its own bucket
      const sibling = yield* newKey("x", first.key) // the admin_required-free path: a key for Olga by Olga (1 token)
      assert.strictEqual(sibling.ownerId, first.ownerId)
      const statuses: Array<number> = []
      for (const key of [first.key, sibling.key, first.key, sibling.key]) {
        statuses.push((yield* call("GET", "/v1/accounts", { key })).status)
      }
      // 4 tokens: 1 for minting the sibling, 3 reads, then 429 for Olga whichever key she uses
      assert.deepStrictEqual(statuses, [200, 200, 200, 429])
      const limited = yield* call("GET", "/v1/accounts", { key: first.key })
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(limited.body.code, "rate_limited")
      assert.isNotNull(limited.headers.get("retry-after"))
      assert.strictEqual((yield* call("GET", "/v1/accounts", { key: second.key })).status, 200)
    })
  )

  it.effect("missing and ever-new bogus keys draw from the client's bucket: 401 until 429", () =>
    Effect.gen(function* () {
      const statuses: Array<number> = []
      for (let i = 0; i < 5; i++) {
        const r = yield* call("GET", "/v1/accounts", i % 2 === 0 ? { key: `bogus-${i}` } : { key: null })
        statuses.push(r.status)
      }
      assert.deepStrictEqual(statuses, [401, 401, 401, 429, 429])
    })
  )

  it.effect("RPC over WebSocket is limited per call, by owner", () =>
    Effect.gen(function* () {
      const carol = yield* newKey("Carol")
      const client = yield* makeTallyClient({ url: yield* BaseUrl, apiKey: carol.key, transport: "websocket" })
      const outcomes: Array<string> = []
      for (let i = 0; i < 6; i++) {
        outcomes.push(
          yield* client.accounts.list({}).pipe(
            Effect.as("ok"),
            Effect.catch((e) => Effect.succeed(e._tag))
          )
        )
      }
      assert.deepStrictEqual(outcomes, ["ok", "ok", "ok", "ok", "TooManyRequests", "TooManyRequests"])
    })
  )

  it.effect("two instances on one database share a bucket", () =>
    Effect.gen(function* () {
      const here = yield* RateLimits
      const there = yield* Effect.provide(
        Effect.gen(function* () {
          return yield* RateLimits
        }),
        secondInstance
      )
      assert.notStrictEqual(here, there)
      const takes = [here, there, here, there, here].map((limits) =>
        Effect.result(limits.take("owner:shared-test", "owner"))
      )
      const results = yield* Effect.all(takes)
      assert.deepStrictEqual(
        results.map((r) => r._tag),
        ["Success", "Success", "Success", "Success", "Failure"]
      )
    })
  )
})

layer(TestServer({ env: { TALLY_BODY_BYTES_MAX: "65536" } }), { timeout: 60_000, excludeTestServices: true })(
  "WebSocket message size",
  (it) => {
    it.effect("an RPC message over WebSocket larger than TALLY_BODY_BYTES_MAX closes the connection (1009)", () =>
      Effect.gen(function* () {
        const url = (yield* BaseUrl).replace("http:", "ws:")
        const code = yield* Effect.promise(
          () =>
            new Promise<number>((resolve) => {
              const ws = new WebSocket(`${url}/rpc`)
              ws.onopen = () => ws.send("x".repeat(100_000))
              ws.onclose = (event) => resolve(event.code)
            })
        )
        assert.strictEqual(code, 1009)
      })
    )
  }
)
