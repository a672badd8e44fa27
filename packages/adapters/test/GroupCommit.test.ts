// Group commit's edges (docs/adr/0024): replays and reused ids inside a group, retries of stored transfers that
// join a group, a group whose write fails for one member's reason (the others still post), and groups of
// several owners.
import { assert, describe, layer, type Vitest } from "@effect/vitest"
import type { AccountId, OwnerId } from "@tally/domain/Account"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { LedgerTelemetry } from "@tally/domain/ports/LedgerTelemetry"
import { StoreUnavailable } from "@tally/domain/ports/StoreError"
import type { TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect, Exit, Layer } from "effect"
import * as MemoryLedgerStore from "../src/memory/MemoryLedgerStore.ts"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { uuidv7 } from "../src/Uuid.ts"
import { command, openAt, world } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const on = { enabled: true, windowMillis: 1, sizeMax: 100, inFlightMax: 2 }

/** Runs `effect` with the group sizes recorded. */
const sized = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const sizes: Array<number> = []
    const result = yield* effect.pipe(
      Effect.provideService(LedgerTelemetry, {
        committed: () => Effect.void,
        holdRefused: () => Effect.void,
        grouped: (size) => Effect.sync(() => sizes.push(size))
      }),
      Effect.provideService(Transfers.GroupCommit, on)
    )
    return [result, sizes] as const
  })

const all = <A, E, R>(effects: ReadonlyArray<Effect.Effect<A, E, R>>) =>
  Effect.forEach(effects, Effect.exit, { concurrency: "unbounded" })

const errorOf = (exit: Exit.Exit<unknown, { readonly _tag: string; readonly code?: string }>) => {
  if (Exit.isSuccess(exit)) return "posted"
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  return fail?._tag === "Fail" ? `${fail.error._tag}${fail.error.code ? ` ${fail.error.code}` : ""}` : "defect"
}

const edges = (it: Vitest.MethodsNonLive<LedgerStore>) => {
  it.effect("in one group: a refused transfer is stored failed with its code, the others post", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const b = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, a, 100n), null)
      const cmds = [command(a, b, 60n), command(a, b, 60n), command(a, b, 40n)]
      const [exits, sizes] = yield* sized(all(cmds.map((c) => Transfers.create(c, null))))
      assert.deepStrictEqual(sizes, [3], "one transaction")
      assert.deepStrictEqual(exits.map(errorOf), ["posted", "TransferRefused insufficient_funds", "posted"])
      const stored = yield* (yield* LedgerStore).getTransfers(
        cmds.map((c) => c.id),
        null
      )
      const byId = new Map(stored.map((t) => [t.id, t]))
      assert.strictEqual(byId.get(cmds[1]!.id)?.failureCode, "insufficient_funds")
      assert.strictEqual(byId.get(cmds[2]!.id)?.status, "posted")
    })
  )

  it.effect("a duplicate id inside a group is answered as a retry; another body under it is a reused id", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const first = command(eurWorld, a, 10n)
      const other = { ...command(eurWorld, a, 11n), id: first.id }
      const [exits, sizes] = yield* sized(all([first, first, other].map((c) => Transfers.create(c, null))))
      assert.deepStrictEqual(sizes, [3])
      assert.deepStrictEqual(exits.map(errorOf), ["posted", "posted", "TransferIdReused"])
      const [one, two] = exits
      assert.isTrue(one !== undefined && two !== undefined && Exit.isSuccess(one) && Exit.isSuccess(two))
      const account = yield* (yield* LedgerStore).getAccount(a.id)
      assert.strictEqual(account._tag === "Some" ? account.value.postedMinor : undefined, 10n, "applied once")
    })
  )

  it.effect("retries of stored transfers in a group get the first outcome; the others are decided afresh", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const b = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, a, 100n), null)
      const posted = command(a, b, 30n)
      const refused = command(a, b, 1_000n)
      yield* Transfers.create(posted, null)
      yield* Effect.flip(Transfers.create(refused, null))
      const fresh = command(a, b, 50n)
      const reused = { ...command(a, b, 1n), id: posted.id }
      const [exits] = yield* sized(all([posted, fresh, refused, reused].map((c) => Transfers.create(c, null))))
      assert.deepStrictEqual(exits.map(errorOf), [
        "posted",
        "posted",
        "TransferRefused insufficient_funds",
        "TransferIdReused"
      ])
      const account = yield* (yield* LedgerStore).getAccount(a.id)
      assert.strictEqual(account._tag === "Some" ? account.value.postedMinor : undefined, 20n, "30 and 50 once each")
    })
  )

  it.effect("a group whose write fails for one member is run one by one: only that member fails", () =>
    Effect.gen(function* () {
      const inner = yield* LedgerStore
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const poisoned = command(eurWorld, a, 7n)
      const others = [command(eurWorld, a, 1n), command(eurWorld, a, 2n)]
      // the store refuses any write holding the poisoned transfer (a non-retryable failure)
      const failing = LedgerStore.of({
        ...inner,
        write: (changes) =>
          changes.inserted.some(({ transfer }) => transfer.id === poisoned.id)
            ? Effect.fail(new StoreUnavailable({ message: "refused by the test" }))
            : inner.write(changes)
      })
      const [exits, sizes] = yield* sized(
        all([others[0]!, poisoned, others[1]!].map((c) => Transfers.create(c, null))).pipe(
          Effect.provideService(LedgerStore, failing)
        )
      )
      assert.deepStrictEqual(sizes, [3])
      assert.deepStrictEqual(exits.map(errorOf), ["posted", "StoreUnavailable", "posted"])
      const stored = yield* inner.getTransfers([...others.map((c) => c.id), poisoned.id as TransferId], null)
      assert.deepStrictEqual(stored.map((t) => t.amountMinor).sort(), [1n, 2n])
    })
  )

  it.effect("groups that fill up still wait for a slot: no more than TALLY_GROUP_COMMIT_IN_FLIGHT_MAX at once", () =>
    Effect.gen(function* () {
      const inner = yield* LedgerStore
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      let running = 0
      let most = 0
      const counting = LedgerStore.of({
        ...inner,
        transact: (effect) =>
          Effect.acquireUseRelease(
            Effect.sync(() => {
              running++
              most = Math.max(most, running)
            }),
            () => inner.transact(effect),
            () =>
              Effect.sync(() => {
                running--
              })
          )
      })
      const cmds = Array.from({ length: 8 }, (_, i) => command(eurWorld, a, BigInt(i + 1)))
      const sizes: Array<number> = []
      const exits = yield* all(cmds.map((c) => Transfers.create(c, null))).pipe(
        Effect.provideService(LedgerStore, counting),
        Effect.provideService(Transfers.GroupCommit, { enabled: true, windowMillis: 1, sizeMax: 2, inFlightMax: 1 }),
        Effect.provideService(LedgerTelemetry, {
          committed: () => Effect.void,
          holdRefused: () => Effect.void,
          grouped: (size) => Effect.sync(() => sizes.push(size))
        })
      )
      assert.deepStrictEqual(
        exits.map(errorOf),
        cmds.map(() => "posted")
      )
      assert.deepStrictEqual(sizes, [2, 2, 2, 2], "full groups of two")
      assert.strictEqual(most, 1, "one transaction at a time")
    })
  )

  it.effect("owners share a group; each transfer is its own owner's, a stranger's debit locks and shows nothing", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const { eurWorld } = yield* world
      const owners = [uuidv7() as OwnerId, uuidv7() as OwnerId, uuidv7() as OwnerId]
      for (const id of owners) yield* store.createOwner({ id, kind: "service", name: `owner ${id}` })
      const [x, y, z] = owners as [OwnerId, OwnerId, OwnerId]
      const xs = yield* openAt("EUR", { ownerId: x })
      const ys = yield* openAt("EUR", { ownerId: y })
      const zs = yield* openAt("EUR", { ownerId: z })
      const zPayee = yield* openAt("EUR", { ownerId: z })
      for (const account of [xs, ys, zs]) yield* Transfers.create(command(eurWorld, account, 100n), null)
      const locked: Array<string> = []
      const spying = LedgerStore.of({
        ...store,
        lockAccounts: (ids) => Effect.tap(store.lockAccounts(ids), () => Effect.sync(() => locked.push(...ids)))
      })
      const mine = command(xs, ys, 1n)
      const theirs = command(ys, xs, 3n)
      // x asks to debit z's account (more than it holds: the answer must not tell) towards z's other account
      const stranger = command(zs, zPayee, 1_000n)
      const byAdmin = command(eurWorld, ys, 5n)
      const reusedByY = { ...theirs, id: mine.id }
      const [exits, sizes] = yield* sized(
        all([
          Transfers.create(mine, x),
          Transfers.create(theirs, y),
          Transfers.create(stranger, x),
          Transfers.create(byAdmin, null),
          Transfers.create(reusedByY, y)
        ])
      ).pipe(Effect.provideService(LedgerStore, spying))
      assert.deepStrictEqual(sizes, [5], "one group for every owner")
      assert.deepStrictEqual(exits.map(errorOf), [
        "posted",
        "posted",
        "TransferRefused debit_account_not_found",
        "posted",
        "TransferIdReused"
      ])
      assert.isFalse(locked.includes(zs.id) || locked.includes(zPayee.id), "the stranger's accounts were not locked")
      const created = (by: OwnerId | null) =>
        Effect.map(
          store.getCreatedTransfers([mine.id, theirs.id, stranger.id, byAdmin.id], by),
          (ts) => new Set(ts.map((t) => t.id))
        )
      assert.deepStrictEqual(yield* created(x), new Set([mine.id, stranger.id]))
      assert.deepStrictEqual(yield* created(y), new Set([theirs.id]))
      assert.deepStrictEqual(yield* created(null), new Set([mine.id, theirs.id, stranger.id, byAdmin.id]))
      // z owns the accounts x named: x's refusal is not shown to z
      assert.deepStrictEqual(yield* store.getTransfers([stranger.id], z), [])
      const balance = (id: AccountId) =>
        Effect.map(store.getAccount(id), (a) => (a._tag === "Some" ? a.value.postedMinor : undefined))
      assert.deepStrictEqual(
        [yield* balance(xs.id), yield* balance(ys.id), yield* balance(zs.id), yield* balance(zPayee.id)],
        [102n, 103n, 100n, 0n]
      )
    })
  )
}

describe("group commit on each store", () => {
  layer(MemoryLedgerStore.layer, { excludeTestServices: true })("in memory", edges)
  layer(PgLedgerStore.layer.pipe(Layer.provide(TestDatabase())), { excludeTestServices: true, timeout: 60_000 })(
    "PostgreSQL",
    edges
  )
})
