// Group commit (docs/adr/0024): concurrent single transfers of one owner, coalesced by effect's RequestResolver
// into one transaction: one lock of the union of their accounts (id order), the decisions one after another in
// arrival order, one write, one COMMIT. Each transfer keeps its own outcome.
import { Context, DateTime, Effect, Exit, Request, RequestResolver } from "effect"
import type { OwnerId } from "../Account.ts"
import type { TransferCommand, TransferDecision } from "../CreateTransfer.ts"
import { decideGroup, type GroupMember } from "../Group.ts"
import type { CurrencyCode } from "../Money.ts"
import { LedgerStore } from "../ports/LedgerStore.ts"
import { LedgerTelemetry } from "../ports/LedgerTelemetry.ts"
import type { StoreUnavailable } from "../ports/StoreError.ts"
import type { Transfer, TransferId } from "../Transfer.ts"
import {
  createOne,
  LedgerLimits,
  type LedgerLimitsShape,
  loadFx,
  lockable,
  noChanges,
  notMine,
  replay,
  type TransferIdReused,
  type TransferRefused
} from "./TransferSteps.ts"

export interface GroupCommitSettings {
  /** TALLY_GROUP_COMMIT_ENABLED: off = every transfer in its own transaction. */
  readonly enabled: boolean
  /** TALLY_GROUP_COMMIT_WINDOW_MS: how long the first transfer of a group waits for others (0 = one tick). */
  readonly windowMillis: number
  /** TALLY_GROUP_COMMIT_SIZE_MAX: transfers per group at most; a full group runs at once. */
  readonly sizeMax: number
  /**
   * TALLY_GROUP_COMMIT_IN_FLIGHT_MAX: groups of one owner in flight at once on this instance (0: no limit); the
   * next keeps collecting until one ends.
   */
  readonly inFlightMax: number
}

export class GroupCommit extends Context.Reference<GroupCommitSettings>("tally/domain/GroupCommit", {
  defaultValue: () => ({ enabled: true, windowMillis: 1, sizeMax: 100, inFlightMax: 2 })
}) {}

/** A fresh decision (committed), or the stored transfer a retry is answered with. */
export type Outcome = TransferDecision | Transfer

export type GroupError = StoreUnavailable | TransferIdReused | TransferRefused

interface Member extends GroupMember {
  readonly limits: LedgerLimitsShape
}

class CreateTransfer extends Request.Class<{ readonly member: Member }, Outcome, GroupError, LedgerStore> {}

type Exits = ReadonlyArray<Exit.Exit<Outcome, GroupError>>

/** A member alone, in its own transaction (with its own limits): today's path. */
const one = (member: Member) =>
  createOne(member.cmd, member.viewer).pipe(Effect.provideService(LedgerLimits, member.limits), Effect.exit)

const groupTransaction = (members: ReadonlyArray<Member>) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    // one owner per group: a member whose debit it may not make locks nothing (refused as for a single transfer)
    const mayDebit = new Set(
      yield* lockable(
        members.map((m) => m.cmd.debitAccountId),
        new Set(),
        members[0]!.viewer
      )
    )
    const locked = yield* store.lockAccounts(
      members.flatMap((m) => (mayDebit.has(m.cmd.debitAccountId) ? [m.cmd.debitAccountId, m.cmd.creditAccountId] : []))
    )
    const pairs = members.flatMap((m): ReadonlyArray<readonly [CurrencyCode, CurrencyCode]> => {
      const d = locked.get(m.cmd.debitAccountId)
      const k = locked.get(m.cmd.creditAccountId)
      return d !== undefined && k !== undefined && d.currency !== k.currency ? [[d.currency, k.currency]] : []
    })
    const fxFor = yield* loadFx(pairs)
    const now = yield* DateTime.now // after the locks, as for a single transfer
    const group = decideGroup(members, locked, fxFor, now)
    yield* store.write({
      ...noChanges(members[0]!.viewer),
      inserted: group.transfers,
      accounts: group.accounts,
      entries: group.entries
    })
    return group.results
  })

/** Each member's outcome from the group's results: a repeat of an id is answered as a retry of the first. */
const outcomes = (members: ReadonlyArray<Member>, results: ReturnType<typeof decideGroup>["results"]) =>
  Effect.forEach(results, (result, i): Effect.Effect<Exit.Exit<Outcome, GroupError>> => {
    if (result._tag === "Decided") return Effect.succeed(Exit.succeed(result.decision))
    const first = results[result.of]!
    return first._tag === "Decided"
      ? Effect.exit(replay(first.decision.transfer, members[i]!.cmd))
      : Effect.die(new Error("a repeat of a repeat"))
  })

const runGroup = (members: ReadonlyArray<Member>): Effect.Effect<Exits, never, LedgerStore> =>
  Effect.gen(function* () {
    if (members.length === 1) return [yield* one(members[0]!)]
    const store = yield* LedgerStore
    // a retryable failure (serialization, deadlock, lost connection) re-runs the whole group inside `transact`
    const attempt = yield* store.transact(groupTransaction(members)).pipe(
      Effect.map((results) => ({ _tag: "Written" as const, results })),
      Effect.catchTag("TransferIdTaken", (e) => Effect.succeed({ _tag: "Taken" as const, ids: e.transferIds })),
      Effect.exit
    )
    if (Exit.isSuccess(attempt) && attempt.value._tag === "Written") {
      return yield* outcomes(members, attempt.value.results)
    }
    if (Exit.isSuccess(attempt) && attempt.value._tag === "Taken") {
      // some ids are stored (retries of earlier requests): rolled back; they are answered from the stored
      // transfers and the others run again as a group
      // (only to their creator: another owner's transfer under a taken id is a reuse, nothing of it shown)
      const viewer = members[0]!.viewer
      const takenIds = attempt.value.ids as ReadonlyArray<TransferId>
      const stored = yield* Effect.gen(function* () {
        const existing = yield* store.getTransfers(takenIds, null)
        const mine =
          viewer === null
            ? existing
            : yield* store.getCreatedTransfers(
                existing.map((t) => t.id),
                viewer
              )
        return { existing: new Set<string>(existing.map((t) => t.id)), mine: new Map(mine.map((t) => [t.id, t])) }
      }).pipe(Effect.exit)
      if (Exit.isSuccess(stored) && stored.value.existing.size > 0) {
        const { existing, mine } = stored.value
        const rest = members.filter((m) => !existing.has(m.cmd.id))
        const restExits: Array<Exit.Exit<Outcome, GroupError>> = rest.length === 0 ? [] : [...(yield* runGroup(rest))]
        return yield* Effect.forEach(members, (m): Effect.Effect<Exit.Exit<Outcome, GroupError>> => {
          if (!existing.has(m.cmd.id)) return Effect.succeed(restExits.shift()!)
          const found = mine.get(m.cmd.id)
          return found !== undefined ? Effect.exit(replay(found, m.cmd)) : Effect.succeed(Exit.fail(notMine(m.cmd.id)))
        })
      }
    }
    // any other failure: each member alone, so that one member's failure does not fail the others
    return yield* Effect.forEach(members, one, { concurrency: "unbounded" })
  })

/** A real-time wait, whatever clock the caller's fiber has (a test's TestClock does not hold a group back). */
const wait = (millis: number) =>
  Effect.callback<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })

/**
 * Groups in flight for one key, at most `max` (0: no limit): a group that would exceed it keeps collecting
 * until one in flight ends, so under load a transaction carries what arrived during the one before it.
 */
const inFlight = (max: number) => {
  let running = 0
  const waiting: Array<() => void> = []
  const free = Effect.callback<void>((resume) => {
    if (max <= 0 || running < max) return resume(Effect.void)
    const wake = () => resume(Effect.void)
    waiting.push(wake)
    return Effect.sync(() => {
      const at = waiting.indexOf(wake)
      if (at >= 0) waiting.splice(at, 1)
    })
  })
  const guard = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        running++
      }),
      () => effect,
      () =>
        Effect.sync(() => {
          running--
          waiting.shift()?.()
        })
    )
  return { free, guard }
}

/** One resolver per store (tests run several), owner (the write stores one owner) and settings. */
const makeResolver = (settings: GroupCommitSettings) => {
  const slots = inFlight(settings.inFlightMax)
  return RequestResolver.makeWith<CreateTransfer>({
    batchKey: () => settings,
    delay: Effect.andThen(settings.windowMillis > 0 ? wait(settings.windowMillis) : Effect.yieldNow, slots.free),
    collectWhile: (entries) => entries.size < Math.max(1, settings.sizeMax),
    runAll: (entries) =>
      slots
        .guard(
          Effect.gen(function* () {
            const exits = yield* runGroup(entries.map((e) => e.request.member))
            const grouped = (yield* LedgerTelemetry).grouped
            if (grouped !== undefined) yield* grouped(entries.length)
            entries.forEach((entry, i) => {
              entry.completeUnsafe(exits[i]!)
            })
          })
        )
        .pipe(Effect.provideContext(entries[0]!.context))
  })
}

/**
 * Resolvers kept per store, least recently used first out: one per owner (and settings), so without a bound a
 * service with many paying users would keep one for every owner it ever saw. An evicted owner's next transfer
 * gets a fresh resolver; requests already waiting on the old one complete there.
 */
export const resolversPerStoreMax = 1024

const resolvers = new WeakMap<object, Map<string, RequestResolver.RequestResolver<CreateTransfer>>>()
const resolverFor = (store: object, viewer: OwnerId | null, settings: GroupCommitSettings) => {
  const byKey = resolvers.get(store) ?? new Map<string, RequestResolver.RequestResolver<CreateTransfer>>()
  resolvers.set(store, byKey)
  const key = `${viewer ?? ""}|${settings.windowMillis}|${settings.sizeMax}|${settings.inFlightMax}`
  const resolver = byKey.get(key) ?? makeResolver(settings)
  // re-inserted: a Map iterates in insertion order, so its first key is the least recently used
  byKey.delete(key)
  byKey.set(key, resolver)
  if (byKey.size > resolversPerStoreMax) byKey.delete(byKey.keys().next().value!)
  return resolver
}

/** Decides and commits `cmd` with the other transfers of its owner that arrive within the window. */
export const submit = (cmd: TransferCommand, viewer: OwnerId | null, settings: GroupCommitSettings) =>
  Effect.gen(function* () {
    const limits = yield* LedgerLimits
    const store = yield* LedgerStore
    return yield* Effect.request(
      new CreateTransfer({ member: { cmd, viewer, limits } }),
      resolverFor(store, viewer, settings)
    )
  })
