// Transfer use cases: load (locking), decide (pure), persist — inside one store transaction.
import { Context, DateTime, Effect, Option, Schema } from "effect"
import type { Account, AccountId, OwnerId } from "../Account.ts"
import { decideBatch } from "../Batch.ts"
import { decideTransfer, type FxContext, type Limits, type TransferCommand } from "../CreateTransfer.ts"
import { decideExpire, decidePost, decideVoid, type HoldDecision } from "../Hold.ts"
import type { CurrencyCode } from "../Money.ts"
import { type Changes, LedgerStore, type ListEntries, type ListTransfers } from "../ports/LedgerStore.ts"
import { type HoldKind, LedgerTelemetry } from "../ports/LedgerTelemetry.ts"
import type { Transfer, TransferId } from "../Transfer.ts"
import * as Accounts from "./Accounts.ts"

/** Ledger limits (configured by the server from TALLY_* settings). */
export class LedgerLimits extends Context.Reference<Limits & { readonly batchSizeMax: number }>(
  "tally/domain/LedgerLimits",
  { defaultValue: () => ({ fxMaxAgeSeconds: 24 * 3600, timeoutSecondsMax: 30 * 24 * 3600, batchSizeMax: 1000 }) }
) {}

/** A transfer (or hold operation) was refused with a result code; the failed transfer is stored. */
export class TransferRefused extends Schema.TaggedError<TransferRefused>()("TransferRefused", {
  code: Schema.String,
  transferId: Schema.String
}) {}

export class BatchRefused extends Schema.TaggedError<BatchRefused>()("BatchRefused", {
  errors: Schema.Array(Schema.Struct({ index: Schema.Number, code: Schema.String })),
  transferIds: Schema.Array(Schema.String)
}) {}

export class BatchTooLarge extends Schema.TaggedError<BatchTooLarge>()("BatchTooLarge", {
  size: Schema.Number,
  batchSizeMax: Schema.Number
}) {}

/** The id names a stored transfer whose content differs from this request: a reused id, not a retry. */
export class TransferIdReused extends Schema.TaggedError<TransferIdReused>()("TransferIdReused", {
  transferId: Schema.String
}) {}

export class TransferNotFound extends Schema.TaggedError<TransferNotFound>()("TransferNotFound", {
  transferId: Schema.String
}) {}

/**
 * The account if `viewer` may debit it. `viewer` null = admin/system: debits everything. An owner sees another
 * owner's accounts as absent, and never debits a system account (allowNegative: world, FX liquidity), even one
 * it were somehow given a key for.
 */
const visible = (account: Account | undefined, viewer: OwnerId | null) =>
  account !== undefined && (viewer === null || (account.ownerId === viewer && !account.allowNegative))
    ? account
    : undefined

/**
 * The ids among `ids` that `viewer` may lock: every account it may debit, and those in `credited` (payees).
 * Checked on an unlocked read first (an account's owner never changes), so a stranger's request never takes
 * the row locks of accounts it cannot debit.
 */
const lockable = (ids: ReadonlyArray<AccountId>, credited: ReadonlySet<AccountId>, viewer: OwnerId | null) =>
  Effect.gen(function* () {
    if (viewer === null) return ids
    const seen = yield* (yield* LedgerStore).getAccounts(ids)
    return ids.filter((id) => credited.has(id) || visible(seen.get(id), viewer) !== undefined)
  })

/** A stored transfer under a retried id that this caller did not create: reused, and nothing of it is shown. */
const notMine = (id: TransferId) => new TransferIdReused({ transferId: id })

const sameRequest = (stored: Transfer, cmd: TransferCommand) =>
  stored.debitAccountId === cmd.debitAccountId &&
  stored.creditAccountId === cmd.creditAccountId &&
  stored.amountMinor === cmd.amountMinor &&
  stored.pending === cmd.pending &&
  stored.timeoutSeconds === cmd.timeoutSeconds

/** Loads the rate and locks the FX liquidity accounts for every cross-currency pair among `pairs`. */
const loadFx = (pairs: ReadonlyArray<readonly [CurrencyCode, CurrencyCode]>) =>
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

const noChanges = (ownerId: OwnerId | null): Changes => ({
  inserted: [],
  updated: [],
  accounts: [],
  entries: [],
  ownerId
})

/** The first record of each id, in order: a batch repeating an id stores it once. */
const firstPerId = (transfers: ReadonlyArray<Transfer>): ReadonlyArray<Transfer> => {
  const first = new Map<TransferId, Transfer>()
  for (const t of transfers) if (!first.has(t.id)) first.set(t.id, t)
  return [...first.values()]
}

/** Indexes of the commands whose id an earlier command of the batch already has. */
const repeatedIndexes = (cmds: ReadonlyArray<TransferCommand>): ReadonlySet<number> => {
  const seen = new Set<TransferId>()
  const repeated = new Set<number>()
  cmds.forEach((c, i) => {
    if (seen.has(c.id)) repeated.add(i)
    seen.add(c.id)
  })
  return repeated
}

/** A retry of a stored transfer returns the first outcome; a different request under the same id is refused. */
const replay = (stored: Transfer, cmd: TransferCommand): Effect.Effect<Transfer, TransferIdReused | TransferRefused> =>
  !sameRequest(stored, cmd)
    ? Effect.fail(new TransferIdReused({ transferId: stored.id }))
    : stored.status === "failed"
      ? Effect.fail(new TransferRefused({ code: stored.failureCode ?? "failed", transferId: stored.id }))
      : Effect.succeed(stored)

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

export const create = Effect.fn("Transfers.create")(function* (cmd: TransferCommand, viewer: OwnerId | null) {
  const store = yield* LedgerStore
  const outcome = yield* store
    .transact(
      Effect.gen(function* () {
        const mayDebit = (yield* lockable([cmd.debitAccountId], new Set(), viewer)).length > 0
        // a debit the viewer may not make is refused on its first check: lock nothing, not even the payee
        const locked = mayDebit ? yield* store.lockAccounts([cmd.debitAccountId, cmd.creditAccountId]) : new Map()
        // decided once the locks are granted: a decision that waited on a lock is judged when it runs
        const decision = yield* decideLocked(cmd, locked, viewer)
        if (decision._tag === "Applied") {
          yield* store.write({
            ...noChanges(viewer),
            inserted: [decision.transfer],
            accounts: decision.accounts,
            entries: decision.entries
          })
        } else {
          yield* store.write({ ...noChanges(viewer), inserted: [decision.transfer] })
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
  if ("_tag" in outcome) {
    // a fresh decision, committed (a replay of a stored transfer was counted when it was decided)
    yield* (yield* LedgerTelemetry).committed("single", [outcome.transfer])
    if (outcome._tag === "Refused") {
      return yield* new TransferRefused({ code: outcome.code, transferId: outcome.transfer.id })
    }
    return outcome.transfer
  }
  return outcome
})

export const createBatch = Effect.fn("Transfers.createBatch")(function* (
  cmds: ReadonlyArray<TransferCommand>,
  viewer: OwnerId | null
) {
  const store = yield* LedgerStore
  const limits = yield* LedgerLimits
  if (cmds.length === 0 || cmds.length > limits.batchSizeMax) {
    return yield* new BatchTooLarge({ size: cmds.length, batchSizeMax: limits.batchSizeMax })
  }
  const outcome = yield* store
    .transact(
      Effect.gen(function* () {
        const ids = cmds.flatMap((c) => [c.debitAccountId, c.creditAccountId])
        const locked = yield* store.lockAccounts(
          yield* lockable(ids, new Set(cmds.map((c) => c.creditAccountId)), viewer)
        )
        const accounts = new Map<AccountId, Account>()
        for (const [id, account] of locked) {
          // another owner's debit accounts are invisible; credit accounts are payees and stay visible
          const debitedByViewer = cmds.some((c) => c.debitAccountId === id)
          const creditedOnly = !debitedByViewer
          if (creditedOnly || visible(account, viewer) !== undefined) accounts.set(id, account)
        }
        const pairs = cmds.flatMap((c) => {
          const d = accounts.get(c.debitAccountId)
          const k = accounts.get(c.creditAccountId)
          return d !== undefined && k !== undefined ? [[d.currency, k.currency] as const] : []
        })
        const fxFor = yield* loadFx(pairs)
        const now = yield* DateTime.now // after the locks, as for a single transfer
        const decision = decideBatch(cmds, accounts, fxFor, now, limits)
        if (decision._tag === "Applied") {
          yield* store.write({
            ...noChanges(viewer),
            inserted: decision.transfers,
            accounts: decision.accounts,
            entries: decision.entries
          })
        } else {
          // an id repeated in the batch is stored once: the first item's record (the repeats are refused)
          yield* store.write({ ...noChanges(viewer), inserted: firstPerId(decision.transfers) })
        }
        return { ...decision, fresh: true }
      })
    )
    .pipe(
      Effect.catchTag("TransferIdTaken", () =>
        Effect.gen(function* () {
          // a retry of the whole batch returns its first outcome; any other overlap is a reused id
          const stored = new Map(
            (yield* store.getCreatedTransfers(
              cmds.map((c) => c.id),
              viewer
            )).map((t) => [t.id, t])
          )
          const all = cmds.map((c) => stored.get(c.id))
          const repeated = repeatedIndexes(cmds)
          if (all.some((t, i) => !repeated.has(i) && (t === undefined || !sameRequest(t, cmds[i]!)))) {
            // another caller's transfer reads as a reuse of its id, named but not shown
            const reused = cmds.find((c) => stored.has(c.id)) ?? cmds.find((c) => !stored.has(c.id))
            return yield* new TransferIdReused({ transferId: reused?.id ?? cmds[0]!.id })
          }
          const transfers = all as ReadonlyArray<Transfer>
          if (repeated.size > 0 || transfers.some((t) => t.status === "failed")) {
            return {
              _tag: "Refused" as const,
              fresh: false,
              transfers,
              errors: transfers.flatMap((t, index) =>
                repeated.has(index)
                  ? [{ index, code: "duplicate_transfer_id" }]
                  : t.failureCode !== null && t.failureCode !== "linked_transfer_failed"
                    ? [{ index, code: t.failureCode }]
                    : []
              )
            }
          }
          return { _tag: "Applied" as const, transfers, accounts: [], entries: [], fresh: false }
        })
      )
    )
  if (outcome.fresh) yield* (yield* LedgerTelemetry).committed("batch", outcome.transfers)
  if (outcome._tag === "Refused") {
    return yield* new BatchRefused({ errors: outcome.errors, transferIds: outcome.transfers.map((t) => t.id) })
  }
  return outcome.transfers
})

export type HoldAction =
  | { readonly _tag: "post"; readonly amountMinor: bigint | undefined }
  | { readonly _tag: "void" }
  | { readonly _tag: "expire" }

/** What a hold that this very call already settled looks like (its first attempt's COMMIT got no answer). */
const settledBy = (action: HoldAction, transfer: Transfer): boolean =>
  action._tag === "post"
    ? transfer.status === "posted" &&
      (action.amountMinor === undefined || transfer.postedAmountMinor === action.amountMinor)
    : transfer.status === (action._tag === "void" ? "voided" : "expired")

const KINDS: Record<HoldAction["_tag"], HoldKind> = { post: "hold_post", void: "hold_void", expire: "hold_expire" }

/**
 * Decides the action on a hold once it (then its accounts) is locked; writes nothing. Shared by the ledger's own
 * post/void/expire and by reservations, which write the decision together with their seats. Only the payer's
 * owner (or the admin) acts on a hold: checked before any lock is taken, so a stranger locks nothing.
 */
export const decideHoldLocked = (id: TransferId, action: HoldAction, viewer: OwnerId | null) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const decide = (transfer: Transfer | undefined, accounts: Iterable<Account>, now: DateTime.Utc): HoldDecision =>
      action._tag === "post"
        ? decidePost(transfer, accounts, action.amountMinor, now)
        : action._tag === "void"
          ? decideVoid(transfer, accounts, now)
          : decideExpire(transfer, accounts, now)
    if (viewer !== null) {
      const [seen] = yield* store.getTransfers([id], viewer)
      const payer = seen === undefined ? [] : yield* lockable([seen.debitAccountId], new Set(), viewer)
      if (payer.length === 0) return { transfer: undefined, decision: decide(undefined, [], yield* DateTime.now) }
    }
    const found = Option.getOrUndefined(yield* store.lockTransfer(id))
    const ids = found === undefined ? [] : [found.debitAccountId, found.creditAccountId]
    if (found?.fx) ids.push(found.fx.debitLiquidityAccountId, found.fx.creditLiquidityAccountId)
    const accounts = yield* store.lockAccounts(ids)
    // read once the locks are held: a post that waited past expiresAt is refused as expired
    const now = yield* DateTime.now
    const transfer =
      found !== undefined && visible(accounts.get(found.debitAccountId), viewer) !== undefined ? found : undefined
    return { transfer, decision: decide(transfer, accounts.values(), now) }
  })

/**
 * `resumed`: this call retries one whose outcome is unknown (an idempotency claim taken over after its holder
 * was lost): a hold found settled exactly as asked is that first attempt's work and answered as done.
 */
const settleHold = (id: TransferId, action: HoldAction, viewer: OwnerId | null, resumed = false) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const telemetry = yield* LedgerTelemetry
    const kind = KINDS[action._tag]
    let attempt = 0
    const settled = yield* store
      .transact(
        Effect.gen(function* () {
          attempt++
          const { transfer, decision } = yield* decideHoldLocked(id, action, viewer)
          if (decision._tag === "Refused") {
            // a retry after a connection lost around COMMIT may find the hold settled by its own first attempt
            if ((attempt > 1 || resumed) && transfer !== undefined && settledBy(action, transfer)) return transfer
            return yield* new TransferRefused({ code: decision.code, transferId: id })
          }
          yield* store
            .write({
              ...noChanges(viewer),
              updated: [decision.transfer],
              accounts: decision.accounts,
              entries: decision.entries
            })
            .pipe(Effect.catchTag("TransferIdTaken", Effect.die)) // inserts nothing: cannot happen
          return decision.transfer
        })
      )
      .pipe(Effect.tapError((e) => (e._tag === "TransferRefused" ? telemetry.holdRefused(kind, e.code) : Effect.void)))
    yield* telemetry.committed(kind, [settled])
    return settled
  })

export const post = Effect.fn("Transfers.post")(function* (
  id: TransferId,
  amountMinor: bigint | undefined,
  viewer: OwnerId | null,
  resumed = false
) {
  return yield* settleHold(id, { _tag: "post", amountMinor }, viewer, resumed)
})

export const voidHold = Effect.fn("Transfers.void")(function* (
  id: TransferId,
  viewer: OwnerId | null,
  resumed = false
) {
  return yield* settleHold(id, { _tag: "void" }, viewer, resumed)
})

/** Expires every hold due at `now`, each in its own transaction; returns how many expired. */
export const expireDue = Effect.fn("Transfers.expireDue")(function* (limit: number) {
  const store = yield* LedgerStore
  const now = yield* DateTime.now
  const due = yield* store.dueHolds(DateTime.toDateUtc(now), limit)
  let expired = 0
  for (const id of due) {
    // a hold posted or voided since it was listed is refused: skip it; a store failure is the caller's to see
    const settled = yield* settleHold(id, { _tag: "expire" }, null).pipe(
      Effect.as(true),
      Effect.catchTag("TransferRefused", () => Effect.succeed(false))
    )
    if (settled) expired++
  }
  return expired
})

export const get = Effect.fn("Transfers.get")(function* (id: TransferId, viewer: OwnerId | null) {
  const store = yield* LedgerStore
  const [transfer] = yield* store.getTransfers([id], viewer)
  if (transfer === undefined) return yield* new TransferNotFound({ transferId: id })
  return transfer
})

/** Transfers `viewer` may see (it created them or owns one side), filtered, a page at a time. */
export const list = Effect.fn("Transfers.list")(function* (
  query: Omit<ListTransfers, "ownerId">,
  viewer: OwnerId | null
) {
  return yield* (yield* LedgerStore).listTransfers({ ...query, ownerId: viewer })
})

/** The journal of one account, in write order; another owner's account reads as not found. */
export const entries = Effect.fn("Transfers.entries")(function* (query: ListEntries, viewer: OwnerId | null) {
  const store = yield* LedgerStore
  yield* Accounts.get(query.accountId, viewer)
  return yield* store.listEntries(query)
})
