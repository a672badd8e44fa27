// Group commit (docs/adr/0024): concurrent single transfers of any owners, coalesced by effect's RequestResolver
// into one transaction: one lock of the union of their accounts (id order), the decisions one after another in
// arrival order (each with its own owner's rights), one write, one COMMIT. Each transfer keeps its own outcome.
import { Context, DateTime, Effect, Exit, Request, RequestResolver, Semaphore } from "effect"
import type { Account, AccountId, OwnerId } from "../Account.ts"
import type { TransferCommand, TransferDecision } from "../CreateTransfer.ts"
import { decideGroup, type GroupMember, visible } from "../Group.ts"
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
  /** TALLY_GROUP_COMMIT_SIZE_MAX: transfers per group at most; a full group stops collecting (and waits for a slot). */
  readonly sizeMax: number
  /**
   * TALLY_GROUP_COMMIT_IN_FLIGHT_MAX: groups in flight at once on this instance, all owners together (0: no
   * limit); the next keeps collecting until one ends.
   */
  readonly inFlightMax: number
}

export class GroupCommit extends Context.Reference<GroupCommitSettings>("tally/domain/GroupCommit", {
  defaultValue: () => ({ enabled: true, windowMillis: 0, sizeMax: 100, inFlightMax: 2 })
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

/**
 * Which members may take their locks: their debit account is one they may debit (their own, or any for the
 * admin). One unlocked read for the whole group (an account's owner never changes), so a member debiting another
 * owner's account locks nothing of its own, exactly as alone.
 */
const mayDebit = (members: ReadonlyArray<Member>) =>
  Effect.gen(function* () {
    const asked = members.flatMap((m) => (m.viewer === null ? [] : [m.cmd.debitAccountId]))
    const seen = asked.length === 0 ? new Map<AccountId, Account>() : yield* (yield* LedgerStore).getAccounts(asked)
    return members.map((m) => m.viewer === null || visible(seen.get(m.cmd.debitAccountId), m.viewer) !== undefined)
  })

const groupTransaction = (members: ReadonlyArray<Member>) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const allowed = yield* mayDebit(members)
    const locked = yield* store.lockAccounts(
      members.flatMap((m, i) => (allowed[i] ? [m.cmd.debitAccountId, m.cmd.creditAccountId] : []))
    )
    // a refused member's accounts may be locked for another member: its pair (and FX route) is not loaded for it
    const pairs = members.flatMap((m, i): ReadonlyArray<readonly [CurrencyCode, CurrencyCode]> => {
      const d = locked.get(m.cmd.debitAccountId)
      const k = locked.get(m.cmd.creditAccountId)
      return allowed[i] && d !== undefined && k !== undefined && d.currency !== k.currency
        ? [[d.currency, k.currency]]
        : []
    })
    const fxFor = yield* loadFx(pairs)
    const now = yield* DateTime.now // after the locks, as for a single transfer
    const group = decideGroup(members, locked, fxFor, now)
    // each transfer stored as its own member's (creator, events' owner); a repeat of an id is not stored
    yield* store.write({ ...noChanges, inserted: group.transfers, accounts: group.accounts, entries: group.entries })
    return group.results
  })

/**
 * Each member's outcome from the group's results. A repeat of an id is answered as a retry of the first, as alone
 * after it: replayed to the same owner or the admin, a reused id (nothing of it shown) to any other owner.
 */
const outcomes = (members: ReadonlyArray<Member>, results: ReturnType<typeof decideGroup>["results"]) =>
  Effect.forEach(results, (result, i): Effect.Effect<Exit.Exit<Outcome, GroupError>> => {
    if (result._tag === "Decided") return Effect.succeed(Exit.succeed(result.decision))
    const first = results[result.of]!
    if (first._tag !== "Decided") return Effect.die(new Error("a repeat of a repeat"))
    const member = members[i]!
    return member.viewer === null || member.viewer === members[result.of]!.viewer
      ? Effect.exit(replay(first.decision.transfer, member.cmd))
      : Effect.succeed(Exit.fail(notMine(member.cmd.id)))
  })

/**
 * The stored transfers under `ids`, and for each of the members' owners the ids among them it created (what it
 * may replay): after a rollback, so only what other transactions committed.
 */
const storedFor = (members: ReadonlyArray<Member>, ids: ReadonlyArray<TransferId>) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const existing = new Map((yield* store.getCreatedTransfers(ids, null)).map((t) => [t.id, t]))
    const askers = new Map<OwnerId, Array<TransferId>>()
    for (const m of members) {
      if (m.viewer !== null && existing.has(m.cmd.id)) askers.set(m.viewer, [...(askers.get(m.viewer) ?? []), m.cmd.id])
    }
    const created = new Map<OwnerId, ReadonlySet<string>>()
    for (const [owner, theirs] of askers) {
      created.set(owner, new Set((yield* store.getCreatedTransfers(theirs, owner)).map((t) => t.id)))
    }
    const mine = (m: Member): Transfer | undefined => {
      const found = existing.get(m.cmd.id)
      return found !== undefined && (m.viewer === null || created.get(m.viewer)?.has(found.id)) ? found : undefined
    }
    return { existing, mine }
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
      // transfers and the others run again as a group (a stored transfer is replayed only to its creator or the
      // admin: to another owner its id is a reuse, nothing of it shown)
      const stored = yield* storedFor(members, attempt.value.ids as ReadonlyArray<TransferId>).pipe(Effect.exit)
      if (Exit.isSuccess(stored) && stored.value.existing.size > 0) {
        const { existing, mine } = stored.value
        const rest = members.filter((m) => !existing.has(m.cmd.id))
        const restExits: Array<Exit.Exit<Outcome, GroupError>> = rest.length === 0 ? [] : [...(yield* runGroup(rest))]
        return yield* Effect.forEach(members, (m): Effect.Effect<Exit.Exit<Outcome, GroupError>> => {
          if (!existing.has(m.cmd.id)) return Effect.succeed(restExits.shift()!)
          const found = mine(m)
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
 * Groups in flight on this instance, at most `max` (0: no limit). A group that finds them all busy when its window
 * ends keeps collecting until one ends (`free`), so under load a transaction carries what arrived during the one
 * before it. A group that fills up meanwhile starts without waiting for the end of its window (RequestResolver runs
 * a full batch at once) but still waits for a slot (`guard`): the bound holds for full groups too.
 */
const inFlight = (max: number) => {
  if (max <= 0) return { free: Effect.void, guard: <A, E, R>(effect: Effect.Effect<A, E, R>) => effect }
  const slots = Semaphore.makeUnsafe(max)
  return { free: slots.withPermits(1)(Effect.void), guard: slots.withPermits(1) }
}

/**
 * One resolver per store (tests run several) and settings: the groups of every owner on this instance share it,
 * and with it the in-flight bound.
 */
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

const resolvers = new WeakMap<object, Map<string, RequestResolver.RequestResolver<CreateTransfer>>>()
const resolverFor = (store: object, settings: GroupCommitSettings) => {
  const bySettings = resolvers.get(store) ?? new Map<string, RequestResolver.RequestResolver<CreateTransfer>>()
  resolvers.set(store, bySettings)
  const key = `${settings.windowMillis}|${settings.sizeMax}|${settings.inFlightMax}`
  const resolver = bySettings.get(key) ?? makeResolver(settings)
  bySettings.set(key, resolver)
  return resolver
}

/** Decides and commits `cmd` with the other transfers (of any owner) that arrive within the window. */
export const submit = (cmd: TransferCommand, viewer: OwnerId | null, settings: GroupCommitSettings) =>
  Effect.gen(function* () {
    const limits = yield* LedgerLimits
    const store = yield* LedgerStore
    return yield* Effect.request(new CreateTransfer({ member: { cmd, viewer, limits } }), resolverFor(store, settings))
  })
