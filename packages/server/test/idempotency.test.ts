// One idempotency service for every surface: a key is scoped by the API key presenting it and the operation,
// whichever surface carries the request.
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { makeTallyClient } from "../src/rpc/Client.ts"
import { ADMIN_KEY, BaseUrl, call, TestServer } from "./support/TestServer.ts"

/** The typed failure's code (a transport failure has none). */
const codeOf = (error: { readonly _tag: string }) => (error as { readonly code?: string }).code

const rpc = (apiKey: string) => Effect.flatMap(BaseUrl, (url) => makeTallyClient({ url, apiKey }))

const open = (body: Record<string, unknown>, key = ADMIN_KEY) =>
  Effect.map(call("POST", "/v1/accounts", { body, key }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.id as string
  })

layer(TestServer(), { timeout: 120_000, excludeTestServices: true })("idempotency across surfaces", (it) => {
  it.effect("an HTTP request and an RPC call with the same key and request are one; another operation is not", () =>
    Effect.gen(function* () {
      const world = yield* open({ currency: "EUR", allowNegative: true })
      const alice = yield* open({ currency: "EUR" })
      const request = { debitAccountId: world, creditAccountId: alice, amount: "25" }
      const http = yield* call("POST", "/v1/transfers", { body: request, headers: { "idempotency-key": "both-1" } })
      assert.strictEqual(http.status, 201)
      const client = yield* rpc(ADMIN_KEY)
      const replayed = yield* client.transfers.create({ ...request, idempotencyKey: "both-1" })
      assert.deepStrictEqual(replayed, http.body)
      const reused = yield* Effect.flip(client.transfers.create({ ...request, amount: "26", idempotencyKey: "both-1" }))
      assert.strictEqual(reused._tag, "Conflict")
      assert.strictEqual(codeOf(reused), "idempotency_key_reused")
      // the same key on another operation is another record
      const account = yield* client.accounts.create({ currency: "EUR", idempotencyKey: "both-1" })
      assert.strictEqual(account.currency, "EUR")
      assert.strictEqual((yield* call("GET", `/v1/accounts/${alice}`)).body.balances.posted, "25")
    })
  )

  it.effect("keys are scoped by the API key presenting them", () =>
    Effect.gen(function* () {
      const keyOf = (ownerName: string) =>
        Effect.map(call("POST", "/v1/api-keys", { body: { ownerName } }), (r) => r.body.key as string)
      const carol = yield* keyOf("Carol")
      const dave = yield* keyOf("Dave")
      const a = yield* call("POST", "/v1/accounts", {
        key: carol,
        body: { currency: "EUR" },
        headers: { "idempotency-key": "acct-1" }
      })
      const b = yield* call("POST", "/v1/accounts", {
        key: dave,
        body: { currency: "EUR" },
        headers: { "idempotency-key": "acct-1" }
      })
      assert.strictEqual(a.status, 201)
      assert.strictEqual(b.status, 201)
      assert.notStrictEqual(a.body.id, b.body.id)
      const again = yield* (yield* rpc(carol)).accounts.create({ currency: "EUR", idempotencyKey: "acct-1" })
      assert.strictEqual(again.id, a.body.id)
    })
  )

  it.effect("API keys over RPC: created (shown once, never replayed), listed, revoked", () =>
    Effect.gen(function* () {
      const admin = yield* rpc(ADMIN_KEY)
      const created = yield* admin.apiKeys.create({ ownerName: "Erin", name: "erin-main" })
      assert.match(created.key, /^tally_/)
      const erin = yield* rpc(created.key)
      const listed = yield* erin.apiKeys.list({})
      assert.deepStrictEqual(
        listed.items.map((k) => k.id),
        [created.id]
      )
      const forbidden = yield* Effect.flip(erin.apiKeys.create({ ownerId: "01a2026e-0a8e-7cb0-a083-d7fc0da5f47c" }))
      assert.strictEqual(codeOf(forbidden), "admin_required")
      assert.isString((yield* admin.apiKeys.revoke({ id: created.id })).revokedAt)
      const missing = yield* Effect.flip(admin.apiKeys.revoke({ id: "01a2026e-0a8e-7cb0-a083-d7fc0da5f47c" }))
      assert.strictEqual(codeOf(missing), "api_key_not_found")
    })
  )
})
