import { assert, describe, it } from "@effect/vitest"
import type { Account } from "../../domain/src/Account.ts"
import type { FxContext, TransferCommand } from "../../domain/src/CreateTransfer.ts"
import { decideTransfer } from "../../domain/src/CreateTransfer.ts"
import type { HoldDecision } from "../../domain/src/Hold.ts"
import { decideExpire, decidePost, decideVoid } from "../../domain/src/Hold.ts"
import type { ResultCode } from "../../domain/src/ResultCode.ts"
import type { Transfer } from "../../domain/src/Transfer.ts"
import { account, accountId, command, EUR, later, limits, now, quote, USD } from "./fixtures.ts"

const payer = account(1, EUR, { postedMinor: 1000n })
const payee = account(2, EUR)
const payeeUsd = account(3, USD)
const eurUsd: FxContext = {
  quote: quote(EUR, USD, "1.0834"),
  debitLiquidity: account(10, EUR, { allowNegative: true }),
  creditLiquidity: account(11, USD, { allowNegative: true })
}

/** Creates a transfer and returns it with the accounts as they stand afterwards. */
const create = (cmd: Partial<TransferCommand>, fx = false) => {
  const credit = fx ? payeeUsd : payee
  const d = decideTransfer(command({ creditAccountId: credit.id, ...cmd }), {
    debit: payer,
    credit,
    fx: fx ? eurUsd : undefined,
    now,
    limits
  })
  const all = new Map<string, Account>(
    [payer, credit, eurUsd.debitLiquidity, eurUsd.creditLiquidity].map((a) => [a.id, a])
  )
  if (d._tag === "Applied") for (const a of d.accounts) all.set(a.id, a)
  return { transfer: d.transfer, accounts: [...all.values()] }
}

const hold = create({ pending: true, timeoutSeconds: 60 })

const refused = (d: HoldDecision, code: ResultCode) => assert.deepStrictEqual(d, { _tag: "Refused", code })
const applied = (d: HoldDecision) => {
  if (d._tag !== "Applied") throw new Error(`expected Applied, got ${d.code}`)
  return d
}
const get = (accounts: ReadonlyArray<Account>, n: number) => accounts.find((a) => a.id === accountId(n))!
const as = (t: Transfer, status: Transfer["status"]): Transfer => ({ ...t, status })

describe("decidePost", () => {
  it("posts a hold in full, releasing the reservation and writing entries", () => {
    const d = applied(decidePost(hold.transfer, hold.accounts, undefined, later(10)))
    assert.strictEqual(d.transfer.status, "posted")
    assert.strictEqual(d.transfer.postedAmountMinor, 100n)
    assert.deepStrictEqual(
      [get(d.accounts, 1), get(d.accounts, 2)].map((a) => [
        a.postedMinor,
        a.pendingDebitsMinor,
        a.pendingCreditsMinor,
        a.version
      ]),
      [
        [900n, 0n, 0n, 2],
        [100n, 0n, 0n, 2]
      ]
    )
    assert.deepStrictEqual(
      d.entries.map((e) => [e.side, e.amountMinor]),
      [
        ["debit", 100n],
        ["credit", 100n]
      ]
    )
  })

  it("posts part of a hold and releases the rest", () => {
    const d = applied(decidePost(hold.transfer, hold.accounts, 40n, now))
    assert.strictEqual(d.transfer.postedAmountMinor, 40n)
    assert.strictEqual(d.transfer.amountMinor, 100n)
    assert.deepStrictEqual([get(d.accounts, 1).postedMinor, get(d.accounts, 1).pendingDebitsMinor], [960n, 0n])
    assert.deepStrictEqual([get(d.accounts, 2).postedMinor, get(d.accounts, 2).pendingCreditsMinor], [40n, 0n])
  })

  it("post_amount_must_be_positive", () => {
    refused(decidePost(hold.transfer, hold.accounts, 0n, now), "post_amount_must_be_positive")
    refused(decidePost(hold.transfer, hold.accounts, -1n, now), "post_amount_must_be_positive")
    applied(decidePost(hold.transfer, hold.accounts, 1n, now))
  })

  it("post_amount_exceeds_pending", () => {
    refused(decidePost(hold.transfer, hold.accounts, 101n, now), "post_amount_exceeds_pending")
    applied(decidePost(hold.transfer, hold.accounts, 100n, now))
  })

  it("an FX hold posts partially at its locked rate; post_amount_too_small when that converts to 0", () => {
    const fxHold = create({ pending: true, amountMinor: 1000n }, true)
    assert.strictEqual(fxHold.transfer.creditAmountMinor, 1083n)
    refused(decidePost(fxHold.transfer, fxHold.accounts, 0n, now), "post_amount_must_be_positive")
    // 0.01 EUR × 1.0834 = 0.010834 USD → 0.01 USD; nothing smaller exists, but with a rate < 1 it would round to 0
    applied(decidePost(fxHold.transfer, fxHold.accounts, 1n, now))
    const cheap = { ...fxHold.transfer, fx: { ...fxHold.transfer.fx!, rate: "0.5" }, creditAmountMinor: 500n }
    refused(decidePost(cheap, fxHold.accounts, 1n, now), "post_amount_too_small")
    const d = applied(decidePost(fxHold.transfer, fxHold.accounts, 500n, now))
    assert.deepStrictEqual(
      d.entries.map((e) => [e.accountId, e.side, e.amountMinor]),
      [
        [accountId(1), "debit", 500n],
        [accountId(10), "credit", 500n],
        [accountId(11), "debit", 541n],
        [accountId(3), "credit", 541n]
      ]
    )
    for (const n of [1, 10, 11, 3]) {
      assert.deepStrictEqual([get(d.accounts, n).pendingDebitsMinor, get(d.accounts, n).pendingCreditsMinor], [0n, 0n])
    }
  })
})

describe("decideVoid and decideExpire", () => {
  it("void releases everything and writes no entries", () => {
    const d = applied(decideVoid(hold.transfer, hold.accounts, now))
    assert.strictEqual(d.transfer.status, "voided")
    assert.isNull(d.transfer.postedAmountMinor)
    assert.strictEqual(d.entries.length, 0)
    assert.deepStrictEqual([get(d.accounts, 1).postedMinor, get(d.accounts, 1).pendingDebitsMinor], [1000n, 0n])
    assert.strictEqual(get(d.accounts, 2).pendingCreditsMinor, 0n)
  })

  it("expire releases a hold once expiresAt is not after now", () => {
    refused(decideExpire(hold.transfer, hold.accounts, later(59)), "pending_transfer_not_expired")
    const d = applied(decideExpire(hold.transfer, hold.accounts, later(60)))
    assert.strictEqual(d.transfer.status, "expired")
    assert.strictEqual(get(d.accounts, 1).pendingDebitsMinor, 0n)
    const forever = create({ pending: true })
    refused(decideExpire(forever.transfer, forever.accounts, later(10 ** 9)), "pending_transfer_not_expired")
  })

  it("pending_transfer_expired: a due hold can no longer be posted or voided", () => {
    refused(decidePost(hold.transfer, hold.accounts, undefined, later(60)), "pending_transfer_expired")
    refused(decideVoid(hold.transfer, hold.accounts, later(60)), "pending_transfer_expired")
    applied(decideVoid(hold.transfer, hold.accounts, later(59)))
    const expired = as(hold.transfer, "expired")
    for (const d of [decidePost(expired, hold.accounts, undefined, now), decideVoid(expired, hold.accounts, now)]) {
      refused(d, "pending_transfer_expired")
    }
    refused(decideExpire(expired, hold.accounts, later(60)), "pending_transfer_expired")
  })
})

describe("hold checks, shared by post, void and expire", () => {
  const all = (t: Transfer | undefined, accounts: ReadonlyArray<Account>) => [
    decidePost(t, accounts, undefined, later(100)),
    decideVoid(t, accounts, later(100)),
    decideExpire(t, accounts, later(100))
  ]

  it("pending_transfer_not_found", () => {
    for (const d of all(undefined, [])) refused(d, "pending_transfer_not_found")
  })

  it("transfer_not_pending", () => {
    const oneOff = create({})
    assert.strictEqual(oneOff.transfer.status, "posted")
    for (const d of all(oneOff.transfer, oneOff.accounts)) refused(d, "transfer_not_pending")
    for (const d of all(as(hold.transfer, "initiated"), hold.accounts)) refused(d, "transfer_not_pending")
  })

  it("pending_transfer_failed", () => {
    const failed = create({ pending: true, amountMinor: 5000n })
    assert.strictEqual(failed.transfer.failureCode, "insufficient_funds")
    for (const d of all(failed.transfer, failed.accounts)) refused(d, "pending_transfer_failed")
  })

  it("pending_transfer_already_posted and pending_transfer_already_voided", () => {
    const posted = applied(decidePost(hold.transfer, hold.accounts, undefined, now))
    for (const d of all(posted.transfer, posted.accounts)) refused(d, "pending_transfer_already_posted")
    const voided = applied(decideVoid(hold.transfer, hold.accounts, now))
    for (const d of all(voided.transfer, voided.accounts)) refused(d, "pending_transfer_already_voided")
  })

  it("a missing account is the caller's bug", () => {
    assert.throws(() => decidePost(hold.transfer, [payer], undefined, now), /was not loaded/)
  })
})
