// Nobody reaches what is not theirs (issue 10 A4): a known transfer id replays only to those who may see it,
// another owner's accounts are neither locked nor listed with a stranger's failed transfers, and the system
// owner (world and FX liquidity accounts) gets no API key.
import { assert, layer } from "@effect/vitest"
import { SYSTEM_OWNER_ID } from "@tally/adapters/Seeds"
import { Effect, Fiber } from "effect"
import { SqlClient } from "effect/sql"
import { call, TestServer } from "./support/TestServer.ts"

const newKey = (ownerName: string) =>
  Effect.map(call("POST", "/v1/api-keys", { body: { ownerName } }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body as { id: string; key: string; ownerId: string }
  })

const open = (key: string, body: Record<string, unknown> = { currency: "EUR" }) =>
  Effect.map(call("POST", "/v1/accounts", { key, body }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.id as string
  })

const idsOf = (body: { items: ReadonlyArray<{ id: string }> }) => body.items.map((t) => t.id)

layer(TestServer(), { timeout: 60_000, excludeTestServices: true })("authorization", (it) => {
  it.effect("a known transfer id does not replay another owner's transfer (single and batch)", () =>
    Effect.gen(function* () {
      const alice = yield* newKey("Alice")
      const carol = yield* newKey("Carol")
      const world = yield* open("test-admin-key-0123456789", { currency: "EUR", allowNegative: true })
      const aliceAcc = yield* open(alice.key)
      const carolAcc = yield* open(carol.key)
      const id = "01a2026e-0a8e-7cb0-a083-d7fc0da5f400"
      const body = { id, debitAccountId: world, creditAccountId: aliceAcc, amount: "70", metadata: { secret: 1 } }
      assert.strictEqual((yield* call("POST", "/v1/transfers", { body })).status, 201)
      const replay = yield* call("POST", "/v1/transfers", { key: carol.key, body })
      assert.strictEqual(replay.status, 409, JSON.stringify(replay.body))
      assert.strictEqual(replay.body.code, "transfer_id_reused")
      assert.notProperty(replay.body, "metadata")
      const batch = yield* call("POST", "/v1/transfer-batches", { key: carol.key, body: { transfers: [body] } })
      assert.strictEqual(batch.status, 409, JSON.stringify(batch.body))
      assert.strictEqual(batch.body.code, "transfer_id_reused")
      // a payee may not replay the payer's transfer either: it did not create it
      const payee = yield* call("POST", "/v1/transfers", { key: alice.key, body })
      assert.strictEqual(payee.status, 409, JSON.stringify(payee.body))
      assert.strictEqual((yield* call("GET", `/v1/accounts/${carolAcc}`, { key: carol.key })).body.balances.posted, "0")
    })
  )

  it.effect("a stranger's failed transfers do not appear in an owner's lists", () =>
    Effect.gen(function* () {
      const alice = yield* newKey("Alice 2")
      const mallory = yield* newKey("Mallory")
      const aliceAcc = yield* open(alice.key)
      const malloryAcc = yield* open(mallory.key)
      const steal = yield* call("POST", "/v1/transfers", {
        key: mallory.key,
        body: { debitAccountId: aliceAcc, creditAccountId: malloryAcc, amount: "1", metadata: { spam: "x" } }
      })
      assert.strictEqual(steal.status, 422)
      assert.strictEqual(steal.body.code, "debit_account_not_found")
      const push = yield* call("POST", "/v1/transfers", {
        key: mallory.key,
        body: { debitAccountId: malloryAcc, creditAccountId: aliceAcc, amount: "5", metadata: { spam: "y" } }
      })
      assert.strictEqual(push.status, 422)
      assert.strictEqual(push.body.code, "insufficient_funds")
      const listed = yield* call("GET", "/v1/transfers", { key: alice.key })
      assert.strictEqual(listed.status, 200)
      assert.deepStrictEqual(idsOf(listed.body), [])
      const byAccount = yield* call("GET", `/v1/transfers?accountId=${aliceAcc}`, { key: alice.key })
      assert.deepStrictEqual(idsOf(byAccount.body), [])
      assert.strictEqual((yield* call("GET", `/v1/transfers/${steal.body.transferId}`, { key: alice.key })).status, 404)
      // the one who asked still sees its own refusals
      const own = yield* call("GET", "/v1/transfers", { key: mallory.key })
      assert.includeMembers(idsOf(own.body), [steal.body.transferId, push.body.transferId])
    })
  )

  it.effect("a stranger's refused debit does not lock the owner's account", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const alice = yield* newKey("Alice 3")
      const mallory = yield* newKey("Mallory 3")
      const aliceAcc = yield* open(alice.key)
      const malloryAcc = yield* open(mallory.key)
      const attempt = call("POST", "/v1/transfers", {
        key: mallory.key,
        body: { debitAccountId: aliceAcc, creditAccountId: malloryAcc, amount: "1" }
      })
      // hold Alice's row lock in a transaction while Mallory's request runs: it must not wait for it
      const status = yield* sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT id FROM accounts WHERE id = ${aliceAcc} FOR UPDATE`
            const fiber = yield* Effect.forkChild(attempt)
            const reply = yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds"), Effect.option)
            return reply._tag === "Some" ? reply.value.status : "blocked on the owner's lock"
          })
        )
        .pipe(Effect.orDie)
      assert.strictEqual(status, 422)
    })
  )

  it.effect("the admin cannot mint a key for the system owner", () =>
    Effect.gen(function* () {
      const minted = yield* call("POST", "/v1/api-keys", { body: { ownerId: SYSTEM_OWNER_ID } })
      assert.strictEqual(minted.status, 403, JSON.stringify(minted.body))
      assert.strictEqual(minted.body.code, "system_owner_reserved")
    })
  )
})
