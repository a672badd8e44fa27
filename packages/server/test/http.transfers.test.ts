import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, TestServer } from "./support/TestServer.ts"

const count = (table: "transfers" | "entries" | "idempotency_keys") =>
  Effect.flatMap(PgClient.PgClient, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`).pipe(
    Effect.map((rows) => rows[0]!.n)
  )

const open = (currency: string, allowNegative = false) =>
  Effect.map(call("POST", "/v1/accounts", { body: { currency, ...(allowNegative ? { allowNegative } : {}) } }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.id as string
  })

const balance = (id: string) =>
  Effect.map(call("GET", `/v1/accounts/${id}`), (r) => r.body.balances as Record<string, string>)

const transfer = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call("POST", "/v1/transfers", { body, headers })

layer(TestServer(), { timeout: 120_000 })("HTTP /v1/transfers", (it) => {
  it.effect("deposit, transfer, read back; a refusal is a 422 naming the stored failed transfer", () =>
    Effect.gen(function* () {
      const world = yield* open("EUR", true)
      const alice = yield* open("EUR")
      const bob = yield* open("EUR")
      const deposit = yield* transfer({ debitAccountId: world, creditAccountId: alice, amount: "10000" })
      assert.strictEqual(deposit.status, 201)
      assert.strictEqual(deposit.body.status, "posted")
      const pay = yield* transfer({
        debitAccountId: alice,
        creditAccountId: bob,
        amount: "1050",
        metadata: { ref: "inv-1" }
      })
      assert.strictEqual(pay.status, 201)
      assert.strictEqual(pay.body.amount, "1050")
      assert.strictEqual(pay.body.currency, "EUR")
      assert.deepStrictEqual(pay.body.metadata, { ref: "inv-1" })
      assert.strictEqual((yield* balance(alice)).available, "8950")
      assert.strictEqual((yield* call("GET", `/v1/transfers/${pay.body.id}`)).body.status, "posted")

      const refused = yield* transfer({ debitAccountId: bob, creditAccountId: alice, amount: "999999" })
      assert.strictEqual(refused.status, 422)
      assert.strictEqual(refused.body.code, "insufficient_funds")
      const failed = yield* call("GET", `/v1/transfers/${refused.body.transferId}`)
      assert.strictEqual(failed.body.status, "failed")
      assert.strictEqual(failed.body.failureCode, "insufficient_funds")

      const entries = yield* call("GET", `/v1/accounts/${bob}/entries`)
      assert.strictEqual(entries.status, 200)
      assert.deepStrictEqual(
        entries.body.items.map((e: { side: string; amount: string; postedAfter: string }) => [
          e.side,
          e.amount,
          e.postedAfter
        ]),
        [["credit", "1050", "1050"]]
      )
      const listed = yield* call("GET", `/v1/transfers?accountId=${bob}&status=failed`)
      assert.deepStrictEqual(
        listed.body.items.map((t: { id: string }) => t.id),
        [refused.body.transferId]
      )
    })
  )

  it.effect("bad input is a 400 with the failing field, and writes nothing", () =>
    Effect.gen(function* () {
      const a = yield* open("EUR")
      const before = yield* count("transfers")
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ debitAccountId: a, creditAccountId: a, amount: 5 }, "amount"],
        [{ debitAccountId: a, creditAccountId: a, amount: "-5" }, "amount"],
        [{ debitAccountId: a, creditAccountId: a, amount: "1.5" }, "amount"],
        [{ debitAccountId: a, creditAccountId: a, amount: "99999999999999999999" }, "amount"],
        [{ debitAccountId: "x", creditAccountId: a, amount: "5" }, "debitAccountId"],
        [{ debitAccountId: a, creditAccountId: a, amount: "5", extra: true }, "extra"]
      ]
      for (const [body, field] of cases) {
        const reply = yield* transfer(body)
        assert.strictEqual(reply.status, 400, JSON.stringify(body))
        assert.strictEqual(reply.body.code, "validation_failed")
        assert.deepStrictEqual(reply.body.errors[0].path, ["payload", field])
      }
      const keysBefore = yield* count("idempotency_keys")
      const huge = yield* call("POST", "/v1/transfers", {
        rawBody: JSON.stringify({ pad: "x".repeat(2_000_000) }),
        headers: { "idempotency-key": "huge" }
      })
      assert.strictEqual(huge.status, 413)
      assert.strictEqual(huge.body.code, "body_too_large")
      assert.isString(huge.headers.get("x-request-id"))
      // the body limit applies before the idempotency middleware reads the body or claims the key
      assert.strictEqual(yield* count("idempotency_keys"), keysBefore)
      assert.strictEqual(yield* count("transfers"), before)
    })
  )

  it.effect("holds: create, partial post, void; unknown id 404", () =>
    Effect.gen(function* () {
      const world = yield* open("EUR", true)
      const alice = yield* open("EUR")
      const shop = yield* open("EUR")
      yield* transfer({ debitAccountId: world, creditAccountId: alice, amount: "1000" })
      const hold = yield* transfer({
        debitAccountId: alice,
        creditAccountId: shop,
        amount: "600",
        pending: true,
        timeoutSeconds: 60
      })
      assert.strictEqual(hold.body.status, "pending")
      assert.isString(hold.body.expiresAt)
      assert.deepStrictEqual(yield* balance(alice), {
        posted: "1000",
        pendingDebits: "600",
        pendingCredits: "0",
        available: "400"
      })
      const posted = yield* call("POST", `/v1/transfers/${hold.body.id}/post`, { body: { amount: "250" } })
      assert.strictEqual(posted.status, 200)
      assert.strictEqual(posted.body.postedAmount, "250")
      const again = yield* call("POST", `/v1/transfers/${hold.body.id}/void`)
      assert.strictEqual(again.status, 422)
      assert.strictEqual(again.body.code, "pending_transfer_already_posted")
      const second = yield* transfer({ debitAccountId: alice, creditAccountId: shop, amount: "100", pending: true })
      assert.strictEqual((yield* call("POST", `/v1/transfers/${second.body.id}/void`)).body.status, "voided")
      const missing = yield* call("POST", "/v1/transfers/01a2026e-0a8e-7cb0-a083-d7fc0da5f47c/post", { body: {} })
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(missing.body.code, "transfer_not_found")
      assert.deepStrictEqual(yield* balance(alice), {
        posted: "750",
        pendingDebits: "0",
        pendingCredits: "0",
        available: "750"
      })
    })
  )

  it.effect("batches: all or nothing, each failing item named", () =>
    Effect.gen(function* () {
      const world = yield* open("EUR", true)
      const a = yield* open("EUR")
      const b = yield* open("EUR")
      const ok = yield* call("POST", "/v1/transfer-batches", {
        body: {
          transfers: [
            { debitAccountId: world, creditAccountId: a, amount: "500" },
            { debitAccountId: a, creditAccountId: b, amount: "200" }
          ]
        }
      })
      assert.strictEqual(ok.status, 201)
      assert.strictEqual(ok.body.transfers.length, 2)
      const entriesBefore = yield* count("entries")
      const bad = yield* call("POST", "/v1/transfer-batches", {
        body: {
          transfers: [
            { debitAccountId: a, creditAccountId: b, amount: "100" },
            { debitAccountId: b, creditAccountId: a, amount: "100000" },
            { debitAccountId: a, creditAccountId: a, amount: "1" }
          ]
        }
      })
      assert.strictEqual(bad.status, 422)
      assert.strictEqual(bad.body.code, "batch_refused")
      assert.deepStrictEqual(bad.body.errors, [
        { index: 1, code: "insufficient_funds" },
        { index: 2, code: "accounts_must_be_different" }
      ])
      assert.strictEqual(yield* count("entries"), entriesBefore)
      assert.strictEqual((yield* balance(a)).posted, "300")
      const empty = yield* call("POST", "/v1/transfer-batches", { body: { transfers: [] } })
      assert.strictEqual(empty.status, 400)
      assert.strictEqual(empty.body.code, "batch_size_out_of_range")
    })
  )

  it.effect("Idempotency-Key: replay, other body 422, and 50 concurrent requests make exactly one transfer", () =>
    Effect.gen(function* () {
      const world = yield* open("EUR", true)
      const a = yield* open("EUR")
      const body = { debitAccountId: world, creditAccountId: a, amount: "42" }
      const first = yield* transfer(body, { "idempotency-key": "key-1" })
      const second = yield* transfer(body, { "idempotency-key": "key-1" })
      assert.strictEqual(first.status, 201)
      assert.strictEqual(second.status, 201)
      assert.deepStrictEqual(second.body, first.body)
      assert.strictEqual(second.headers.get("idempotent-replayed"), "true")
      const other = yield* transfer({ ...body, amount: "43" }, { "idempotency-key": "key-1" })
      assert.strictEqual(other.status, 422)
      assert.strictEqual(other.body.code, "idempotency_key_reused")

      const b = yield* open("EUR")
      const replies = yield* Effect.all(
        Array.from({ length: 50 }, () =>
          transfer({ debitAccountId: world, creditAccountId: b, amount: "7" }, { "idempotency-key": "rush" })
        ),
        { concurrency: "unbounded" }
      )
      const statuses = replies.map((r) => r.status)
      assert.isTrue(
        statuses.every((s) => s === 201 || s === 409),
        statuses.join(",")
      )
      const ids = new Set(replies.filter((r) => r.status === 201).map((r) => r.body.id))
      assert.strictEqual(ids.size, 1)
      assert.strictEqual((yield* balance(b)).posted, "7")
      const listed = yield* call("GET", `/v1/transfers?accountId=${b}`)
      assert.strictEqual(listed.body.items.length, 1)
    })
  )
})

/** The fx-refresh job loads the bundled snapshot at start (forked): wait for it. */
const snapshotRates = Effect.gen(function* () {
  let rates = yield* call("GET", "/v1/fx/rates?base=EUR&quote=USD")
  for (let i = 0; i < 100 && rates.body.rates.length === 0; i++) {
    yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
    rates = yield* call("GET", "/v1/fx/rates?base=EUR&quote=USD")
  }
  return rates
})

layer(TestServer(), { timeout: 120_000, excludeTestServices: true })("HTTP FX offline, default settings", (it) => {
  it.effect("the bundled snapshot keeps its own date: a cross-currency transfer is refused as fx_rate_stale", () =>
    Effect.gen(function* () {
      const rates = yield* snapshotRates
      const rate = rates.body.rates[0] as { source: string; asOf: string }
      assert.strictEqual(rate.asOf.slice(0, 10), rate.source.slice("snapshot:".length), "as-of = the snapshot's date")
      const world = yield* open("EUR", true)
      const eur = yield* open("EUR")
      const usd = yield* open("USD")
      yield* transfer({ debitAccountId: world, creditAccountId: eur, amount: "100000" })
      const fx = yield* transfer({ debitAccountId: eur, creditAccountId: usd, amount: "10000" })
      assert.strictEqual(fx.status, 422, JSON.stringify(fx.body))
      assert.strictEqual(fx.body.code, "fx_rate_stale")
      assert.strictEqual((yield* balance(eur)).posted, "100000")
      assert.strictEqual((yield* transfer({ debitAccountId: eur, creditAccountId: world, amount: "1" })).status, 201)
    })
  )
})

// an operator who accepts old rates (here: ten years) converts at the snapshot
layer(TestServer({ env: { TALLY_FX_MAX_AGE_SECONDS: String(10 * 365 * 86_400) } }), { timeout: 120_000 })(
  "HTTP FX",
  (it) => {
    it.effect("rates are listed, and a cross-currency transfer converts at the cached rate through FX liquidity", () =>
      Effect.gen(function* () {
        const rates = yield* snapshotRates
        assert.strictEqual(rates.status, 200)
        assert.strictEqual(rates.body.rates.length, 1)
        const rate = rates.body.rates[0] as { rate: string; source: string; asOf: string }
        assert.match(rate.source, /^snapshot:/)

        const world = yield* open("EUR", true)
        const eur = yield* open("EUR")
        const usd = yield* open("USD")
        yield* transfer({ debitAccountId: world, creditAccountId: eur, amount: "100000" })
        const fx = yield* transfer({ debitAccountId: eur, creditAccountId: usd, amount: "10000" })
        assert.strictEqual(fx.status, 201, JSON.stringify(fx.body))
        assert.strictEqual(fx.body.currency, "EUR")
        assert.strictEqual(fx.body.creditCurrency, "USD")
        assert.strictEqual(fx.body.fx.rate, rate.rate)
        // 100.00 EUR at the rate, rounded down to cents
        const [whole, fraction = ""] = rate.rate.split(".")
        const expected = (10000n * BigInt(whole! + fraction)) / 10n ** BigInt(fraction.length)
        assert.strictEqual(fx.body.creditAmount, expected.toString())
        assert.strictEqual((yield* balance(usd)).posted, expected.toString())
        assert.strictEqual((yield* balance(eur)).posted, "90000")
      })
    )
  }
)

layer(TestServer(), { timeout: 60_000 })("HTTP refusals that are stored as asked", (it) => {
  it.effect("a zero or negative timeout, or a zero amount, is a 422 with a stored failed transfer", () =>
    Effect.gen(function* () {
      const a = yield* open("EUR", true)
      const b = yield* open("EUR")
      for (const [body, code] of [
        [
          { debitAccountId: a, creditAccountId: b, amount: "5", pending: true, timeoutSeconds: 0 },
          "timeout_must_be_positive"
        ],
        [
          { debitAccountId: a, creditAccountId: b, amount: "5", pending: true, timeoutSeconds: -5 },
          "timeout_must_be_positive"
        ],
        [{ debitAccountId: a, creditAccountId: b, amount: "0" }, "amount_must_be_positive"],
        [{ debitAccountId: a, creditAccountId: b, amount: "5", timeoutSeconds: 10 }, "timeout_requires_pending"]
      ] as const) {
        const reply = yield* transfer(body)
        assert.strictEqual(reply.status, 422, JSON.stringify(reply.body))
        assert.strictEqual(reply.body.code, code)
        assert.strictEqual((yield* call("GET", `/v1/transfers/${reply.body.transferId}`)).body.status, "failed")
      }
      const huge = yield* transfer({
        debitAccountId: a,
        creditAccountId: b,
        amount: "5",
        pending: true,
        timeoutSeconds: 2 ** 40
      })
      assert.strictEqual(huge.status, 400)
    })
  )
})
