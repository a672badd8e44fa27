import { DateTime, Effect, Option, Schema } from "effect"
import { type Account, AccountId, type OwnerId, openAccount } from "../Account.ts"
import type { CurrencyCode } from "../Money.ts"
import { Ids } from "../ports/Ids.ts"
import { LedgerStore } from "../ports/LedgerStore.ts"

export class AccountNotFound extends Schema.TaggedError<AccountNotFound>()("AccountNotFound", {
  accountId: Schema.String
}) {}

export interface OpenAccountCommand {
  readonly currency: CurrencyCode
  readonly ownerId: OwnerId | null
  readonly allowNegative: boolean
  readonly metadata: Record<string, unknown> | null
}

export const open = Effect.fn("Accounts.open")(function* (command: OpenAccountCommand) {
  const store = yield* LedgerStore
  const id = AccountId.make(yield* (yield* Ids).next)
  const now = yield* DateTime.now
  return yield* store.createAccount(openAccount({ id, ...command }, now))
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
