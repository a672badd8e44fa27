import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, TestServer } from "./support/TestServer.ts"

const newKey = (body: Record<string, unknown>, key?: string) =>
  Effect.map(call("POST", "/v1/api-keys", { body, ...(key === undefined ? {} : { key }) }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body as { id: string; key: string; ownerId: string }
  })

layer(TestServer(), { timeout: 60_000 })("API keys and ownership", (it) => {
  it.effect("an owner's key sees and debits only its owner's objects; payments to others are allowed", () =>
    Effect.gen(function* () {
      const alice = yield* newKey({ ownerName: "Alice Ltd", name: "alice-main" })
      const bob = yield* newKey({ ownerName: "Bob GmbH" })
      assert.match(alice.key, /^tally_/)
      const world = (yield* call("POST", "/v1/accounts", { body: { currency: "EUR", allowNegative: true } })).body.id
      const aliceAcc = yield* call("POST", "/v1/accounts", { key: alice.key, body: { currency: "EUR" } })
      assert.strictEqual(aliceAcc.body.ownerId, alice.ownerId)
      const bobAcc = yield* call("POST", "/v1/accounts", { key: bob.key, body: { currency: "EUR" } })
      yield* call("POST", "/v1/transfers", {
        body: { debitAccountId: world, creditAccountId: aliceAcc.body.id, amount: "500" }
      })

      assert.strictEqual((yield* call("GET", `/v1/accounts/${aliceAcc.body.id}`, { key: alice.key })).status, 200)
      const peek = yield* call("GET", `/v1/accounts/${aliceAcc.body.id}`, { key: bob.key })
      assert.strictEqual(peek.status, 404)
      assert.strictEqual(peek.body.code, "account_not_found")
      assert.strictEqual((yield* call("GET", `/v1/accounts/${aliceAcc.body.id}/entries`, { key: bob.key })).status, 404)
      const mine = yield* call("GET", "/v1/accounts", { key: bob.key })
      assert.deepStrictEqual(
        mine.body.items.map((a: { id: string }) => a.id),
        [bobAcc.body.id]
      )

      const steal = yield* call("POST", "/v1/transfers", {
        key: bob.key,
        body: { debitAccountId: aliceAcc.body.id, creditAccountId: bobAcc.body.id, amount: "1" }
      })
      assert.strictEqual(steal.status, 422)
      assert.strictEqual(steal.body.code, "debit_account_not_found")
      const pay = yield* call("POST", "/v1/transfers", {
        key: alice.key,
        body: { debitAccountId: aliceAcc.body.id, creditAccountId: bobAcc.body.id, amount: "100" }
      })
      assert.strictEqual(pay.status, 201)
      assert.strictEqual((yield* call("GET", `/v1/transfers/${pay.body.id}`, { key: bob.key })).status, 200)
      const carol = yield* newKey({ ownerName: "Carol" })
      assert.strictEqual((yield* call("GET", `/v1/transfers/${pay.body.id}`, { key: carol.key })).status, 404)

      const system = yield* call("POST", "/v1/accounts", {
        key: alice.key,
        body: { currency: "EUR", allowNegative: true }
      })
      assert.strictEqual(system.status, 403)
      assert.strictEqual(system.body.code, "admin_required")
    })
  )

  it.effect("keys are listed per owner, revocable, and a revoked key is 401", () =>
    Effect.gen(function* () {
      const dave = yield* newKey({ ownerName: "Dave" })
      const second = yield* newKey({ name: "second" }, dave.key)
      assert.strictEqual(second.ownerId, dave.ownerId)
      const listed = yield* call("GET", "/v1/api-keys", { key: dave.key })
      assert.strictEqual(listed.body.items.length, 2)
      assert.isTrue(listed.body.items.every((k: Record<string, unknown>) => !("key" in k)))
      const other = yield* newKey({ ownerName: "Eve" })
      assert.strictEqual((yield* call("DELETE", `/v1/api-keys/${other.id}`, { key: dave.key })).status, 404)
      const revoked = yield* call("DELETE", `/v1/api-keys/${second.id}`, { key: dave.key })
      assert.strictEqual(revoked.status, 200)
      assert.isString(revoked.body.revokedAt)
      const after = yield* call("GET", "/v1/accounts", { key: second.key })
      assert.strictEqual(after.status, 401)
      assert.strictEqual((yield* call("GET", "/v1/accounts", { key: dave.key })).status, 200)
    })
  )
})
