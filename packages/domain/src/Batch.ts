import type { DateTime } from "effect"
import type { Account, AccountId } from "./Account.ts"
import type { FxContext, Limits, TransferCommand } from "./CreateTransfer.ts"
import { decideTransfer, failedTransfer, unknown } from "./CreateTransfer.ts"
import type { Entry } from "./Entry.ts"
import type { CurrencyCode } from "./Money.ts"
import type { ResultCode } from "./ResultCode.ts"
import type { Transfer, TransferId } from "./Transfer.ts"

/** The rate and FX liquidity accounts for a currency pair, or undefined when the pair is not offered. */
export type FxFor = (debitCurrency: CurrencyCode, creditCurrency: CurrencyCode) => FxContext | undefined

export interface BatchApplied {
  readonly _tag: "Applied"
  /** One per command, in order. */
  readonly transfers: ReadonlyArray<Transfer>
  /** Every changed account once, in its final state: version + 1 (one write per batch), updatedAt = now. */
  readonly accounts: ReadonlyArray<Account>
  readonly entries: ReadonlyArray<Entry>
}

export interface BatchError {
  readonly index: number
  readonly code: ResultCode
}

export interface BatchRefused {
  readonly _tag: "Refused"
  /** Every failing item with its own code, in order. */
  readonly errors: ReadonlyArray<BatchError>
  /** One failed record per command: failing items with their code, the rest with linked_transfer_failed. */
  readonly transfers: ReadonlyArray<Transfer>
}

export type BatchDecision = BatchApplied | BatchRefused

/**
 * Decides `cmd` against the balances the commands before it left (`current`, every account they changed): the
 * step batches and group commits share. `debit` is the debit account as the caller may see it; the FX liquidity
 * accounts come from `fxFor`, in their evolving state once an earlier command touched them.
 */
export const decideAfter = (
  cmd: TransferCommand,
  debit: Account | undefined,
  current: ReadonlyMap<AccountId, Account>,
  fxFor: FxFor,
  now: DateTime.Utc,
  limits: Limits
) => {
  const latest = (account: Account): Account => current.get(account.id) ?? account
  const credit = current.get(cmd.creditAccountId)
  const fx =
    debit !== undefined && credit !== undefined && debit.currency !== credit.currency
      ? fxFor(debit.currency, credit.currency)
      : undefined
  return decideTransfer(cmd, {
    debit,
    credit,
    fx: fx && { ...fx, debitLiquidity: latest(fx.debitLiquidity), creditLiquidity: latest(fx.creditLiquidity) },
    now,
    limits
  })
}

/**
 * Decides a batch atomically: items are applied in order against the evolving balances (item 2 sees item 1),
 * a failing item is skipped so the later items are still judged, and if any failed none is applied.
 * `accountsById` must hold every account the commands name; the FX liquidity accounts may come from `fxFor`
 * (their evolving state is used once the batch has touched them).
 */
export const decideBatch = (
  cmds: ReadonlyArray<TransferCommand>,
  accountsById: ReadonlyMap<AccountId, Account>,
  fxFor: FxFor,
  now: DateTime.Utc,
  limits: Limits
): BatchDecision => {
  const current = new Map(accountsById)
  const originalVersion = new Map<AccountId, number>()
  const changed = new Set<AccountId>()
  const seen = new Set<TransferId>()
  const transfers: Array<Transfer> = []
  const entries: Array<Entry> = []
  const errors: Array<BatchError> = []
  cmds.forEach((cmd, index) => {
    if (seen.has(cmd.id)) {
      errors.push({ index, code: "duplicate_transfer_id" })
      transfers.push(failedTransfer(cmd, "duplicate_transfer_id", unknown, now))
      return
    }
    seen.add(cmd.id)
    const decision = decideAfter(cmd, current.get(cmd.debitAccountId), current, fxFor, now, limits)
    transfers.push(decision.transfer)
    if (decision._tag === "Refused") {
      errors.push({ index, code: decision.code })
      return
    }
    for (const account of decision.accounts) {
      if (!originalVersion.has(account.id)) originalVersion.set(account.id, account.version - 1)
      changed.add(account.id)
      current.set(account.id, account)
    }
    entries.push(...decision.entries)
  })
  if (errors.length > 0) {
    return {
      _tag: "Refused",
      errors,
      transfers: transfers.map((t) =>
        t.status === "failed"
          ? t
          : {
              ...t,
              status: "failed",
              failureCode: "linked_transfer_failed",
              postedAmountMinor: null,
              expiresAt: null
            }
      )
    }
  }
  const accounts = Array.from(changed, (id) => ({ ...current.get(id)!, version: originalVersion.get(id)! + 1 }))
  return { _tag: "Applied", transfers, accounts, entries }
}
