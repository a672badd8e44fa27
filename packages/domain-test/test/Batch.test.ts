import { assert, describe, it } from "@effect/vitest"
import type { Account, AccountId } from "../../domain/src/Account.ts"
import type { BatchDecision, FxFor } from "../../domain/src/Batch.ts"
import { decideBatch } from "../../domain/src/Batch.ts"
import type { TransferCommand } from "../../domain/src/CreateTransfer.ts"
import { account, accountId, command, EUR, limits, now, quote, transferId, USD } from "./fixtures.ts"

const accounts = (...list: Array<Account>): ReadonlyMap<AccountId, Account> => new Map(list.map((a) => [a.id, a]))
const noFx: FxFor = () => undefined
const item = (n: number, debit: number, credit: number, amountMinor: bigint, extra: Partial<TransferCommand> = {}) =>
  command({
    id: transferId(n),
    debitAccountId: accountId(debit),
    creditAccountId: accountId(credit),
    amountMinor,
    ...extra
  })

const applied = (d: BatchDecision) => {
  if (d._tag !== "Applied") throw new Error(`expected Applied, got ${JSON.stringify(d.errors)}`)
  return d
}
const refused = (d: BatchDecision) => {
  if (d._tag !== "Refused") throw new Error("expected Refused")
  return d
}

const book = accounts(account(1, EUR, { postedMinor: 1000n }), account(2, EUR), account(3, EUR))

describe("decideBatch", () => {
  it("applies items in order against the evolving balances", () => {
    const d = applied(
      decideBatch(
        [item(1, 1, 2, 700n), item(2, 2, 3, 500n), item(3, 1, 2, 300n, { pending: true })],
        book,
        noFx,
        now,
        limits
      )
    )
    assert.deepStrictEqual(
      d.transfers.map((t) => t.status),
      ["posted", "posted", "pending"]
    )
    assert.deepStrictEqual(
      d.accounts.map((a) => [a.id, a.postedMinor, a.pendingDebitsMinor, a.pendingCreditsMinor, a.version]),
      [
        [accountId(1), 300n, 300n, 0n, 1],
        [accountId(2), 200n, 0n, 300n, 1],
        [accountId(3), 500n, 0n, 0n, 1]
      ]
    )
    assert.deepStrictEqual(
      d.entries.map((e) => [e.transferId, e.side, e.postedAfterMinor]),
      [
        [transferId(1), "debit", 300n],
        [transferId(1), "credit", 700n],
        [transferId(2), "debit", 200n],
        [transferId(2), "credit", 500n]
      ]
    )
  })

  it("refuses the whole batch, naming every failing item, and marks the others linked_transfer_failed", () => {
    const d = refused(
      decideBatch(
        [item(1, 1, 2, 700n), item(2, 1, 3, 500n), item(3, 1, 3, 300n), item(4, 1, 9, 1n), item(5, 2, 2, 1n)],
        book,
        noFx,
        now,
        limits
      )
    )
    // item 2 fails after item 1 spent 700; item 3 is judged without item 2, so 300 still fits
    assert.deepStrictEqual(d.errors, [
      { index: 1, code: "insufficient_funds" },
      { index: 3, code: "credit_account_not_found" },
      { index: 4, code: "accounts_must_be_different" }
    ])
    assert.deepStrictEqual(
      d.transfers.map((t) => [t.id, t.status, t.failureCode, t.postedAmountMinor]),
      [
        [transferId(1), "failed", "linked_transfer_failed", null],
        [transferId(2), "failed", "insufficient_funds", null],
        [transferId(3), "failed", "linked_transfer_failed", null],
        [transferId(4), "failed", "credit_account_not_found", null],
        [transferId(5), "failed", "accounts_must_be_different", null]
      ]
    )
  })

  it("duplicate_transfer_id", () => {
    const d = refused(decideBatch([item(1, 1, 2, 1n), item(1, 1, 2, 1n)], book, noFx, now, limits))
    assert.deepStrictEqual(d.errors, [{ index: 1, code: "duplicate_transfer_id" }])
    assert.strictEqual(
      applied(decideBatch([item(1, 1, 2, 1n), item(2, 1, 2, 1n)], book, noFx, now, limits)).transfers.length,
      2
    )
  })

  it("an empty batch changes nothing", () => {
    assert.deepStrictEqual(decideBatch([], book, noFx, now, limits), {
      _tag: "Applied",
      transfers: [],
      accounts: [],
      entries: []
    })
  })

  it("FX items see the liquidity balances left by earlier items", () => {
    const liquidityEur = account(10, EUR, { allowNegative: true })
    const liquidityUsd = account(11, USD, { postedMinor: 2000n }) // a real float, not allowed below 0
    const fxFor: FxFor = (from, to) =>
      from === EUR && to === USD
        ? { quote: quote(EUR, USD, "1.0834"), debitLiquidity: liquidityEur, creditLiquidity: liquidityUsd }
        : undefined
    const rich = accounts(account(1, EUR, { postedMinor: 5000n }), account(3, USD))
    const one = applied(decideBatch([item(1, 1, 3, 1000n)], rich, fxFor, now, limits))
    assert.strictEqual(one.accounts.find((a) => a.id === accountId(11))!.postedMinor, 2000n - 1083n)
    const two = refused(decideBatch([item(1, 1, 3, 1000n), item(2, 1, 3, 1000n)], rich, fxFor, now, limits))
    assert.deepStrictEqual(two.errors, [{ index: 1, code: "insufficient_funds" }])
    const fxMissing = refused(decideBatch([item(1, 1, 3, 1000n)], rich, noFx, now, limits))
    assert.deepStrictEqual(fxMissing.errors, [{ index: 0, code: "fx_rate_not_found" }])
  })
})
