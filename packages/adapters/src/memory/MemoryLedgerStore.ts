// The in-memory twin of the PostgreSQL store: same contract (test/contract), no database. Transactions
// are serialized by one permit and roll back by restoring a snapshot, so "locks" are implicit.

import type { Account, AccountId, OwnerId } from "@tally/domain/Account"
import type { Entry } from "@tally/domain/Entry"
import type { FxQuote } from "@tally/domain/Fx"
import type { CurrencyCode } from "@tally/domain/Money"
import {
  type Changes,
  type FxRoute,
  InvalidCursor,
  LedgerStore,
  type ListAccounts,
  type ListEntries,
  type ListTransfers,
  type Owner,
  type SystemAccountKind,
  TransferIdTaken
} from "@tally/domain/ports/LedgerStore"
import type { Transfer, TransferId } from "@tally/domain/Transfer"
import { Context, DateTime, Effect, Exit, Layer, Option, Semaphore } from "effect"
import { decodeCursor, decodeSeqCursor, encodeCursor, encodeSeqCursor } from "../postgres/Rows.ts"

const InTransaction = Context.Reference<boolean>("tally/adapters/MemoryLedgerStore/InTransaction", {
  defaultValue: () => false
})

interface State {
  owners: Map<string, Owner>
  accounts: Map<AccountId, Account>
  transfers: Map<TransferId, Transfer & { readonly ownerId: string | null }>
  entries: Array<Entry & { readonly seq: bigint }>
  system: Map<string, AccountId>
  fx: Map<string, FxQuote>
}

const copy = (s: State): State => ({
  owners: new Map(s.owners),
  accounts: new Map(s.accounts),
  transfers: new Map(s.transfers),
  entries: [...s.entries],
  system: new Map(s.system),
  fx: new Map(s.fx)
})

const ms = (dt: DateTime.Utc) => DateTime.toEpochMillis(dt)

const keysetPage = <A>(
  items: ReadonlyArray<A>,
  key: (a: A) => readonly [number, string],
  cursor: string | null,
  limit: number
) =>
  Effect.gen(function* () {
    const after = cursor === null ? undefined : decodeCursor(cursor)
    if (cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor })
    const sorted = [...items]
      .sort((a, b) => {
        const [ta, ia] = key(a)
        const [tb, ib] = key(b)
        return ta - tb || (ia < ib ? -1 : ia > ib ? 1 : 0)
      })
      .filter((a) => {
        if (after === undefined) return true
        const [t, id] = key(a)
        const at = after.createdAt.getTime()
        return t > at || (t === at && id > after.id)
      })
    const page = sorted.slice(0, limit)
    const last = page.at(-1)
    const lastKey = last === undefined ? undefined : key(last)
    return {
      items: page,
      nextCursor: sorted.length > limit && lastKey !== undefined ? encodeCursor(new Date(lastKey[0]), lastKey[1]) : null
    }
  })

export const make = Effect.gen(function* () {
  let state: State = {
    owners: new Map(),
    accounts: new Map(),
    transfers: new Map(),
    entries: [],
    system: new Map(),
    fx: new Map()
  }
  let seq = 0n
  const permit = yield* Semaphore.make(1)

  const createOwner = (owner: Owner) =>
    Effect.sync(() => {
      state.owners.set(owner.id, owner)
      return owner
    })

  const createAccount = (account: Account) =>
    Effect.sync(() => {
      state.accounts.set(account.id, account)
      return account
    })

  const getAccount = (id: AccountId) => Effect.sync(() => Option.fromNullishOr(state.accounts.get(id)))

  const getOwner = (id: OwnerId) => Effect.sync(() => Option.fromNullishOr(state.owners.get(id)))

  const getAccounts = (ids: ReadonlyArray<AccountId>) =>
    Effect.sync(() => {
      const found = new Map<AccountId, Account>()
      for (const id of ids) {
        const account = state.accounts.get(id)
        if (account !== undefined) found.set(id, account)
      }
      return found as ReadonlyMap<AccountId, Account>
    })

  const listAccounts = (query: ListAccounts) =>
    keysetPage(
      [...state.accounts.values()].filter((a) => query.ownerId === null || a.ownerId === query.ownerId),
      (a) => [ms(a.createdAt), a.id],
      query.cursor,
      query.limit
    )

  const transact = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      if (yield* InTransaction) return yield* effect
      return yield* permit.withPermits(1)(
        Effect.gen(function* () {
          const before = copy(state)
          const exit = yield* Effect.exit(Effect.provideService(effect, InTransaction, true))
          if (Exit.isFailure(exit)) state = before
          return yield* exit
        })
      )
    })

  const lockAccounts = (ids: ReadonlyArray<AccountId>) =>
    Effect.sync(() => {
      const found = new Map<AccountId, Account>()
      for (const id of [...new Set(ids)].sort()) {
        const account = state.accounts.get(id)
        if (account !== undefined) found.set(id, account)
      }
      return found as ReadonlyMap<AccountId, Account>
    })

  const lockTransfer = (id: TransferId) => Effect.sync(() => Option.fromNullishOr(state.transfers.get(id)))

  const write = (changes: Changes) =>
    Effect.gen(function* () {
      const taken = changes.inserted.filter((t) => state.transfers.has(t.id)).map((t) => t.id)
      if (taken.length > 0) return yield* new TransferIdTaken({ transferIds: taken })
      for (const account of changes.accounts) {
        const stored = state.accounts.get(account.id)
        if (stored === undefined || stored.version !== account.version - 1) {
          return yield* Effect.die(new Error(`ledger write mismatch on account ${account.id}`))
        }
      }
      for (const t of changes.inserted) state.transfers.set(t.id, { ...t, ownerId: changes.ownerId })
      for (const t of changes.updated) {
        const stored = state.transfers.get(t.id)
        if (stored === undefined) return yield* Effect.die(new Error(`ledger write mismatch on transfer ${t.id}`))
        state.transfers.set(t.id, { ...t, ownerId: stored.ownerId })
      }
      for (const a of changes.accounts) state.accounts.set(a.id, a)
      for (const e of changes.entries) state.entries.push({ ...e, seq: ++seq })
    })

  const strip = ({ ownerId: _, ...t }: Transfer & { readonly ownerId: string | null }): Transfer => t

  const visibleTo = (t: Transfer & { readonly ownerId: string | null }, ownerId: OwnerId | null) =>
    ownerId === null ||
    t.ownerId === ownerId ||
    (t.status !== "failed" &&
      (state.accounts.get(t.debitAccountId)?.ownerId === ownerId ||
        state.accounts.get(t.creditAccountId)?.ownerId === ownerId))

  const getTransfers = (ids: ReadonlyArray<TransferId>, viewer: OwnerId | null) =>
    Effect.sync(() =>
      ids
        .flatMap((id) => Option.toArray(Option.fromNullishOr(state.transfers.get(id))))
        .filter((t) => visibleTo(t, viewer))
        .map(strip)
    )

  const getCreatedTransfers = (ids: ReadonlyArray<TransferId>, creator: OwnerId | null) =>
    Effect.sync(() =>
      ids
        .flatMap((id) => Option.toArray(Option.fromNullishOr(state.transfers.get(id))))
        .filter((t) => creator === null || t.ownerId === creator)
        .map(strip)
    )

  const listTransfers = (query: ListTransfers) =>
    Effect.map(
      keysetPage(
        [...state.transfers.values()].filter(
          (t) =>
            (query.accountId === null ||
              t.debitAccountId === query.accountId ||
              t.creditAccountId === query.accountId) &&
            (query.status === null || t.status === query.status) &&
            visibleTo(t, query.ownerId)
        ),
        (t) => [ms(t.createdAt), t.id],
        query.cursor,
        query.limit
      ),
      (page) => ({ items: page.items.map(strip), nextCursor: page.nextCursor })
    )

  const listEntries = (query: ListEntries) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeSeqCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const matching = state.entries.filter((e) => e.accountId === query.accountId && e.seq > (after ?? 0n))
      const page = matching.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: page.map(({ seq: _, ...e }) => e),
        nextCursor: matching.length > query.limit && last !== undefined ? encodeSeqCursor(last.seq) : null
      }
    })

  const dueHolds = (now: Date, limit: number) =>
    Effect.sync(() =>
      [...state.transfers.values()]
        .filter((t) => t.status === "pending" && t.expiresAt !== null && ms(t.expiresAt) <= now.getTime())
        .sort((a, b) => ms(a.expiresAt!) - ms(b.expiresAt!))
        .slice(0, limit)
        .map((t) => t.id)
    )

  const systemAccount = (kind: SystemAccountKind, currency: CurrencyCode) =>
    Effect.sync(() => Option.fromNullishOr(state.system.get(`${kind}:${currency}`)))

  const fxRoutes = (pairs: ReadonlyArray<readonly [CurrencyCode, CurrencyCode]>) =>
    Effect.sync(() =>
      pairs.map(
        ([base, quote]): FxRoute => ({
          base,
          quote,
          fx: state.fx.get(`${base}:${quote}`) ?? null,
          baseLiquidityId: state.system.get(`fx_liquidity:${base}`) ?? null,
          quoteLiquidityId: state.system.get(`fx_liquidity:${quote}`) ?? null
        })
      )
    )

  const fxQuote = (base: CurrencyCode, quote: CurrencyCode) =>
    Effect.sync(() => Option.fromNullishOr(state.fx.get(`${base}:${quote}`)))

  const listFxQuotes = Effect.sync(() =>
    [...state.fx.values()].sort((a, b) => `${a.base}${a.quote}`.localeCompare(`${b.base}${b.quote}`))
  )

  const saveFxQuotes = (quotes: ReadonlyArray<FxQuote>) =>
    Effect.sync(() => {
      for (const q of quotes) {
        const key = `${q.base}:${q.quote}`
        const stored = state.fx.get(key)
        if (stored === undefined || ms(stored.asOf) <= ms(q.asOf)) state.fx.set(key, q)
      }
    })

  const registerSystemAccount = (kind: SystemAccountKind, currency: CurrencyCode, id: AccountId) =>
    Effect.sync(() => {
      state.system.set(`${kind}:${currency}`, id)
    })

  return LedgerStore.of({
    createOwner,
    createAccount,
    getAccount,
    getOwner,
    getAccounts,
    getCreatedTransfers,
    listAccounts,
    transact,
    lockAccounts,
    lockTransfer,
    write,
    getTransfers,
    listTransfers,
    listEntries,
    dueHolds,
    systemAccount,
    fxRoutes,
    fxQuote,
    saveFxQuotes,
    listFxQuotes,
    registerSystemAccount
  })
})

export const layer = Layer.effect(LedgerStore, make)
