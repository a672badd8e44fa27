import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, TestServer } from "./support/TestServer.ts"

layer(
  TestServer({ env: { TALLY_BATCH_SIZE_MAX: "2", TALLY_PAGE_SIZE_MAX: "3", TALLY_HOLD_TIMEOUT_MAX_SECONDS: "60" } }),
  { timeout: 60_000 }
)("configured limits", (it) => {
  it.effect("batch size, page size and hold timeout follow their settings", () =>
    Effect.gen(function* () {
      const a = (yield* call("POST", "/v1/accounts", { body: { currency: "EUR", allowNegative: true } })).body.id
      const b = (yield* call("POST", "/v1/accounts", { body: { currency: "EUR" } })).body.id
      const item = { debitAccountId: a, creditAccountId: b, amount: "1" }
      const three = yield* call("POST", "/v1/transfer-batches", { body: { transfers: [item, item, item] } })
      assert.strictEqual(three.status, 400)
      assert.strictEqual(three.body.code, "batch_size_out_of_range")
      const two = yield* call("POST", "/v1/transfer-batches", { body: { transfers: [item, item] } })
      assert.strictEqual(two.status, 201)
      assert.strictEqual((yield* call("GET", "/v1/accounts?limit=4")).body.code, "page_size_too_large")
      const long = yield* call("POST", "/v1/transfers", { body: { ...item, pending: true, timeoutSeconds: 61 } })
      assert.strictEqual(long.status, 422)
      assert.strictEqual(long.body.code, "timeout_too_large")
    })
  )
})
