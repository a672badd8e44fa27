// RPC against a real server and PostgreSQL, through the typed client over both transports.
import { randomUUID } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { makeTallyClient, type TallyClient } from "../src/rpc/Client.ts"
import { ADMIN_KEY, BaseUrl, call, TestServer } from "./support/TestServer.ts"

type Transport = "http" | "websocket"

/** `apiKey` null: a client without a key. */
const connect = (transport: Transport, apiKey: string | null = ADMIN_KEY) =>
  Effect.flatMap(BaseUrl, (url) => makeTallyClient({ url, transport, ...(apiKey === null ? {} : { apiKey }) }))

/** The failure of `effect`, asserted to be the typed error `tag` with `code`. */
const refusal = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>,
  tag: string,
  code?: string
) =>
  Effect.map(Effect.flip(effect), (error) => {
    assert.strictEqual(error._tag, tag, JSON.stringify(error))
    if (code !== undefined) assert.strictEqual((error as unknown as { code: string }).code, code)
    return error as E & { readonly code: string }
  })

const ownerKey = (ownerName: string) =>
  Effect.map(call("POST", "/v1/api-keys", { body: { ownerName } }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.key as string
  })

const funded = (client: TallyClient, amount: string) =>
  Effect.gen(function* () {
    const world = yield* client.accounts.create({ currency: "EUR", allowNegative: true })
    const account = yield* client.accounts.create({ currency: "EUR" })
    yield* client.transfers.create({ debitAccountId: world.id, creditAccountId: account.id, amount })
    return { world: world.id, account: account.id }
  })

layer(TestServer(), { timeout: 120_000, excludeTestServices: true })("RPC", (it) => {
  for (const transport of ["http", "websocket"] as const) {
    it.effect(`${transport}: every operation succeeds`, () =>
      Effect.gen(function* () {
        const client = yield* connect(transport)
        const { world, account: alice } = yield* funded(client, "10000")
        const bob = yield* client.accounts.create({ currency: "EUR", metadata: { team: "ops" } })
        assert.strictEqual(bob.balances.posted, "0")
        assert.deepStrictEqual(bob.metadata, { team: "ops" })
        assert.strictEqual((yield* client.accounts.get({ id: alice })).balances.available, "10000")
        const listed = yield* client.accounts.list({ limit: 500 })
        assert.includeMembers(
          listed.items.map((a) => a.id),
          [world, alice, bob.id]
        )

        const pay = yield* client.transfers.create({ debitAccountId: alice, creditAccountId: bob.id, amount: "1050" })
        assert.strictEqual(pay.status, "posted")
        assert.strictEqual(pay.amount, "1050")
        assert.strictEqual((yield* client.transfers.get({ id: pay.id })).status, "posted")

        const hold = yield* client.transfers.create({
          debitAccountId: alice,
          creditAccountId: bob.id,
          amount: "500",
          pending: true,
          timeoutSeconds: 600
        })
        assert.strictEqual(hold.status, "pending")
        assert.strictEqual((yield* client.accounts.get({ id: alice })).balances.pendingDebits, "500")
        const posted = yield* client.transfers.post({ id: hold.id, amount: "200" })
        assert.strictEqual(posted.status, "posted")
        assert.strictEqual(posted.postedAmount, "200")
        const hold2 = yield* client.transfers.create({
          debitAccountId: alice,
          creditAccountId: bob.id,
          amount: "300",
          pending: true
        })
        assert.strictEqual((yield* client.transfers.void({ id: hold2.id })).status, "voided")

        const batch = yield* client.transfers.batch({
          transfers: [
            { debitAccountId: alice, creditAccountId: bob.id, amount: "100" },
            { debitAccountId: bob.id, creditAccountId: alice, amount: "50" }
          ]
        })
        assert.deepStrictEqual(
          batch.transfers.map((t) => t.status),
          ["posted", "posted"]
        )
        assert.strictEqual(batch.transfers[0]!.batchId, batch.transfers[1]!.batchId)

        const bobs = yield* client.transfers.list({ accountId: bob.id, status: "posted" })
        assert.sameMembers(
          bobs.items.map((t) => t.id),
          [pay.id, hold.id, ...batch.transfers.map((t) => t.id)]
        )
        const entries = yield* client.entries.list({ accountId: bob.id })
        assert.deepStrictEqual(
          entries.items.map((e) => [e.side, e.amount, e.postedAfter]),
          [
            ["credit", "1050", "1050"],
            ["credit", "200", "1250"],
            ["credit", "100", "1350"],
            ["debit", "50", "1300"]
          ]
        )
        assert.strictEqual((yield* client.accounts.get({ id: bob.id })).balances.posted, "1300")

        const sql = yield* PgClient.PgClient
        // the FX job loaded the bundled snapshot at start: replace the pair with a known rate
        yield* sql`INSERT INTO fx_rates (base, quote, rate, source, as_of)
          VALUES ('EUR', 'USD', 1.0842, 'test', now()), ('USD', 'EUR', 0.9223, 'test', now())
          ON CONFLICT (base, quote) DO UPDATE SET rate = excluded.rate, source = excluded.source, as_of = excluded.as_of`
        const rates = yield* client.fx.rates({ base: "EUR", quote: "USD" })
        assert.deepStrictEqual(
          rates.rates.map((r) => [r.base, r.quote, r.rate, r.source]),
          [["EUR", "USD", "1.0842", "test"]]
        )
      })
    )

    it.effect(`${transport}: refusals and errors are typed values with their code`, () =>
      Effect.gen(function* () {
        const client = yield* connect(transport)
        const { account: alice } = yield* funded(client, "1000")
        const bob = (yield* client.accounts.create({ currency: "EUR" })).id

        const tooMuch = yield* refusal(
          client.transfers.create({ debitAccountId: bob, creditAccountId: alice, amount: "5" }),
          "TransferRefused",
          "insufficient_funds"
        )
        const failed = yield* client.transfers.get({ id: (tooMuch as unknown as { transferId: string }).transferId })
        assert.strictEqual(failed.status, "failed")
        assert.strictEqual(failed.failureCode, "insufficient_funds")

        const batch = yield* refusal(
          client.transfers.batch({
            transfers: [
              { debitAccountId: alice, creditAccountId: bob, amount: "10" },
              { debitAccountId: bob, creditAccountId: alice, amount: "999999" }
            ]
          }),
          "BatchRefused",
          "batch_refused"
        )
        assert.deepStrictEqual((batch as unknown as { errors: unknown }).errors, [
          { index: 1, code: "insufficient_funds" }
        ])
        assert.strictEqual((yield* client.accounts.get({ id: alice })).balances.posted, "1000")

        yield* refusal(client.accounts.get({ id: randomUUID() }), "NotFound", "account_not_found")
        yield* refusal(client.transfers.get({ id: randomUUID() }), "NotFound", "transfer_not_found")
        yield* refusal(client.transfers.void({ id: randomUUID() }), "NotFound", "transfer_not_found")
        yield* refusal(client.entries.list({ accountId: randomUUID() }), "NotFound", "account_not_found")

        const pay = yield* client.transfers.create({ debitAccountId: alice, creditAccountId: bob, amount: "1" })
        yield* refusal(client.transfers.post({ id: pay.id }), "TransferRefused", "transfer_not_pending")
        yield* refusal(
          client.transfers.create({ id: pay.id, debitAccountId: alice, creditAccountId: bob, amount: "2" }),
          "Conflict",
          "transfer_id_reused"
        )

        yield* refusal(client.accounts.list({ limit: 100_000 }), "ValidationFailed", "page_size_too_large")
        yield* refusal(client.transfers.list({ cursor: "bogus" }), "ValidationFailed", "invalid_cursor")
        yield* refusal(client.transfers.batch({ transfers: [] }), "ValidationFailed", "batch_size_out_of_range")
        yield* refusal(client.accounts.create({ currency: "XYZ" }), "ValidationFailed", "validation_failed")
        yield* refusal(
          client.accounts.create({ currency: "EUR", metadata: { blob: "x".repeat(5000) } }),
          "ValidationFailed",
          "metadata_too_large"
        )
      })
    )

    it.effect(`${transport}: a missing or unknown key is Unauthorized`, () =>
      Effect.gen(function* () {
        const stranger = yield* connect(transport, "tally_not-a-key")
        yield* refusal(stranger.accounts.list({}), "Unauthorized", "unauthorized")
        yield* refusal(stranger.fx.rates({}), "Unauthorized", "unauthorized")
        // a client that cannot set handshake headers (a browser's WebSocket) sends the key with each call
        const keyless = yield* connect(transport, null)
        yield* refusal(keyless.accounts.list({}), "Unauthorized", "unauthorized")
        const page = yield* keyless.accounts.list({}, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
        assert.isArray(page.items)

        const handled = (yield* Metric.snapshot).find(
          (m) =>
            m.id === "tally_rpc_calls_handled_total" &&
            m.attributes?.method === "accounts.list" &&
            m.attributes?.code === "unauthorized"
        )
        assert.isDefined(handled)
      })
    )

    it.effect(`${transport}: another owner's ids are not found; paying them is allowed`, () =>
      Effect.gen(function* () {
        const admin = yield* connect(transport)
        const alice = yield* connect(transport, yield* ownerKey(`Alice ${transport}`))
        const bob = yield* connect(transport, yield* ownerKey(`Bob ${transport}`))
        const aliceAcc = (yield* alice.accounts.create({ currency: "EUR" })).id
        const bobAcc = (yield* bob.accounts.create({ currency: "EUR" })).id
        const world = (yield* admin.accounts.create({ currency: "EUR", allowNegative: true })).id
        const deposit = yield* admin.transfers.create({
          debitAccountId: world,
          creditAccountId: aliceAcc,
          amount: "500"
        })

        yield* refusal(bob.accounts.get({ id: aliceAcc }), "NotFound", "account_not_found")
        yield* refusal(bob.entries.list({ accountId: aliceAcc }), "NotFound", "account_not_found")
        yield* refusal(bob.transfers.get({ id: deposit.id }), "NotFound", "transfer_not_found")
        assert.deepStrictEqual(
          (yield* bob.accounts.list({})).items.map((a) => a.id),
          [bobAcc]
        )
        yield* refusal(
          bob.transfers.create({ debitAccountId: aliceAcc, creditAccountId: bobAcc, amount: "1" }),
          "TransferRefused",
          "debit_account_not_found"
        )
        yield* refusal(bob.accounts.create({ currency: "EUR", allowNegative: true }), "Forbidden", "admin_required")

        const hold = yield* alice.transfers.create({
          debitAccountId: aliceAcc,
          creditAccountId: bobAcc,
          amount: "100",
          pending: true
        })
        yield* refusal(bob.transfers.post({ id: hold.id }), "NotFound", "transfer_not_found")
        assert.strictEqual((yield* alice.transfers.post({ id: hold.id })).status, "posted")
        assert.strictEqual((yield* bob.accounts.get({ id: bobAcc })).balances.posted, "100")
      })
    )
  }

  it.effect("idempotencyKey: a retry returns the first outcome; another payload is a Conflict", () =>
    Effect.gen(function* () {
      const client = yield* connect("http")
      const { account: alice } = yield* funded(client, "1000")
      const bob = (yield* client.accounts.create({ currency: "EUR" })).id
      const body = { debitAccountId: alice, creditAccountId: bob, amount: "10", idempotencyKey: "pay-1" }
      const first = yield* client.transfers.create(body)
      const again = yield* client.transfers.create(body)
      assert.strictEqual(again.id, first.id)
      assert.strictEqual((yield* client.accounts.get({ id: alice })).balances.posted, "990")
      yield* refusal(client.transfers.create({ ...body, amount: "11" }), "Conflict", "idempotency_key_reused")

      // the record is per API key and method, not per transport: over WebSocket the same call is a replay
      const ws = yield* connect("websocket")
      assert.strictEqual((yield* ws.transfers.create({ ...body, idempotencyKey: "pay-1" })).id, first.id)

      const hold = yield* client.transfers.create({
        debitAccountId: alice,
        creditAccountId: bob,
        amount: "7",
        pending: true
      })
      const posted = yield* client.transfers.post({ id: hold.id, idempotencyKey: "post-1" })
      const replayed = yield* client.transfers.post({ id: hold.id, idempotencyKey: "post-1" })
      assert.deepStrictEqual(replayed, posted)
      yield* refusal(client.transfers.post({ id: hold.id }), "TransferRefused", "pending_transfer_already_posted")

      const refused = yield* refusal(
        client.transfers.create({ debitAccountId: bob, creditAccountId: alice, amount: "999", idempotencyKey: "k-2" }),
        "TransferRefused",
        "insufficient_funds"
      )
      const replay = yield* refusal(
        client.transfers.create({ debitAccountId: bob, creditAccountId: alice, amount: "999", idempotencyKey: "k-2" }),
        "TransferRefused",
        "insufficient_funds"
      )
      assert.deepStrictEqual(replay, refused)

      const batch = {
        transfers: [{ debitAccountId: alice, creditAccountId: bob, amount: "3" }],
        idempotencyKey: "batch-1"
      }
      const b1 = yield* client.transfers.batch(batch)
      const b2 = yield* client.transfers.batch(batch)
      assert.deepStrictEqual(b2, b1)
      assert.strictEqual((yield* client.accounts.get({ id: alice })).balances.posted, "980")
    })
  )
})
