import { assert, describe, it } from "@effect/vitest"
import { DateTime } from "effect"
import type { Account } from "../../domain/src/Account.ts"
import type { FxContext, TransferCommand, TransferDecision } from "../../domain/src/CreateTransfer.ts"
import { decideTransfer } from "../../domain/src/CreateTransfer.ts"
import { signedMinor } from "../../domain/src/Entry.ts"
import { balanceMaxMinor, balanceMinMinor } from "../../domain/src/Posting.ts"
import type { ResultCode } from "../../domain/src/ResultCode.ts"
import { rank } from "../../domain/src/ResultCode.ts"
import { account, accountId, command, EUR, later, limits, now, quote, transferId, USD } from "./fixtures.ts"

const payer = account(1, EUR, { postedMinor: 1000n })
const payee = account(2, EUR)
const payeeUsd = account(3, USD)
const liquidityEur = account(10, EUR, { allowNegative: true })
const liquidityUsd = account(11, USD, { allowNegative: true })
const eurUsd: FxContext = {
  quote: quote(EUR, USD, "1.0834"),
  debitLiquidity: liquidityEur,
  creditLiquidity: liquidityUsd
}

const decide = (
  cmd: Partial<TransferCommand>,
  ctx: { debit?: Account | undefined; credit?: Account | undefined; fx?: FxContext | undefined } = {}
): TransferDecision =>
  decideTransfer(command(cmd), {
    debit: "debit" in ctx ? ctx.debit : payer,
    credit: "credit" in ctx ? ctx.credit : payee,
    fx: ctx.fx,
    now,
    limits
  })

const refusedWith = (decision: TransferDecision, code: ResultCode) => {
  assert.strictEqual(decision._tag, "Refused", `expected ${code}`)
  if (decision._tag !== "Refused") return
  assert.strictEqual(decision.code, code)
  assert.strictEqual(decision.transfer.status, "failed")
  assert.strictEqual(decision.transfer.failureCode, code)
  assert.isNull(decision.transfer.postedAmountMinor)
  assert.isNull(decision.transfer.expiresAt)
}

const applied = (decision: TransferDecision) => {
  if (decision._tag !== "Applied") throw new Error(`expected Applied, got ${decision.code}`)
  return decision
}

const byId = (accounts: ReadonlyArray<Account>, n: number) => accounts.find((a) => a.id === accountId(n))!

describe("decideTransfer", () => {
  it("posts a one-phase transfer with one debit and one credit entry", () => {
    const d = applied(decide({}))
    assert.strictEqual(d.transfer.status, "posted")
    assert.strictEqual(d.transfer.postedAmountMinor, 100n)
    assert.strictEqual(d.transfer.creditAmountMinor, 100n)
    assert.strictEqual(d.transfer.currency, EUR)
    assert.isNull(d.transfer.failureCode)
    assert.isNull(d.transfer.fx)
    assert.strictEqual(byId(d.accounts, 1).postedMinor, 900n)
    assert.strictEqual(byId(d.accounts, 2).postedMinor, 100n)
    for (const a of d.accounts) {
      assert.strictEqual(a.version, 1)
      assert.isTrue(DateTime.Equivalence(a.updatedAt, now))
    }
    assert.deepStrictEqual(
      d.entries.map((e) => [e.accountId, e.side, e.amountMinor, e.postedAfterMinor]),
      [
        [accountId(1), "debit", 100n, 900n],
        [accountId(2), "credit", 100n, 100n]
      ]
    )
  })

  it("a hold reserves without posting and expires timeoutSeconds later", () => {
    const d = applied(decide({ pending: true, timeoutSeconds: 900 }))
    assert.strictEqual(d.transfer.status, "pending")
    assert.isNull(d.transfer.postedAmountMinor)
    assert.strictEqual(d.entries.length, 0)
    assert.isTrue(DateTime.Equivalence(d.transfer.expiresAt!, later(900)))
    assert.deepStrictEqual(
      [
        byId(d.accounts, 1).pendingDebitsMinor,
        byId(d.accounts, 1).postedMinor,
        byId(d.accounts, 2).pendingCreditsMinor
      ],
      [100n, 1000n, 100n]
    )
    assert.isNull(applied(decide({ pending: true })).transfer.expiresAt)
  })

  it("amount_must_be_positive", () => {
    refusedWith(decide({ amountMinor: 0n }), "amount_must_be_positive")
    refusedWith(decide({ amountMinor: -1n }), "amount_must_be_positive")
    applied(decide({ amountMinor: 1n }))
  })

  it("accounts_must_be_different", () => {
    refusedWith(decide({ creditAccountId: accountId(1) }, { credit: payer }), "accounts_must_be_different")
  })

  it("debit_account_not_found and credit_account_not_found", () => {
    const d = decide({}, { debit: undefined })
    refusedWith(d, "debit_account_not_found")
    assert.isNull(d.transfer.currency)
    const c = decide({}, { credit: undefined })
    refusedWith(c, "credit_account_not_found")
    assert.strictEqual(c.transfer.currency, EUR)
    assert.isNull(c.transfer.creditCurrency)
  })

  it("timeout_requires_pending", () => {
    refusedWith(decide({ timeoutSeconds: 60 }), "timeout_requires_pending")
    applied(decide({ timeoutSeconds: 60, pending: true }))
  })

  it("timeout_must_be_positive", () => {
    for (const timeoutSeconds of [0, -5, 1.5, Number.NaN]) {
      refusedWith(decide({ pending: true, timeoutSeconds }), "timeout_must_be_positive")
    }
    applied(decide({ pending: true, timeoutSeconds: 1 }))
  })

  it("timeout_too_large", () => {
    refusedWith(decide({ pending: true, timeoutSeconds: limits.timeoutSecondsMax + 1 }), "timeout_too_large")
    applied(decide({ pending: true, timeoutSeconds: limits.timeoutSecondsMax }))
  })

  it("fx_rate_not_found", () => {
    const d = decide({ creditAccountId: accountId(3) }, { credit: payeeUsd })
    refusedWith(d, "fx_rate_not_found")
    assert.strictEqual(d.transfer.creditCurrency, USD)
    assert.isNull(d.transfer.creditAmountMinor)
    // a same-currency transfer ignores any FX context
    assert.isNull(applied(decide({}, { fx: eurUsd })).transfer.fx)
  })

  it("fx_rate_stale", () => {
    const at = (seconds: number): FxContext => ({ ...eurUsd, quote: quote(EUR, USD, "1.0834", later(-seconds)) })
    const d = decide({ creditAccountId: accountId(3) }, { credit: payeeUsd, fx: at(61) })
    refusedWith(d, "fx_rate_stale")
    assert.strictEqual(d.transfer.fx?.rate, "1.0834")
    applied(decide({ creditAccountId: accountId(3) }, { credit: payeeUsd, fx: at(60) }))
  })

  it("fx_amount_too_small", () => {
    const fx: FxContext = { ...eurUsd, quote: quote(EUR, USD, "0.99") }
    refusedWith(
      decide({ creditAccountId: accountId(3), amountMinor: 1n }, { credit: payeeUsd, fx }),
      "fx_amount_too_small"
    )
    applied(decide({ creditAccountId: accountId(3), amountMinor: 2n }, { credit: payeeUsd, fx }))
  })

  it("insufficient_funds", () => {
    refusedWith(decide({ amountMinor: 1001n }), "insufficient_funds")
    applied(decide({ amountMinor: 1000n }))
    refusedWith(decide({ amountMinor: 1001n, pending: true }), "insufficient_funds")
    // outstanding holds reduce what is available
    const held = { ...payer, pendingDebitsMinor: 600n }
    refusedWith(decide({ amountMinor: 401n }, { debit: held }), "insufficient_funds")
    applied(decide({ amountMinor: 400n }, { debit: held }))
    // pending credits are not spendable yet
    refusedWith(
      decide({ amountMinor: 1001n }, { debit: { ...payer, pendingCreditsMinor: 500n } }),
      "insufficient_funds"
    )
    // a system account may go negative
    const world = account(1, EUR, { allowNegative: true })
    assert.strictEqual(byId(applied(decide({ amountMinor: 5000n }, { debit: world })).accounts, 1).postedMinor, -5000n)
    // an FX liquidity account without allowNegative is held to its float too
    const fx: FxContext = { ...eurUsd, creditLiquidity: account(11, USD, { postedMinor: 100n }) }
    refusedWith(
      decide({ creditAccountId: accountId(3), amountMinor: 100n }, { credit: payeeUsd, fx }),
      "insufficient_funds"
    )
    applied(decide({ creditAccountId: accountId(3), amountMinor: 92n }, { credit: payeeUsd, fx }))
  })

  it("balance_would_overflow", () => {
    const world = account(1, EUR, { allowNegative: true })
    const rich = account(2, EUR, { postedMinor: balanceMaxMinor - 10n })
    refusedWith(decide({ amountMinor: 11n }, { debit: world, credit: rich }), "balance_would_overflow")
    applied(decide({ amountMinor: 10n }, { debit: world, credit: rich }))
    // a hold counts what posting it would do
    refusedWith(decide({ amountMinor: 11n, pending: true }, { debit: world, credit: rich }), "balance_would_overflow")
    const deep = account(1, EUR, { allowNegative: true, postedMinor: balanceMinMinor + 10n })
    refusedWith(decide({ amountMinor: 11n }, { debit: deep }), "balance_would_overflow")
    applied(decide({ amountMinor: 10n }, { debit: deep }))
    refusedWith(decide({ amountMinor: balanceMaxMinor + 1n }, { debit: world }), "balance_would_overflow")
  })

  it("reports only the first failing check, in ResultCode precedence", () => {
    const cases: ReadonlyArray<readonly [TransferDecision, ReadonlyArray<ResultCode>]> = [
      [
        decide({ amountMinor: 0n, creditAccountId: accountId(1) }, { credit: payer }),
        ["amount_must_be_positive", "accounts_must_be_different"]
      ],
      [
        decide({ timeoutSeconds: 0 }, { debit: undefined, credit: undefined }),
        ["debit_account_not_found", "credit_account_not_found", "timeout_requires_pending"]
      ],
      [
        decide({ timeoutSeconds: 99999, creditAccountId: accountId(3) }, { credit: payeeUsd }),
        ["timeout_requires_pending", "fx_rate_not_found"]
      ],
      [
        decide({ pending: true, timeoutSeconds: 99999, amountMinor: 5000n }),
        ["timeout_too_large", "insufficient_funds"]
      ],
      [
        decide(
          { amountMinor: 5000n, creditAccountId: accountId(3) },
          { credit: payeeUsd, fx: { ...eurUsd, quote: quote(EUR, USD, "1", later(-999)) } }
        ),
        ["fx_rate_stale", "insufficient_funds"]
      ],
      [
        decide({ amountMinor: balanceMaxMinor }, { credit: account(2, EUR, { postedMinor: balanceMaxMinor }) }),
        ["insufficient_funds", "balance_would_overflow"]
      ]
    ]
    for (const [decision, violated] of cases) {
      assert.strictEqual(decision._tag, "Refused")
      if (decision._tag === "Refused") {
        assert.strictEqual(decision.code, violated[0])
        assert.isTrue(violated.every((code) => rank(code) >= rank(decision.code)))
      }
    }
  })

  it("an FX transfer writes two legs through the liquidity accounts and balances per currency", () => {
    const d = applied(decide({ creditAccountId: accountId(3), amountMinor: 1000n }, { credit: payeeUsd, fx: eurUsd }))
    assert.strictEqual(d.transfer.creditAmountMinor, 1083n)
    assert.strictEqual(d.transfer.creditCurrency, USD)
    assert.deepStrictEqual(d.transfer.fx, {
      rate: "1.0834",
      source: "test",
      asOf: now,
      debitLiquidityAccountId: accountId(10),
      creditLiquidityAccountId: accountId(11)
    })
    assert.deepStrictEqual(
      d.entries.map((e) => [e.accountId, e.currency, e.side, e.amountMinor]),
      [
        [accountId(1), EUR, "debit", 1000n],
        [accountId(10), EUR, "credit", 1000n],
        [accountId(11), USD, "debit", 1083n],
        [accountId(3), USD, "credit", 1083n]
      ]
    )
    assert.deepStrictEqual(
      [1, 10, 11, 3].map((n) => byId(d.accounts, n).postedMinor),
      [0n, 1000n, -1083n, 1083n]
    )
    for (const currency of [EUR, USD]) {
      const sum = d.entries.filter((e) => e.currency === currency).reduce((acc, e) => acc + signedMinor(e), 0n)
      assert.strictEqual(sum, 0n, currency)
    }
  })

  it("an FX hold reserves on all four accounts", () => {
    const d = applied(
      decide({ creditAccountId: accountId(3), amountMinor: 1000n, pending: true }, { credit: payeeUsd, fx: eurUsd })
    )
    assert.strictEqual(d.entries.length, 0)
    assert.deepStrictEqual(
      [1, 10, 11, 3].map((n) => [byId(d.accounts, n).pendingDebitsMinor, byId(d.accounts, n).pendingCreditsMinor]),
      [
        [1000n, 0n],
        [0n, 1000n],
        [1083n, 0n],
        [0n, 1083n]
      ]
    )
  })

  it("a wrong FX context is a bug, not a refusal", () => {
    const cmd = { creditAccountId: accountId(3) }
    assert.throws(() => decide(cmd, { credit: payeeUsd, fx: { ...eurUsd, quote: quote(USD, EUR, "0.9") } }))
    assert.throws(() => decide(cmd, { credit: payeeUsd, fx: { ...eurUsd, debitLiquidity: liquidityUsd } }))
    assert.throws(() => decide({ id: transferId(2) }, { debit: payee }))
  })
})
