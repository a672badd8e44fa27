// The steps a single transfer goes through (lock, decide, write, answer a retry), shared by the one-by-one
// path (Transfers.create with group commit off) and the group commit (TransferGroups.ts).
import { Context, DateTime, Effect, Schema } from "effect"
import type { Account, AccountId, OwnerId } from "../Account.ts"
import { decideTransfer, type FxContext, type Limits, type TransferCommand } from "../CreateTransfer.ts"
import { visible } from "../Group.ts"
import type { CurrencyCode } from "../Money.ts"
import { type AskedTransfer, type Changes, LedgerStore } from "../ports/LedgerStore.ts"
import type { Transfer, TransferId } from "../Transfer.ts"

/** Ledger limits (configured by the server from TALLY_* settings). */
export type LedgerLimitsShape = Limits & { readonly batchSizeMax: number }

export class LedgerLimits extends Context.Reference<LedgerLimitsShape>("tally/domain/LedgerLimits", {
  defaultValue: () => ({ fxMaxAgeSeconds: 24 * 3600, timeoutSecondsMax: 30 * 24 * 3600, batchSizeMax: 1000 })
}) {}

/** A transfer (or hold operation) was refused with a result code; the failed transfer is stored. */
export class TransferRefused extends Schema.TaggedError<TransferRefused>()("TransferRefused", {
  code: Schema.String,
  transferId: Schema.String
}) {}

/** The id names a stored transfer whose content differs from this request: a reused id, not a retry. */
export class TransferIdReused extends Schema.TaggedError<TransferIdReused>()("TransferIdReused", {
  transferId: Schema.String
}) {}

export { visible }

/**
 * The ids among `ids` that `viewer` may lock: every account it may debit, and those in `credited` (payees).
 * Checked on an unlocked read first (an account's owner never changes), so a stranger's request never takes
 * the row locks of accounts it cannot debit.
 */
export const lockable = (ids: ReadonlyArray<AccountId>, credited: ReadonlySet<AccountId>, viewer: OwnerId | null) =>
  Effect.gen(function* () {
    if (viewer === null) return ids
    const seen = yield* (yield* LedgerStore).getAccounts(ids)
    return ids.filter((id) => credited.has(id) || visible(seen.get(id), viewer) !== undefined)
  })

/** A stored transfer under a retried id that this caller did not create: reused, and nothing of it is shown. */
export const notMine = (id: TransferId) => new TransferIdReused({ transferId: id })

export const sameRequest = (stored: Transfer, cmd: TransferCommand) =>
  stored.debitAccountId === cmd.debitAccountId &&
  stored.creditAccountId === cmd.creditAccountId &&
  stored.amountMinor === cmd.amountMinor &&
  stored.pending === cmd.pending &&
  stored.timeoutSeconds === cmd.timeoutSeconds

/** A retry of a stored transfer returns the first outcome; a different request under the same id is refused. */
export const replay = (
  stored: Transfer,
  cmd: TransferCommand
): Effect.Effect<Transfer, TransferIdReused | TransferRefused> =>
  !sameRequest(stored, cmd)
    ? Effect.fail(new TransferIdReused({ transferId: stored.id }))
    : stored.status === "failed"
      ? Effect.fail(new TransferRefused({ code: stored.failureCode ?? "failed", transferId: stored.id }))
      : Effect.succeed(stored)

export const noChanges: Changes = { inserted: [], updated: [], accounts: [], entries: [] }

/** The transfers as asked for by `ownerId` (null: the admin or the system), for a write. */
export const askedBy = (ownerId: OwnerId | null, transfers: ReadonlyArray<Transfer>): ReadonlyArray<AskedTransfer> =>
  transfers.map((transfer) => ({ transfer, ownerId }))

/** Loads the rate and locks the FX liquidity accounts for every cross-currency pair among `pairs`. */
export const loadFx = (pairs: ReadonlyArray<readonly [CurrencyCode, CurrencyCode]>) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const distinct = [...new Map(pairs.filter(([a, b]) => a !== b).map((p) => [`${p[0]}:${p[1]}`, p])).values()]
    if (distinct.length === 0) return () => undefined
    const routes = yield* store.fxRoutes(distinct)
    const quotes = new Map(routes.map((r) => [`${r.base}:${r.quote}`, r.fx]))
    const liquidityIds = new Map<CurrencyCode, AccountId>()
    for (const r of routes) {
      if (r.baseLiquidityId !== null) liquidityIds.set(r.base, r.baseLiquidityId)
      if (r.quoteLiquidityId !== null) liquidityIds.set(r.quote, r.quoteLiquidityId)
    }
    // A second lock round: liquidity accounts after the parties. Deadlock-free orders are not guaranteed
    // across the two rounds, so a rare deadlock is retried by `transact` (docs/adr/0004).
    const liquidity = yield* store.lockAccounts([...liquidityIds.values()])
    return (debitCurrency: CurrencyCode, creditCurrency: CurrencyCode): FxContext | undefined => {
      const quote = quotes.get(`${debitCurrency}:${creditCurrency}`) ?? undefined
      const debitLiquidity = liquidity.get(liquidityIds.get(debitCurrency)!)
      const creditLiquidity = liquidity.get(liquidityIds.get(creditCurrency)!)
      return quote === undefined || debitLiquidity === undefined || creditLiquidity === undefined
        ? undefined
        : { quote, debitLiquidity, creditLiquidity }
    }
  })

/**
 * Decides a transfer whose parties `locked` holds (locked by the caller, in this transaction), loading and
 * locking the FX route when the currencies differ. Writes nothing: the caller writes the decision, e.g. the
 * reservation of seats writes it together with the seats (usecases/Reservations.ts).
 */
export const decideLocked = (cmd: TransferCommand, locked: ReadonlyMap<AccountId, Account>, viewer: OwnerId | null) =>
  Effect.gen(function* () {
    const limits = yield* LedgerLimits
    const now = yield* DateTime.now
    const debit = visible(locked.get(cmd.debitAccountId), viewer)
    const credit = locked.get(cmd.creditAccountId)
    const fxFor =
      debit !== undefined && credit !== undefined && debit.currency !== credit.currency
        ? yield* loadFx([[debit.currency, credit.currency]])
        : () => undefined
    const fx = debit !== undefined && credit !== undefined ? fxFor(debit.currency, credit.currency) : undefined
    return decideTransfer(cmd, { debit, credit, fx, now, limits })
  })

/**
 * One transfer in its own transaction (today's path, and the group commit's fallback): a fresh decision, or
 * the stored transfer when the id is taken (a retry), answered as the first outcome.
 */
export const createOne = (cmd: TransferCommand, viewer: OwnerId | null) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    return yield* store
      .transact(
        Effect.gen(function* () {
          const mayDebit = (yield* lockable([cmd.debitAccountId], new Set(), viewer)).length > 0
          // a debit the viewer may not make is refused on its first check: lock nothing, not even the payee
          const locked = mayDebit ? yield* store.lockAccounts([cmd.debitAccountId, cmd.creditAccountId]) : new Map()
          // decided once the locks are granted: a decision that waited on a lock is judged when it runs
          const decision = yield* decideLocked(cmd, locked, viewer)
          if (decision._tag === "Applied") {
            yield* store.write({
              ...noChanges,
              inserted: askedBy(viewer, [decision.transfer]),
              accounts: decision.accounts,
              entries: decision.entries
            })
          } else {
            yield* store.write({ ...noChanges, inserted: askedBy(viewer, [decision.transfer]) })
          }
          // a refusal is committed too (the failed transfer is stored), then reported
          return decision
        })
      )
      .pipe(
        Effect.catchTag("TransferIdTaken", () =>
          Effect.flatMap(store.getCreatedTransfers([cmd.id], viewer), ([stored]) =>
            stored === undefined ? Effect.fail(notMine(cmd.id)) : replay(stored, cmd)
          )
        )
      )
  })
