// The in-memory twin of the PostgreSQL store: same contract (test/contract), no database. Transactions
// are serialized by one permit and roll back by restoring a snapshot, so "locks" are implicit.

import type { Account, AccountId, OwnerId } from "@tally/domain/Account"
import type { Entry } from "@tally/domain/Entry"
import type { FxQuote } from "@tally/domain/Fx"
import { accountCreated, ledgerEvents } from "@tally/domain/LedgerEvents"
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
import {
  decodeCursor,
  decodeSeqCursor,
  decodeTailCursor,
  encodeCursor,
  encodeSeqCursor,
  encodeTailCursor
} from "../postgres/Rows.ts"
import { MemoryOutbox } from "./MemoryOutbox.ts"

const InTransaction = Context.Reference<boolean>("tally/adapters/MemoryLedgerStore/InTransaction", {
  defaultValue: () => false
})

type Stored = Transfer & { readonly ownerId: string | null; readonly seq: bigint }

interface State {
  owners: Map<string, Owner>
  accounts: Map<AccountId, Account>
  /** `seq`: insertion order, which is commit order here (one transaction at a time). */
  transfers: Map<TransferId, Stored>
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
  const outbox = yield* MemoryOutbox

  const createOwner = (owner: Owner) =>
    Effect.sync(() => {
      state.owners.set(owner.id, owner)
      return owner
    })

  const createAccount = (account: Account) =>
    Effect.sync(() => {
      state.accounts.set(account.id, account)
      return account
    }).pipe(Effect.tap(() => outbox.append([accountCreated(account)])))

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
          const restoreOutbox = outbox.snapshot()
          const exit = yield* Effect.exit(Effect.provideService(effect, InTransaction, true))
          if (Exit.isFailure(exit)) {
            state = before
            restoreOutbox()
          }
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
      // like the primary key: an id already stored, or repeated within the write, is taken
      const ids = changes.inserted.map(({ transfer }) => transfer.id)
      const taken = ids.filter((id, i) => state.transfers.has(id) || ids.indexOf(id) !== i)
      if (taken.length > 0) return yield* new TransferIdTaken({ transferIds: taken })
      for (const account of changes.accounts) {
        const stored = state.accounts.get(account.id)
        if (stored === undefined || stored.version !== account.version - 1) {
          return yield* Effect.die(new Error(`ledger write mismatch on account ${account.id}`))
        }
      }
      for (const { transfer: t, ownerId } of changes.inserted) state.transfers.set(t.id, { ...t, ownerId, seq: ++seq })
      for (const { transfer: t } of changes.updated) {
        const stored = state.transfers.get(t.id)
        if (stored === undefined) return yield* Effect.die(new Error(`ledger write mismatch on transfer ${t.id}`))
        state.transfers.set(t.id, { ...t, ownerId: stored.ownerId, seq: stored.seq })
      }
      for (const a of changes.accounts) state.accounts.set(a.id, a)
      for (const e of changes.entries) state.entries.push({ ...e, seq: ++seq })
      yield* outbox.append(ledgerEvents(changes))
    })

  const strip = ({ ownerId: _, seq: __, ...t }: Stored): Transfer => t

  const visibleTo = (t: Stored, ownerId: OwnerId | null) =>
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
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeTailCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const matching = [...state.transfers.values()]
        .filter(
          (t) =>
            (query.accountId === null ||
              t.debitAccountId === query.accountId ||
              t.creditAccountId === query.accountId) &&
            (query.status === null || t.status === query.status) &&
            visibleTo(t, query.ownerId) &&
            (after === undefined || t.seq > after.position || (t.seq === after.position && t.id > after.id))
        )
        .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
      const page = matching.slice(0, query.limit)
      const last = page.at(-1)
      const lastCursor = last === undefined ? null : encodeTailCursor(last.seq, last.id)
      return {
        items: page.map(strip),
        nextCursor: matching.length > query.limit ? lastCursor : null,
        tailCursor: lastCursor ?? query.cursor
      }
    })

  const listEntries = (query: ListEntries) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeSeqCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const matching = state.entries.filter((e) => e.accountId === query.accountId && e.seq > (after ?? 0n))
      const page = matching.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: page.map(({ seq: _, ...e }) => e),
        nextCursor: matching.length > query.limit && last !== undefined ? encodeSeqCursor(last.seq) : null,
        tailCursor: last !== undefined ? encodeSeqCursor(last.seq) : query.cursor
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

/** Provides the ledger and the shared MemoryOutbox (the job, user and webhook twins build on it). */
export const layer = Layer.effect(LedgerStore, make).pipe(Layer.provideMerge(MemoryOutbox.layer))
