// The decisions of a group commit: independent transfers decided one after another against the balances the
// ones before left, each with its own outcome (unlike a batch, a refusal does not fail the others).
import type { DateTime } from "effect"
import type { Account, AccountId, OwnerId } from "./Account.ts"
import { decideAfter, type FxFor } from "./Batch.ts"
import type { Limits, TransferCommand, TransferDecision } from "./CreateTransfer.ts"
import type { Entry } from "./Entry.ts"
import type { AskedTransfer } from "./ports/LedgerStore.ts"
import type { TransferId } from "./Transfer.ts"

export interface GroupMember {
  readonly cmd: TransferCommand
  /** Who asks: its debit account must be its own (null: the admin or the system). */
  readonly viewer: OwnerId | null
  readonly limits: Limits
}

/** A member's result: its own decision, or the index of the earlier member with the same id it repeats. */
export type GroupResult =
  | { readonly _tag: "Decided"; readonly decision: TransferDecision }
  | { readonly _tag: "Repeat"; readonly of: number }

export interface GroupDecision {
  /** One per member, in order. */
  readonly results: ReadonlyArray<GroupResult>
  /** Every decided transfer once (applied or failed), in decision order, as its member's (creator, events). */
  readonly transfers: ReadonlyArray<AskedTransfer>
  /** Every changed account once, in its final state: version + 1 (one write per group), updatedAt = now. */
  readonly accounts: ReadonlyArray<Account>
  /** The entries in decision order, each with the balance its account had right after it. */
  readonly entries: ReadonlyArray<Entry>
}

/**
 * The account if `viewer` may debit it. `viewer` null = admin/system: debits everything. An owner sees another
 * owner's accounts as absent, and never debits a system account (allowNegative: world, FX liquidity), even one
 * it were somehow given a key for.
 */
export const visible = (account: Account | undefined, viewer: OwnerId | null) =>
  account !== undefined && (viewer === null || (account.ownerId === viewer && !account.allowNegative))
    ? account
    : undefined

/**
 * Decides the members in order. `accountsById` must hold every account the commands name (locked); the FX
 * liquidity accounts may come from `fxFor` (their evolving state is used once the group has touched them).
 * The outcome of each member is exactly what deciding it alone, after the ones before had committed, gives.
 */
export const decideGroup = (
  members: ReadonlyArray<GroupMember>,
  accountsById: ReadonlyMap<AccountId, Account>,
  fxFor: FxFor,
  now: DateTime.Utc
): GroupDecision => {
  const current = new Map(accountsById)
  const originalVersion = new Map<AccountId, number>()
  const first = new Map<TransferId, number>()
  const results: Array<GroupResult> = []
  const transfers: Array<AskedTransfer> = []
  const entries: Array<Entry> = []
  members.forEach(({ cmd, viewer, limits }, index) => {
    const earlier = first.get(cmd.id)
    if (earlier !== undefined) {
      results.push({ _tag: "Repeat", of: earlier })
      return
    }
    first.set(cmd.id, index)
    const decision = decideAfter(cmd, visible(current.get(cmd.debitAccountId), viewer), current, fxFor, now, limits)
    results.push({ _tag: "Decided", decision })
    transfers.push({ transfer: decision.transfer, ownerId: viewer })
    if (decision._tag === "Applied") {
      for (const account of decision.accounts) {
        if (!originalVersion.has(account.id)) originalVersion.set(account.id, account.version - 1)
        current.set(account.id, account)
      }
      entries.push(...decision.entries)
    }
  })
  const accounts = Array.from(originalVersion, ([id, version]) => ({ ...current.get(id)!, version: version + 1 }))
  return { results, transfers, accounts, entries }
}
