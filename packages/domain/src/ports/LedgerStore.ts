import { Context, type Effect, type Option, Schema } from "effect"
import type { Account, AccountId, OwnerId } from "../Account.ts"
import type { StoreUnavailable } from "./StoreError.ts"

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  /** Opaque cursor for the next page; null on the last page. */
  readonly nextCursor: string | null
}

export interface Owner {
  readonly id: OwnerId
  readonly kind: "system" | "service" | "user"
  readonly name: string
}

export interface ListAccounts {
  readonly ownerId: OwnerId | null
  readonly cursor: string | null
  readonly limit: number
}

/** A pagination cursor that this store did not issue. */
export class InvalidCursor extends Schema.TaggedError<InvalidCursor>()("InvalidCursor", { cursor: Schema.String }) {}

/** Persistence of accounts, transfers and entries. Implemented by PostgreSQL and in memory. */
export class LedgerStore extends Context.Service<
  LedgerStore,
  {
    readonly createOwner: (owner: Owner) => Effect.Effect<Owner, StoreUnavailable>
    readonly createAccount: (account: Account) => Effect.Effect<Account, StoreUnavailable>
    readonly getAccount: (id: AccountId) => Effect.Effect<Option.Option<Account>, StoreUnavailable>
    readonly listAccounts: (query: ListAccounts) => Effect.Effect<Page<Account>, StoreUnavailable | InvalidCursor>
  }
>()("tally/domain/LedgerStore") {}
