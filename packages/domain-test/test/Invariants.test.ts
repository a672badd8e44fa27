import { assert, describe, it } from "@effect/vitest"
import type { Account } from "../../domain/src/Account.ts"
import type { Entry } from "../../domain/src/Entry.ts"
import { checkInvariants } from "../../domain/src/Invariants.ts"
import * as Reference from "../../domain/src/Reference.ts"
import type { Transfer } from "../../domain/src/Transfer.ts"
import { account, accountId, command, EUR, limits, now, quote, transferId, USD } from "./fixtures.ts"

/** world → alice 1000 EUR; alice → bob 300 EUR; alice holds 200 for bob; alice → carol (USD) 100 EUR. */
const clean = () => {
  let l = Reference.make(limits)
  for (const a of [
    account(1, EUR, { allowNegative: true }),
    account(2, EUR),
    account(3, EUR),
    account(4, USD),
    account(10, EUR, { allowNegative: true }),
    account(11, USD, { allowNegative: true })
  ]) {
    l = Reference.addAccount(l, a)
  }
  l = Reference.setLiquidity(Reference.setLiquidity(l, EUR, accountId(10)), USD, accountId(11))
  l = Reference.setQuote(l, quote(EUR, USD, "1.0834"))
  const steps: Array<Parameters<typeof command>[0]> = [
    { id: transferId(1), debitAccountId: accountId(1), creditAccountId: accountId(2), amountMinor: 1000n },
    { id: transferId(2), debitAccountId: accountId(2), creditAccountId: accountId(3), amountMinor: 300n },
    {
      id: transferId(3),
      debitAccountId: accountId(2),
      creditAccountId: accountId(3),
      amountMinor: 200n,
      pending: true
    },
    { id: transferId(4), debitAccountId: accountId(2), creditAccountId: accountId(4), amountMinor: 100n },
    { id: transferId(5), debitAccountId: accountId(2), creditAccountId: accountId(3), amountMinor: 999n }
  ]
  for (const step of steps) l = Reference.transfer(l, command(step), now).ledger
  return {
    accounts: [...l.accounts.values()],
    entries: [...l.entries],
    transfers: [...l.transfers.values()]
  }
}

const audit = (x: { accounts: Array<Account>; entries: Array<Entry>; transfers: Array<Transfer> }) =>
  checkInvariants(x.accounts, x.entries, x.transfers)

const mapAccount = (x: ReturnType<typeof clean>, n: number, f: (a: Account) => Account) => ({
  ...x,
  accounts: x.accounts.map((a) => (a.id === accountId(n) ? f(a) : a))
})

describe("checkInvariants", () => {
  it("a ledger built by the decide functions is clean", () => {
    const x = clean()
    assert.deepStrictEqual(audit(x), [])
    assert.strictEqual(x.transfers.find((t) => t.id === transferId(5))!.failureCode, "insufficient_funds")
    assert.strictEqual(x.entries.length, 2 + 2 + 4)
  })

  const corruptions: ReadonlyArray<
    readonly [string, (x: ReturnType<typeof clean>) => ReturnType<typeof clean>, RegExp]
  > = [
    [
      "a posted balance off its entries",
      (x) => mapAccount(x, 3, (a) => ({ ...a, postedMinor: a.postedMinor + 1n })),
      /posted 301 ≠ Σ entries 300/
    ],
    ["a lost entry", (x) => ({ ...x, entries: x.entries.slice(1) }), /entries in EUR sum to 1000, not 0/],
    [
      "a pending debit without a hold",
      (x) => mapAccount(x, 2, (a) => ({ ...a, pendingDebitsMinor: 0n })),
      /pendingDebits 0 ≠ Σ holds 200/
    ],
    [
      "a pending credit without a hold",
      (x) => mapAccount(x, 3, (a) => ({ ...a, pendingCreditsMinor: 1n })),
      /pendingCredits 1 ≠ Σ holds 200/
    ],
    [
      "a customer below zero",
      (x) => mapAccount(x, 3, (a) => ({ ...a, pendingDebitsMinor: a.pendingDebitsMinor + 1000n })),
      /available -700 < 0/
    ],
    [
      "an entry in the wrong currency",
      (x) => ({ ...x, entries: x.entries.map((e, i) => (i === 7 ? { ...e, currency: EUR } : e)) }),
      /in EUR on a USD account/
    ],
    [
      "a wrong running balance",
      (x) => ({ ...x, entries: x.entries.map((e, i) => (i === 3 ? { ...e, postedAfterMinor: 1n } : e)) }),
      /postedAfterMinor 1 ≠ running sum 300/
    ],
    [
      "entries of an unknown transfer",
      (x) => ({ ...x, transfers: x.transfers.filter((t) => t.id !== transferId(2)) }),
      /entries for unknown transfer/
    ],
    [
      "a failed transfer without its code",
      (x) => ({ ...x, transfers: x.transfers.map((t) => (t.id === transferId(5) ? { ...t, failureCode: null } : t)) }),
      /failure code and status disagree/
    ],
    [
      "a posted transfer without entries",
      (x) => ({ ...x, entries: x.entries.filter((e) => e.transferId !== transferId(2)) }),
      /transfer .*: posted with 0 entries, expected 2/
    ],
    [
      "a hold with entries",
      (x) => ({
        ...x,
        transfers: x.transfers.map((t) =>
          t.id === transferId(2) ? { ...t, status: "pending", postedAmountMinor: null, pending: true } : t
        )
      }),
      /pending but has 2 entries/
    ]
  ]

  for (const [name, corrupt, expected] of corruptions) {
    it(`finds ${name}`, () => {
      const problems = audit(corrupt(clean()))
      assert.isTrue(
        problems.some((p) => expected.test(p)),
        problems.join("\n")
      )
    })
  }
})
