import { DateTime, Effect, Option, Schema } from "effect"
import { type Account, AccountId, type OwnerId, openAccount } from "../Account.ts"
import type { CurrencyCode } from "../Money.ts"
import { Ids } from "../ports/Ids.ts"
import { LedgerStore, type ListAccounts } from "../ports/LedgerStore.ts"

export class AccountNotFound extends Schema.TaggedError<AccountNotFound>()("AccountNotFound", {
  accountId: Schema.String
}) {}

/** `allowNegative` marks a system account (money outside the ledger, FX liquidity): those have no owner. */
export class OwnedSystemAccount extends Schema.TaggedError<OwnedSystemAccount>()("OwnedSystemAccount", {
  ownerId: Schema.String
}) {}

export interface OpenAccountCommand {
  /** An id derived from the request's idempotency key: a retry of a committed open returns that account. */
  readonly id?: AccountId
  readonly currency: CurrencyCode
  readonly ownerId: OwnerId | null
  readonly allowNegative: boolean
  readonly metadata: Record<string, unknown> | null
}

export const open = Effect.fn("Accounts.open")(function* (command: OpenAccountCommand) {
  if (command.allowNegative && command.ownerId !== null) {
    return yield* new OwnedSystemAccount({ ownerId: command.ownerId })
  }
  const store = yield* LedgerStore
  if (command.id !== undefined) {
    const opened = yield* store.getAccount(command.id)
    if (Option.isSome(opened) && opened.value.ownerId === command.ownerId) return opened.value
  }
  const { id: given, ...fields } = command
  const id = given ?? AccountId.make(yield* (yield* Ids).next)
  const now = yield* DateTime.now
  return yield* store.createAccount(openAccount({ id, ...fields }, now))
})

/** `viewer` null = the admin (sees everything); another owner's account reads as not found. */
export const get = Effect.fn("Accounts.get")(function* (id: AccountId, viewer: OwnerId | null) {
  const store = yield* LedgerStore
  const found = yield* store.getAccount(id)
  if (Option.isNone(found) || (viewer !== null && found.value.ownerId !== viewer)) {
    return yield* new AccountNotFound({ accountId: id })
  }
  return found.value satisfies Account
})

/** The accounts `viewer` owns (the admin: every account), a page at a time. */
export const list = Effect.fn("Accounts.list")(function* (
  query: Omit<ListAccounts, "ownerId">,
  viewer: OwnerId | null
) {
  return yield* (yield* LedgerStore).listAccounts({ ...query, ownerId: viewer })
})
