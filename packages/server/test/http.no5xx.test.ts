// Requests a user can send that once answered 5xx (issue 10 A6): each is a 4xx with a stable code, nothing written.
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, TestServer } from "./support/TestServer.ts"

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64url")

const open = (currency: string, allowNegative = false) =>
  Effect.map(call("POST", "/v1/accounts", { body: { currency, allowNegative } }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.id as string
  })

layer(TestServer({ env: { TALLY_FX_MAX_AGE_SECONDS: String(10 * 365 * 86_400) } }), {
  timeout: 60_000,
  excludeTestServices: true
})("no user-triggerable 5xx", (it) => {
  it.effect("a cursor whose id is not a UUID, or whose date PostgreSQL cannot hold → 400 invalid_cursor", () =>
    Effect.gen(function* () {
      const account = yield* open("EUR")
      for (const cursor of [
        b64("2026-01-01T00:00:00.000Z|not-a-uuid"),
        b64("-100000-01-01T00:00:00.000Z|01a2026e-0a8e-7cb0-a083-d7fc0da5f47c"),
        b64("2026-01-01T00:00:00.000Z|01a2026e-0a8e-7cb0-a083-d7fc0da5f47c|x")
      ]) {
        for (const path of ["/v1/transfers", "/v1/accounts"]) {
          const r = yield* call("GET", `${path}?cursor=${cursor}`)
          assert.strictEqual(r.status, 400, `${path} ${JSON.stringify(r.body)}`)
          assert.strictEqual(r.body.code, "invalid_cursor")
        }
      }
      const beyond = yield* call("GET", `/v1/accounts/${account}/entries?cursor=${b64("e|9999999999999999999")}`)
      assert.strictEqual(beyond.status, 400, JSON.stringify(beyond.body))
      assert.strictEqual(beyond.body.code, "invalid_cursor")
    })
  )

  it.effect("an FX amount whose converted credit leaves int8 → 422 fx_amount_too_large", () =>
    Effect.gen(function* () {
      let rates = yield* call("GET", "/v1/fx/rates?base=EUR&quote=JPY")
      for (let i = 0; i < 100 && rates.body.rates.length === 0; i++) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
        rates = yield* call("GET", "/v1/fx/rates?base=EUR&quote=JPY")
      }
      const eur = yield* open("EUR")
      const jpy = yield* open("JPY")
      const r = yield* call("POST", "/v1/transfers", {
        body: { debitAccountId: eur, creditAccountId: jpy, amount: "9223372036854775807" }
      })
      assert.strictEqual(r.status, 422, JSON.stringify(r.body))
      assert.strictEqual(r.body.code, "fx_amount_too_large")
    })
  )

  it.effect("a body that is not JSON by its content type → 415 problem with a code", () =>
    Effect.gen(function* () {
      const r = yield* call("POST", "/v1/accounts", {
        rawBody: "currency=EUR",
        headers: { "content-type": "application/x-www-form-urlencoded" }
      })
      assert.strictEqual(r.status, 415)
      assert.strictEqual(r.headers.get("content-type"), "application/problem+json")
      assert.strictEqual(r.body.code, "unsupported_media_type")
    })
  )

  // found by schemathesis: a path parameter holding "/" or a path no route serves was an empty 404
  it.effect("a path no route serves → 404 problem route_not_found", () =>
    Effect.gen(function* () {
      for (const path of ["/v1/nothing", "/v1/transfers/a/b/post", "/v1/reservations/x/y/confirm"]) {
        const r = yield* call("POST", path, { body: {} })
        assert.strictEqual(r.status, 404, path)
        assert.strictEqual(r.headers.get("content-type"), "application/problem+json", path)
        assert.strictEqual(r.body.code, "route_not_found", path)
      }
    })
  )
})
