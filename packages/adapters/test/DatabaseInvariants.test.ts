// The ledger's invariants as the database itself enforces them (issue 10 A11), checked in plain SQL: what is
// allowed and what is refused, whatever code (or operator) writes the rows.
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { uuidv7 } from "../src/Uuid.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const exec = (statement: string, params: ReadonlyArray<unknown> = []) =>
  Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe(statement, params as Array<unknown>))

/** The SQLSTATE a refused statement failed with. */
const refused = (statement: string, params: ReadonlyArray<unknown> = []) =>
  Effect.flip(exec(statement, params)).pipe(
    Effect.map((error) => (error as { reason?: { cause?: { code?: string } } }).reason?.cause?.code)
  )

const account = (currency: string) =>
  Effect.gen(function* () {
    const id = uuidv7()
    yield* exec(
      "INSERT INTO accounts (id, currency, allow_negative, created_at, updated_at) VALUES ($1, $2, true, now(), now())",
      [id, currency]
    )
    return id
  })

type Status = "initiated" | "pending" | "posted" | "voided" | "expired" | "failed"

/** A transfer row as a decision would store it in `status`. */
const transfer = (status: Status, options: { pending?: boolean; amount?: number } = {}) =>
  Effect.gen(function* () {
    const id = uuidv7()
    const debit = yield* account("EUR")
    const credit = yield* account("EUR")
    const pending = options.pending ?? ["pending", "voided", "expired"].includes(status)
    yield* exec(
      `INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, currency, credit_amount, credit_currency,
         pending, status, failure_code, posted_amount, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'EUR', $4, 'EUR', $5, $6, $7, $8, now(), now())`,
      [
        id,
        debit,
        credit,
        options.amount ?? 100,
        pending,
        status,
        status === "failed" ? "insufficient_funds" : null,
        status === "posted" ? (options.amount ?? 100) : null
      ]
    )
    return { id, debit, credit }
  })

const setStatus = (id: string, to: Status) =>
  `UPDATE transfers SET status = '${to}', failure_code = ${to === "failed" ? "'insufficient_funds'" : "NULL"},
     posted_amount = ${to === "posted" ? "amount" : "NULL"} WHERE id = '${id}'`

const CHECK_VIOLATION = "23514"

layer(TestDatabase(), { timeout: 60_000 })("database invariants", (it) => {
  it.effect("allows exactly the state machine's transitions", () =>
    Effect.gen(function* () {
      const legal: Array<[Status, Status, boolean]> = [
        ["initiated", "pending", true],
        ["initiated", "posted", false],
        ["initiated", "failed", false],
        ["pending", "posted", true],
        ["pending", "voided", true],
        ["pending", "expired", true]
      ]
      for (const [from, to, pending] of legal) {
        const t = yield* transfer(from, { pending })
        yield* exec(setStatus(t.id, to))
        const [row] = yield* exec("SELECT status FROM transfers WHERE id = $1", [t.id])
        assert.strictEqual((row as { status: string }).status, to, `${from} -> ${to}`)
      }
    })
  )

  it.effect("refuses every other transition, and any change to a settled transfer", () =>
    Effect.gen(function* () {
      const illegal: Array<[Status, Status]> = [
        ["posted", "pending"],
        ["voided", "posted"],
        ["expired", "posted"],
        ["expired", "voided"],
        ["failed", "posted"],
        ["failed", "pending"],
        ["posted", "voided"],
        ["pending", "initiated"],
        ["pending", "failed"],
        ["voided", "pending"]
      ]
      for (const [from, to] of illegal) {
        const t = yield* transfer(from, { pending: true })
        assert.strictEqual(yield* refused(setStatus(t.id, to)), CHECK_VIOLATION, `${from} -> ${to}`)
      }
      const posted = yield* transfer("posted")
      assert.strictEqual(
        yield* refused("UPDATE transfers SET amount = 1, posted_amount = 1 WHERE id = $1", [posted.id]),
        CHECK_VIOLATION
      )
      const failed = yield* transfer("failed")
      assert.strictEqual(
        yield* refused("UPDATE transfers SET failure_code = 'amount_must_be_positive' WHERE id = $1", [failed.id]),
        CHECK_VIOLATION
      )
      // a hold keeps what it reserves until it settles: its amounts and parties do not change while pending
      const hold = yield* transfer("pending")
      assert.strictEqual(yield* refused("UPDATE transfers SET amount = 1 WHERE id = $1", [hold.id]), CHECK_VIOLATION)
      const other = yield* account("EUR")
      assert.strictEqual(
        yield* refused("UPDATE transfers SET credit_account_id = $2 WHERE id = $1", [hold.id, other]),
        CHECK_VIOLATION
      )
      // posting it may restate the credit (a partial post), and nothing else of what was asked
      yield* exec("UPDATE transfers SET status = 'posted', posted_amount = 40, credit_amount = 40 WHERE id = $1", [
        hold.id
      ])
      assert.strictEqual(yield* refused("DELETE FROM transfers WHERE id = $1", [hold.id]), CHECK_VIOLATION)
    })
  )

  it.effect("amount > 0 unless failed; a decided transfer has its currencies and a positive credit", () =>
    Effect.gen(function* () {
      yield* transfer("failed", { amount: 0 })
      for (const status of ["posted", "pending"] as const) {
        const code = yield* Effect.flip(transfer(status, { amount: 0 })).pipe(
          Effect.map((error) => (error as { reason?: { cause?: { code?: string } } }).reason?.cause?.code)
        )
        assert.strictEqual(code, CHECK_VIOLATION, status)
      }
      const debit = yield* account("EUR")
      const credit = yield* account("EUR")
      assert.strictEqual(
        yield* refused(
          `INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, currency, pending, status,
             posted_amount, created_at, updated_at) VALUES ($1, $2, $3, 5, 'EUR', false, 'posted', 5, now(), now())`,
          [uuidv7(), debit, credit]
        ),
        CHECK_VIOLATION
      )
    })
  )

  it.effect("one debit and one credit entry per transfer and account, in the account's currency", () =>
    Effect.gen(function* () {
      const t = yield* transfer("posted")
      const entry = (accountId: string, currency: string, side: "debit" | "credit") =>
        `INSERT INTO entries (transfer_id, account_id, currency, side, amount, posted_after, created_at)
         VALUES ('${t.id}', '${accountId}', '${currency}', '${side}', 100, 0, now())`
      yield* exec(entry(t.debit, "EUR", "debit"))
      yield* exec(entry(t.credit, "EUR", "credit"))
      assert.strictEqual(yield* refused(entry(t.debit, "EUR", "debit")), "23505", "a second debit entry")
      assert.strictEqual(yield* refused(entry(t.credit, "EUR", "credit")), "23505", "a second credit entry")
      // the other side on the same account is a different entry (allowed by this rule; the verifier balances legs)
      yield* exec(entry(t.debit, "EUR", "credit"))
      const usd = yield* account("USD")
      assert.strictEqual(yield* refused(entry(usd, "EUR", "credit")), "23503", "an EUR entry on a USD account")
      yield* exec(entry(usd, "USD", "credit"))
      // an account's currency is fixed once it has entries
      assert.strictEqual(yield* refused("UPDATE accounts SET currency = 'GBP' WHERE id = $1", [usd]), "23503")
    })
  )
})
