import type { DateTime } from "effect"
import type { Account, AccountId } from "./Account.ts"
import { available } from "./Account.ts"
import type { Entry, Side } from "./Entry.ts"
import type { CurrencyCode } from "./Money.ts"
import type { TransferId } from "./Transfer.ts"

/** Balances are stored as PostgreSQL int8: every balance must stay within signed 64-bit. */
export const balanceMinMinor = -(2n ** 63n)
export const balanceMaxMinor = 2n ** 63n - 1n

/** One debit/credit pair in one currency. Same-currency transfers have one leg, FX transfers two. */
export interface Leg {
  readonly debitAccountId: AccountId
  readonly creditAccountId: AccountId
  readonly currency: CurrencyCode
  readonly amountMinor: bigint
}

export interface LegRoute {
  readonly debitAccountId: AccountId
  readonly creditAccountId: AccountId
  readonly currency: CurrencyCode
  readonly creditCurrency: CurrencyCode
  readonly fx: { readonly debitLiquidityAccountId: AccountId; readonly creditLiquidityAccountId: AccountId } | null
}

/** payer → payee, or payer → liquidity(debit currency) and liquidity(credit currency) → payee. */
export const legsOf = (route: LegRoute, debitMinor: bigint, creditMinor: bigint): ReadonlyArray<Leg> =>
  route.fx === null
    ? [
        {
          debitAccountId: route.debitAccountId,
          creditAccountId: route.creditAccountId,
          currency: route.currency,
          amountMinor: debitMinor
        }
      ]
    : [
        {
          debitAccountId: route.debitAccountId,
          creditAccountId: route.fx.debitLiquidityAccountId,
          currency: route.currency,
          amountMinor: debitMinor
        },
        {
          debitAccountId: route.fx.creditLiquidityAccountId,
          creditAccountId: route.creditAccountId,
          currency: route.creditCurrency,
          amountMinor: creditMinor
        }
      ]

/**
 * A working copy of the accounts one decision touches. Mutable, but local to a single decide call, which stays
 * pure: it reads only its arguments and returns new values.
 */
export class Book {
  readonly #before: ReadonlyMap<AccountId, Account>
  readonly #current = new Map<AccountId, Account>()

  constructor(accounts: Iterable<Account>) {
    this.#before = new Map(Array.from(accounts, (account) => [account.id, account]))
  }

  get(id: AccountId): Account {
    const account = this.#current.get(id) ?? this.#before.get(id)
    if (account === undefined) throw new Error(`account ${id} was not loaded for this decision`)
    return account
  }

  #update(id: AccountId, f: (account: Account) => Account): void {
    this.#current.set(id, f(this.get(id)))
  }

  /** Moves holds: +1n reserves the legs, -1n releases them. */
  reserve(legs: ReadonlyArray<Leg>, sign: 1n | -1n): void {
    for (const leg of legs) {
      this.#assertCurrency(leg)
      this.#update(leg.debitAccountId, (a) => ({
        ...a,
        pendingDebitsMinor: a.pendingDebitsMinor + sign * leg.amountMinor
      }))
      this.#update(leg.creditAccountId, (a) => ({
        ...a,
        pendingCreditsMinor: a.pendingCreditsMinor + sign * leg.amountMinor
      }))
    }
  }

  /** Posts the legs and returns their entries, debit then credit for each leg. */
  post(legs: ReadonlyArray<Leg>, transferId: TransferId, now: DateTime.Utc): Array<Entry> {
    const entries: Array<Entry> = []
    for (const leg of legs) {
      this.#assertCurrency(leg)
      this.#update(leg.debitAccountId, (a) => ({ ...a, postedMinor: a.postedMinor - leg.amountMinor }))
      entries.push(this.#entry(leg, "debit", transferId, now))
      this.#update(leg.creditAccountId, (a) => ({ ...a, postedMinor: a.postedMinor + leg.amountMinor }))
      entries.push(this.#entry(leg, "credit", transferId, now))
    }
    return entries
  }

  /** A changed account that must not go negative and whose available balance fell below 0. */
  overdrawn(): boolean {
    for (const [id, after] of this.#current) {
      const before = this.#before.get(id)
      if (after.allowNegative || before === undefined) continue
      if (available(after) < 0n && available(after) < available(before)) return true
    }
    return false
  }

  /**
   * A changed account outside int8, counting what its holds would do once posted (posted + pending credits,
   * posted − pending debits), so that posting an accepted hold can never overflow.
   */
  overflows(): boolean {
    for (const a of this.#current.values()) {
      for (const v of [
        a.postedMinor,
        a.pendingDebitsMinor,
        a.pendingCreditsMinor,
        a.postedMinor + a.pendingCreditsMinor,
        a.postedMinor - a.pendingDebitsMinor
      ]) {
        if (v < balanceMinMinor || v > balanceMaxMinor) return true
      }
    }
    return false
  }

  /** Every changed account, version + 1 and updatedAt = now, in the order first touched. */
  changed(now: DateTime.Utc): Array<Account> {
    return Array.from(this.#current.values(), (a) => {
      const before = this.#before.get(a.id)!
      return { ...a, version: before.version + 1, updatedAt: now }
    })
  }

  #entry(leg: Leg, side: Side, transferId: TransferId, now: DateTime.Utc): Entry {
    const accountId = side === "debit" ? leg.debitAccountId : leg.creditAccountId
    const postedAfterMinor = this.get(accountId).postedMinor
    return {
      transferId,
      accountId,
      currency: leg.currency,
      side,
      amountMinor: leg.amountMinor,
      postedAfterMinor,
      createdAt: now
    }
  }

  #assertCurrency(leg: Leg): void {
    for (const id of [leg.debitAccountId, leg.creditAccountId]) {
      const account = this.get(id)
      if (account.currency !== leg.currency) {
        throw new Error(`account ${id} holds ${account.currency}, not ${leg.currency}`)
      }
    }
  }
}
