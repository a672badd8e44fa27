// Idempotency claims (issue 10 A3, docs/adr/0027-idempotency-claims.md): derived ids are per operation, a lost
// outcome resumed after the lease neither applies twice nor turns a done post into a refusal, an account opened
// under a key is opened once, claims are fenced, and a claim made before the upgrade keeps deriving ids as it did.
import { assert, layer } from "@effect/vitest"
import { IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { derivedId } from "../src/operations/TransferCommand.ts"
import { call, TestServer } from "./support/TestServer.ts"

const open = (body: Record<string, unknown>) =>
  Effect.map(call("POST", "/v1/accounts", { body }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.id as string
  })

/** What a crash between COMMIT and storing the answer leaves: the claim, in flight, past its lease. */
const loseOutcome = (key: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`UPDATE idempotency_keys SET state = 'in_flight', response_status = NULL, response_body = NULL,
        completed_at = NULL, created_at = now() - interval '1 hour' WHERE key = ${key}`.pipe(Effect.orDie)
  )

const count = (table: "accounts" | "transfers" | "entries") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`.pipe(
      Effect.map((rows) => rows[0]!.n),
      Effect.orDie
    )
  )

const withKey = (key: string) => ({ headers: { "idempotency-key": key } })

layer(TestServer(), { timeout: 120_000, excludeTestServices: true })("idempotency claims", (it) => {
  it.effect("one key on transfers.create and transfers.batch makes two transfers", () =>
    Effect.gen(function* () {
      const world = yield* open({ currency: "EUR", allowNegative: true })
      const alice = yield* open({ currency: "EUR" })
      const body = { debitAccountId: world, creditAccountId: alice, amount: "10" }
      const single = yield* call("POST", "/v1/transfers", { body, ...withKey("shared-1") })
      assert.strictEqual(single.status, 201)
      const batch = yield* call("POST", "/v1/transfer-batches", { body: { transfers: [body] }, ...withKey("shared-1") })
      assert.strictEqual(batch.status, 201, JSON.stringify(batch.body))
      assert.notStrictEqual(batch.body.transfers[0].id, single.body.id)
      assert.strictEqual((yield* call("GET", `/v1/accounts/${alice}`)).body.balances.posted, "20")
    })
  )

  it.effect("POST /v1/accounts with a reused key opens one account, also when its outcome was lost", () =>
    Effect.gen(function* () {
      const before = yield* count("accounts")
      const first = yield* call("POST", "/v1/accounts", { body: { currency: "EUR" }, ...withKey("acct-once") })
      assert.strictEqual(first.status, 201)
      const again = yield* call("POST", "/v1/accounts", { body: { currency: "EUR" }, ...withKey("acct-once") })
      assert.strictEqual(again.body.id, first.body.id)
      assert.strictEqual(again.headers.get("idempotent-replayed"), "true")
      yield* loseOutcome("acct-once")
      const resumed = yield* call("POST", "/v1/accounts", { body: { currency: "EUR" }, ...withKey("acct-once") })
      assert.strictEqual(resumed.status, 201, JSON.stringify(resumed.body))
      assert.strictEqual(resumed.body.id, first.body.id)
      assert.strictEqual((yield* count("accounts")) - before, 1)
      const other = yield* call("POST", "/v1/accounts", { body: { currency: "USD" }, ...withKey("acct-once") })
      assert.strictEqual(other.status, 422)
      assert.strictEqual(other.body.code, "idempotency_key_reused")
    })
  )

  it.effect("a transfer whose outcome was lost is not applied twice when resumed", () =>
    Effect.gen(function* () {
      const world = yield* open({ currency: "EUR", allowNegative: true })
      const bob = yield* open({ currency: "EUR" })
      const body = { debitAccountId: world, creditAccountId: bob, amount: "7" }
      const first = yield* call("POST", "/v1/transfers", { body, ...withKey("lost-1") })
      yield* loseOutcome("lost-1")
      const resumed = yield* call("POST", "/v1/transfers", { body, ...withKey("lost-1") })
      assert.strictEqual(resumed.status, 201, JSON.stringify(resumed.body))
      assert.strictEqual(resumed.body.id, first.body.id)
      assert.strictEqual((yield* call("GET", `/v1/accounts/${bob}`)).body.balances.posted, "7")
    })
  )

  it.effect("a post or void resumed after a lost lease answers the settled hold, not already_posted", () =>
    Effect.gen(function* () {
      const world = yield* open({ currency: "EUR", allowNegative: true })
      const carol = yield* open({ currency: "EUR" })
      const hold = (amount: string) =>
        Effect.map(
          call("POST", "/v1/transfers", {
            body: { debitAccountId: world, creditAccountId: carol, amount, pending: true }
          }),
          (r) => r.body.id as string
        )
      const toPost = yield* hold("30")
      assert.strictEqual(
        (yield* call("POST", `/v1/transfers/${toPost}/post`, { body: {}, ...withKey("post-1") })).status,
        200
      )
      yield* loseOutcome("post-1")
      const posted = yield* call("POST", `/v1/transfers/${toPost}/post`, { body: {}, ...withKey("post-1") })
      assert.strictEqual(posted.status, 200, JSON.stringify(posted.body))
      assert.strictEqual(posted.body.status, "posted")
      const toVoid = yield* hold("5")
      assert.strictEqual(
        (yield* call("POST", `/v1/transfers/${toVoid}/void`, { body: {}, ...withKey("void-1") })).status,
        200
      )
      yield* loseOutcome("void-1")
      const voided = yield* call("POST", `/v1/transfers/${toVoid}/void`, { body: {}, ...withKey("void-1") })
      assert.strictEqual(voided.status, 200, JSON.stringify(voided.body))
      assert.strictEqual(voided.body.status, "voided")
      assert.strictEqual((yield* call("GET", `/v1/accounts/${carol}`)).body.balances.posted, "30")
      // a post by someone else's key is not mistaken for this retry: without a lost claim it is refused
      const twice = yield* call("POST", `/v1/transfers/${toPost}/post`, { body: {} })
      assert.strictEqual(twice.body.code, "pending_transfer_already_posted")
    })
  )

  it.effect("a claim made before the upgrade (no derivation) keeps its ids: a retry across a deploy replays", () =>
    Effect.gen(function* () {
      const world = yield* open({ currency: "EUR", allowNegative: true })
      const dave = yield* open({ currency: "EUR" })
      const body = { debitAccountId: world, creditAccountId: dave, amount: "3" }
      // the first run, on the older server: committed under the old derived id, outcome never stored
      const legacyId = derivedId({ kind: "admin" }, { key: "deploy-1", derivation: 1, resumed: false }, "x", 0)
      assert.strictEqual((yield* call("POST", "/v1/transfers", { body: { ...body, id: legacyId } })).status, 201)
      const first = yield* call("POST", "/v1/transfers", { body, ...withKey("deploy-1") })
      assert.notStrictEqual(first.body.id, legacyId) // a fresh claim derives with the operation
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE idempotency_keys SET derivation = NULL WHERE key = 'deploy-1'`.pipe(Effect.orDie)
      yield* loseOutcome("deploy-1")
      const transfers = yield* count("transfers")
      const resumed = yield* call("POST", "/v1/transfers", { body, ...withKey("deploy-1") })
      assert.strictEqual(resumed.status, 201, JSON.stringify(resumed.body))
      assert.strictEqual(resumed.body.id, legacyId)
      assert.strictEqual(yield* count("transfers"), transfers)
    })
  )

  it.effect("claims are fenced: a run whose claim was taken over neither completes nor releases it", () =>
    Effect.gen(function* () {
      const store = yield* IdempotencyStore
      const sql = yield* SqlClient.SqlClient
      const id = { scope: "admin", operation: "test.fenced", key: "fence-1" }
      const first = yield* store.claim(id, "h", 60)
      assert.strictEqual(first?._tag, "Claimed")
      assert.isTrue(first?._tag === "Claimed" && !first.resumed)
      assert.strictEqual((yield* store.claim(id, "h", 60))?._tag, "Stored") // live: not taken over
      yield* sql`UPDATE idempotency_keys SET created_at = now() - interval '1 hour' WHERE key = 'fence-1'`.pipe(
        Effect.orDie
      )
      const second = yield* store.claim(id, "h", 60)
      assert.isTrue(second?._tag === "Claimed" && second.resumed)
      if (first?._tag !== "Claimed" || second?._tag !== "Claimed") return
      assert.isFalse(yield* store.renew(id, first.token))
      assert.isTrue(yield* store.renew(id, second.token))
      yield* store.release(id, first.token) // no effect: not its claim any more
      assert.isTrue(yield* store.complete(id, second.token, 201, '"second"'))
      assert.isFalse(yield* store.complete(id, first.token, 201, '"first"'))
      const stored = yield* store.claim(id, "h", 60)
      assert.isTrue(stored?._tag === "Stored" && stored.body === '"second"')
    })
  )
})
