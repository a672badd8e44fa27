// Abuse over HTTP (issue 10 B7): malformed, out-of-range and foreign input → a 4xx with a stable code and no row
// written (accounts, transfers and entries are counted before and after each case). Floods → 429 per owner and
// an oversize WebSocket message are in ratelimit.test.ts; user-triggerable 5xx in http.no5xx.test.ts.
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { call, TestServer } from "./support/TestServer.ts"

const counts = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ a: number; t: number; e: number }>`SELECT (SELECT count(*)::int FROM accounts) AS a,
    (SELECT count(*)::int FROM transfers) AS t, (SELECT count(*)::int FROM entries) AS e`.pipe(
    Effect.map((rows) => rows[0]!),
    Effect.orDie
  )
)

interface Case {
  readonly name: string
  readonly method?: string
  readonly path: string
  readonly body?: unknown
  readonly rawBody?: string
  readonly key?: string | null
  readonly headers?: Record<string, string>
  readonly status: number
  readonly code: string
}

const open = (body: Record<string, unknown>, key?: string) =>
  Effect.map(call("POST", "/v1/accounts", { body, ...(key === undefined ? {} : { key }) }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.id as string
  })

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64url")

layer(TestServer({ env: { TALLY_BODY_BYTES_MAX: "65536", TALLY_BATCH_SIZE_MAX: "10" } }), {
  timeout: 120_000,
  excludeTestServices: true
})("abuse over HTTP", (it) => {
  it.effect("every case is a 4xx with its code and writes nothing", () =>
    Effect.gen(function* () {
      const world = yield* open({ currency: "EUR", allowNegative: true })
      const owner = yield* call("POST", "/v1/api-keys", { body: { ownerName: "Victim" } })
      const stranger = yield* call("POST", "/v1/api-keys", { body: { ownerName: "Stranger" } })
      const victimAcc = yield* open({ currency: "EUR" }, owner.body.key)
      const strangerAcc = yield* open({ currency: "EUR" }, stranger.body.key)
      const held = yield* call("POST", "/v1/transfers", {
        body: { debitAccountId: world, creditAccountId: victimAcc, amount: "100" }
      })
      assert.strictEqual(held.status, 201)
      const payment = (amount: unknown) => ({ debitAccountId: world, creditAccountId: victimAcc, amount })
      const item = payment("1")
      const cases: ReadonlyArray<Case> = [
        { name: "float amount", path: "/v1/transfers", body: payment(1.5), status: 400, code: "validation_failed" },
        { name: "number amount", path: "/v1/transfers", body: payment(10), status: 400, code: "validation_failed" },
        {
          name: "decimal string",
          path: "/v1/transfers",
          body: payment("10.50"),
          status: 400,
          code: "validation_failed"
        },
        { name: "exponent", path: "/v1/transfers", body: payment("1e3"), status: 400, code: "validation_failed" },
        { name: "negative", path: "/v1/transfers", body: payment("-5"), status: 400, code: "validation_failed" },
        {
          name: "oversized",
          path: "/v1/transfers",
          body: payment("9223372036854775808"),
          status: 400,
          code: "validation_failed"
        },
        {
          name: "20 digits",
          path: "/v1/transfers",
          body: payment("99999999999999999999"),
          status: 400,
          code: "validation_failed"
        },
        { name: "empty amount", path: "/v1/transfers", body: payment(""), status: 400, code: "validation_failed" },
        {
          name: "unknown currency",
          path: "/v1/accounts",
          body: { currency: "XXQ" },
          status: 400,
          code: "validation_failed"
        },
        {
          name: "lowercase currency",
          path: "/v1/accounts",
          body: { currency: "eur" },
          status: 400,
          code: "validation_failed"
        },
        {
          name: "unknown field",
          path: "/v1/accounts",
          body: { currency: "EUR", colour: "red" },
          status: 400,
          code: "validation_failed"
        },
        {
          name: "unknown transfer field",
          path: "/v1/transfers",
          body: { ...item, fee: "1" },
          status: 400,
          code: "validation_failed"
        },
        {
          name: "array for object",
          path: "/v1/accounts",
          body: [{ currency: "EUR" }],
          status: 400,
          code: "validation_failed"
        },
        {
          name: "array metadata",
          path: "/v1/accounts",
          body: { currency: "EUR", metadata: [1] },
          status: 400,
          code: "validation_failed"
        },
        {
          name: "string for batch",
          path: "/v1/transfer-batches",
          body: { transfers: "all" },
          status: 400,
          code: "validation_failed"
        },
        {
          name: "malformed JSON",
          path: "/v1/accounts",
          rawBody: '{"currency":',
          status: 400,
          code: "malformed_json"
        },
        { name: "JSON null", path: "/v1/accounts", rawBody: "null", status: 400, code: "validation_failed" },
        {
          name: "wrong content type",
          path: "/v1/accounts",
          rawBody: "<currency>EUR</currency>",
          headers: { "content-type": "application/xml" },
          status: 415,
          code: "unsupported_media_type"
        },
        {
          name: "oversize body",
          path: "/v1/accounts",
          body: { currency: "EUR", metadata: { pad: "x".repeat(70_000) } },
          status: 413,
          code: "body_too_large"
        },
        { name: "bad id", path: "/v1/transfers", body: { ...item, id: "42" }, status: 400, code: "validation_failed" },
        {
          name: "batch over the cap",
          path: "/v1/transfer-batches",
          body: { transfers: Array(11).fill(item) },
          status: 400,
          code: "batch_size_out_of_range"
        },
        {
          name: "empty batch",
          path: "/v1/transfer-batches",
          body: { transfers: [] },
          status: 400,
          code: "batch_size_out_of_range"
        },
        {
          name: "page over the cap",
          method: "GET",
          path: "/v1/transfers?limit=100000",
          status: 400,
          code: "page_size_too_large"
        },
        { name: "page size zero", method: "GET", path: "/v1/accounts?limit=0", status: 400, code: "validation_failed" },
        {
          name: "garbage cursor",
          method: "GET",
          path: "/v1/transfers?cursor=%%%",
          status: 400,
          code: "invalid_cursor"
        },
        {
          name: "forged cursor",
          method: "GET",
          path: `/v1/accounts?cursor=${b64("x|y")}`,
          status: 400,
          code: "invalid_cursor"
        },
        {
          name: "bad entries cursor",
          method: "GET",
          path: `/v1/accounts/${victimAcc}/entries?cursor=${b64("e|-1")}`,
          status: 400,
          code: "invalid_cursor"
        },
        { name: "not a uuid", method: "GET", path: "/v1/accounts/not-a-uuid", status: 400, code: "validation_failed" },
        {
          name: "other owner's account",
          method: "GET",
          path: `/v1/accounts/${victimAcc}`,
          key: stranger.body.key,
          status: 404,
          code: "account_not_found"
        },
        {
          name: "other owner's entries",
          method: "GET",
          path: `/v1/accounts/${victimAcc}/entries`,
          key: stranger.body.key,
          status: 404,
          code: "account_not_found"
        },
        {
          name: "other owner's transfer",
          method: "GET",
          path: `/v1/transfers/${held.body.id}`,
          key: stranger.body.key,
          status: 404,
          code: "transfer_not_found"
        },
        {
          name: "post another's hold",
          path: `/v1/transfers/${held.body.id}/post`,
          body: {},
          key: stranger.body.key,
          status: 404,
          code: "transfer_not_found"
        },
        {
          name: "void another's hold",
          path: `/v1/transfers/${held.body.id}/void`,
          body: {},
          key: stranger.body.key,
          status: 404,
          code: "transfer_not_found"
        },
        {
          name: "revoke another's key",
          method: "DELETE",
          path: `/v1/api-keys/${owner.body.id}`,
          key: stranger.body.key,
          status: 404,
          code: "api_key_not_found"
        },
        {
          name: "key for another owner",
          path: "/v1/api-keys",
          body: { ownerId: owner.body.ownerId },
          key: stranger.body.key,
          status: 403,
          code: "admin_required"
        },
        {
          name: "system account by owner",
          path: "/v1/accounts",
          body: { currency: "EUR", allowNegative: true },
          key: stranger.body.key,
          status: 403,
          code: "admin_required"
        },
        {
          name: "method not served",
          method: "PUT",
          path: "/v1/accounts",
          body: { currency: "EUR" },
          status: 405,
          code: "method_not_allowed"
        },
        { name: "missing key", method: "GET", path: "/v1/accounts", key: null, status: 401, code: "unauthorized" },
        {
          name: "wrong key",
          method: "GET",
          path: "/v1/accounts",
          key: "tally_wrong",
          status: 401,
          code: "unauthorized"
        },
        {
          name: "not a bearer",
          method: "GET",
          path: "/v1/accounts",
          key: null,
          headers: { authorization: "Basic eDp5" },
          status: 401,
          code: "unauthorized"
        },
        {
          name: "write without key",
          path: "/v1/accounts",
          body: { currency: "EUR" },
          key: null,
          status: 401,
          code: "unauthorized"
        }
      ]
      for (const c of cases) {
        const before = yield* counts
        const r = yield* call(c.method ?? "POST", c.path, {
          ...(c.body === undefined ? {} : { body: c.body }),
          ...(c.rawBody === undefined ? {} : { rawBody: c.rawBody }),
          ...(c.key === undefined ? {} : { key: c.key }),
          ...(c.headers === undefined ? {} : { headers: c.headers })
        })
        assert.strictEqual(r.status, c.status, `${c.name}: ${JSON.stringify(r.body)}`)
        assert.strictEqual(r.body?.code, c.code, `${c.name}: ${JSON.stringify(r.body)}`)
        assert.deepStrictEqual(yield* counts, before, `${c.name} wrote rows`)
      }
      // a stranger's payment attempts from the victim's account write nothing to the victim's lists
      assert.strictEqual(
        (yield* call("GET", `/v1/accounts/${victimAcc}`, { key: owner.body.key })).body.balances.posted,
        "100"
      )
      assert.strictEqual(
        (yield* call("GET", `/v1/accounts/${strangerAcc}`, { key: stranger.body.key })).body.balances.posted,
        "0"
      )
    })
  )

  it.effect("refusals by the ledger (zero amount, same account, no funds) are stored failed, and move nothing", () =>
    Effect.gen(function* () {
      const a = yield* open({ currency: "EUR" })
      const b = yield* open({ currency: "EUR" })
      for (const [body, code] of [
        [{ debitAccountId: a, creditAccountId: b, amount: "0" }, "amount_must_be_positive"],
        [{ debitAccountId: a, creditAccountId: a, amount: "1" }, "accounts_must_be_different"],
        [{ debitAccountId: a, creditAccountId: b, amount: "1" }, "insufficient_funds"]
      ] as const) {
        const before = yield* counts
        const r = yield* call("POST", "/v1/transfers", { body })
        assert.strictEqual(r.status, 422, JSON.stringify(r.body))
        assert.strictEqual(r.body.code, code)
        const after = yield* counts
        // docs/adr/0006: a refusal is stored as one failed transfer; no entry, no account
        assert.deepStrictEqual(after, { ...before, t: before.t + 1 })
        assert.strictEqual((yield* call("GET", `/v1/transfers/${r.body.transferId}`)).body.status, "failed")
      }
    })
  )
})
