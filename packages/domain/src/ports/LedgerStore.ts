import { Context, type Effect, type Option, Schema } from "effect"
import type { Account, AccountId, OwnerId } from "../Account.ts"
import type { Entry } from "../Entry.ts"
import type { FxQuote } from "../Fx.ts"
import type { CurrencyCode } from "../Money.ts"
import type { Transfer, TransferId, TransferStatus } from "../Transfer.ts"
import type { StoreUnavailable } from "./StoreError.ts"

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  /** Opaque cursor for the next page; null on the last page. */
  readonly nextCursor: string | null
  /**
   * Transfers and entries: where to ask again later (after this page's last item; the cursor asked with when the
   * page is empty). A client tailing the list follows it and never misses a committed row (docs/concepts.md).
   */
  readonly tailCursor?: string | null
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

export interface ListTransfers {
  /** Transfers debiting or crediting this account. */
  readonly accountId: AccountId | null
  readonly status: TransferStatus | null
  /** Only transfers this owner may see (as `getTransfers`); null = all (admin). */
  readonly ownerId: OwnerId | null
  readonly cursor: string | null
  readonly limit: number
}

export interface ListEntries {
  readonly accountId: AccountId
  readonly cursor: string | null
  readonly limit: number
}

/**
 * A transfer a write stores or settles, with who asked for it (null: the admin or the system). An inserted
 * transfer's asker is its creator (what `getCreatedTransfers` and `getTransfers` go by); a settled one keeps its
 * creator. Either way the asker is the owner in its events' context. Per transfer, not per write: one group
 * commit carries transfers of many owners (docs/adr/0024).
 */
export interface AskedTransfer {
  readonly transfer: Transfer
  readonly ownerId: OwnerId | null
}

/** What one ledger decision changes; written atomically, in one round trip where the store can. */
export interface Changes {
  readonly inserted: ReadonlyArray<AskedTransfer>
  readonly updated: ReadonlyArray<AskedTransfer>
  /** New account states; each has version = stored version + 1. */
  readonly accounts: ReadonlyArray<Account>
  readonly entries: ReadonlyArray<Entry>
}

/** A pagination cursor that this store did not issue. */
export class InvalidCursor extends Schema.TaggedError<InvalidCursor>()("InvalidCursor", { cursor: Schema.String }) {}

/** One of the transfer ids to insert is already stored: the request is a retry (or a reused id). */
export class TransferIdTaken extends Schema.TaggedError<TransferIdTaken>()("TransferIdTaken", {
  transferIds: Schema.Array(Schema.String)
}) {}

export type SystemAccountKind = "world" | "fx_liquidity" | "fees"

/** What a cross-currency pair needs: the cached quote and the FX liquidity account of each currency. */
export interface FxRoute {
  readonly base: CurrencyCode
  readonly quote: CurrencyCode
  readonly fx: FxQuote | null
  readonly baseLiquidityId: AccountId | null
  readonly quoteLiquidityId: AccountId | null
}

/** Persistence of accounts, transfers and entries. Implemented by PostgreSQL and in memory. */
export class LedgerStore extends Context.Service<
  LedgerStore,
  {
    readonly createOwner: (owner: Owner) => Effect.Effect<Owner, StoreUnavailable>
    readonly createAccount: (account: Account) => Effect.Effect<Account, StoreUnavailable>
    readonly getOwner: (id: OwnerId) => Effect.Effect<Option.Option<Owner>, StoreUnavailable>
    readonly getAccount: (id: AccountId) => Effect.Effect<Option.Option<Account>, StoreUnavailable>
    /** The accounts found among `ids`, without locking them (an owner never changes: safe to check first). */
    readonly getAccounts: (
      ids: ReadonlyArray<AccountId>
    ) => Effect.Effect<ReadonlyMap<AccountId, Account>, StoreUnavailable>
    readonly listAccounts: (query: ListAccounts) => Effect.Effect<Page<Account>, StoreUnavailable | InvalidCursor>

    /**
     * Runs `effect` as one transaction, retried (bounded, jittered) when the database reports a retryable
     * failure: serialization, deadlock, lock timeout, connection lost. Locks taken inside last until it ends.
     */
    readonly transact: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreUnavailable, R>
    /** Locks the accounts (ascending id order, so concurrent lockers never deadlock) and returns those found. */
    readonly lockAccounts: (
      ids: ReadonlyArray<AccountId>
    ) => Effect.Effect<ReadonlyMap<AccountId, Account>, StoreUnavailable>
    /** Locks one transfer row (before its accounts: the order every hold operation uses). */
    readonly lockTransfer: (id: TransferId) => Effect.Effect<Option.Option<Transfer>, StoreUnavailable>
    readonly write: (changes: Changes) => Effect.Effect<void, StoreUnavailable | TransferIdTaken>

    /**
     * The transfers with these ids that `viewer` may see (it created them, or owns one side of one that is not
     * failed: a stranger's refusal is not listed to the owner it named); null = all.
     */
    readonly getTransfers: (
      ids: ReadonlyArray<TransferId>,
      viewer: OwnerId | null
    ) => Effect.Effect<ReadonlyArray<Transfer>, StoreUnavailable>
    /** The transfers with these ids that `creator` asked for (what a retry may replay); null = all. */
    readonly getCreatedTransfers: (
      ids: ReadonlyArray<TransferId>,
      creator: OwnerId | null
    ) => Effect.Effect<ReadonlyArray<Transfer>, StoreUnavailable>
    readonly listTransfers: (query: ListTransfers) => Effect.Effect<Page<Transfer>, StoreUnavailable | InvalidCursor>
    readonly listEntries: (query: ListEntries) => Effect.Effect<Page<Entry>, StoreUnavailable | InvalidCursor>
    /** Holds whose expiresAt is not after `now`, oldest first. */
    readonly dueHolds: (now: Date, limit: number) => Effect.Effect<ReadonlyArray<TransferId>, StoreUnavailable>

    readonly systemAccount: (
      kind: SystemAccountKind,
      currency: CurrencyCode
    ) => Effect.Effect<Option.Option<AccountId>, StoreUnavailable>
    readonly registerSystemAccount: (
      kind: SystemAccountKind,
      currency: CurrencyCode,
      accountId: AccountId
    ) => Effect.Effect<void, StoreUnavailable>
    /** Quotes and liquidity accounts of every pair, in one round trip. */
    readonly fxRoutes: (
      pairs: ReadonlyArray<readonly [CurrencyCode, CurrencyCode]>
    ) => Effect.Effect<ReadonlyArray<FxRoute>, StoreUnavailable>
    readonly fxQuote: (
      base: CurrencyCode,
      quote: CurrencyCode
    ) => Effect.Effect<Option.Option<FxQuote>, StoreUnavailable>
    readonly listFxQuotes: Effect.Effect<ReadonlyArray<FxQuote>, StoreUnavailable>
    readonly saveFxQuotes: (quotes: ReadonlyArray<FxQuote>) => Effect.Effect<void, StoreUnavailable>
  }
>()("tally/domain/LedgerStore") {}
