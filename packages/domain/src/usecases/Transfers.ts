// Transfer use cases: load (locking), decide (pure), persist — inside one store transaction.
import { DateTime, Effect, Option, Schema } from "effect"
import type { Account, AccountId, OwnerId } from "../Account.ts"
import { decideBatch } from "../Batch.ts"
import type { TransferCommand } from "../CreateTransfer.ts"
import { decideExpire, decidePost, decideVoid, type HoldDecision } from "../Hold.ts"
import { LedgerStore, type ListEntries, type ListTransfers } from "../ports/LedgerStore.ts"
import { type HoldKind, LedgerTelemetry } from "../ports/LedgerTelemetry.ts"
import type { Transfer, TransferId } from "../Transfer.ts"
import * as Accounts from "./Accounts.ts"
import * as TransferGroups from "./TransferGroups.ts"
import { GroupCommit } from "./TransferGroups.ts"
import {
  askedBy,
  createOne,
  LedgerLimits,
  loadFx,
  lockable,
  noChanges,
  sameRequest,
  TransferIdReused,
  TransferRefused,
  visible
} from "./TransferSteps.ts"

export { GroupCommit, type GroupCommitSettings } from "./TransferGroups.ts"
export {
  decideLocked,
  LedgerLimits,
  type LedgerLimitsShape,
  TransferIdReused,
  TransferRefused
} from "./TransferSteps.ts"

export class BatchRefused extends Schema.TaggedError<BatchRefused>()("BatchRefused", {
  errors: Schema.Array(Schema.Struct({ index: Schema.Number, code: Schema.String })),
  transferIds: Schema.Array(Schema.String)
}) {}

export class BatchTooLarge extends Schema.TaggedError<BatchTooLarge>()("BatchTooLarge", {
  size: Schema.Number,
  batchSizeMax: Schema.Number
}) {}

export class TransferNotFound extends Schema.TaggedError<TransferNotFound>()("TransferNotFound", {
  transferId: Schema.String
}) {}

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

export const create = Effect.fn("Transfers.create")(function* (cmd: TransferCommand, viewer: OwnerId | null) {
  const groupCommit = yield* GroupCommit
  const outcome = groupCommit.enabled
    ? yield* TransferGroups.submit(cmd, viewer, groupCommit)
    : yield* createOne(cmd, viewer)
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
            ...noChanges,
            inserted: askedBy(viewer, decision.transfers),
            accounts: decision.accounts,
            entries: decision.entries
          })
        } else {
          // an id repeated in the batch is stored once: the first item's record (the repeats are refused)
          yield* store.write({ ...noChanges, inserted: askedBy(viewer, firstPerId(decision.transfers)) })
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
              ...noChanges,
              updated: askedBy(viewer, [decision.transfer]),
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
