// Group commit (docs/adr/0024) changes nothing a client can see: any interleaving of concurrent single transfers of
// several owners (and the admin), sharing groups, ends with the same balances, entries, outcomes and visibility
// as applying them one at a time, in the order the groups decided them (read back from the writes). Owners debit
// each other's accounts (refused, as alone) and reuse each other's ids. Checked in memory and on PostgreSQL.
import { assert, describe, layer, type Vitest } from "@effect/vitest"
import type { Account, OwnerId } from "@tally/domain/Account"
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import { type AskedTransfer, LedgerStore } from "@tally/domain/ports/LedgerStore"
import { LedgerTelemetry } from "@tally/domain/ports/LedgerTelemetry"
import type { Transfer, TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect, Exit, Layer } from "effect"
import * as fc from "fast-check"
import * as MemoryLedgerStore from "../src/memory/MemoryLedgerStore.ts"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { uuidv7 } from "../src/Uuid.ts"
import { openAt } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

/** Account i is owned by the run's owners[i % 3] (the first is null: the system); account 0 may go negative and
 * funds the others. */
const ACCOUNTS = 6

interface Spec {
  readonly debit: number
  readonly credit: number
  readonly amount: bigint
  readonly pending: boolean
  /** Index into the run's id pool: equal indexes are a retry (same body) or a reused id (another body). */
  readonly id: number
  readonly viewer: number
}

// Any owner may send any id: a repeat by another owner is a reused id (docs/adr/0027), answered without a row of
// its own; it is placed right after the stored transfer with its id, where its answer no longer depends on order.
const specArb = fc.record({
  debit: fc.integer({ min: 0, max: ACCOUNTS - 1 }),
  credit: fc.integer({ min: 0, max: ACCOUNTS - 1 }),
  amount: fc.oneof(fc.bigInt({ min: 1n, max: 400n }), fc.constantFrom(0n, 5_000n)),
  pending: fc.boolean(),
  id: fc.integer({ min: 0, max: 24 }),
  viewer: fc.integer({ min: 0, max: 2 })
})

/** The same request (id and body) again, from any owner, somewhere in the run: a retry, or another owner's reuse. */
const echoArb = fc.record({ of: fc.nat(), at: fc.nat(), viewer: fc.integer({ min: 0, max: 2 }) })

const withEchoes = (
  specs: ReadonlyArray<Spec>,
  echoes: ReadonlyArray<{ readonly of: number; readonly at: number; readonly viewer: number }>
) => {
  const all = [...specs]
  for (const echo of echoes)
    all.splice(echo.at % (all.length + 1), 0, { ...specs[echo.of % specs.length]!, viewer: echo.viewer })
  return all
}

const runArb = fc.record({
  specs: fc
    .tuple(fc.array(specArb, { minLength: 1, maxLength: 24 }), fc.array(echoArb, { maxLength: 8 }))
    .map(([specs, echoes]) => withEchoes(specs, echoes)),
  sizeMax: fc.integer({ min: 1, max: 12 }),
  windowMillis: fc.constantFrom(0, 1),
  inFlightMax: fc.integer({ min: 0, max: 3 })
})

type Owners = ReadonlyArray<OwnerId | null>
const ownerOf = (owners: Owners, i: number) => owners[i % owners.length]!

/** What a client sees of an outcome, without ids or times. */
const seen = (exit: Exit.Exit<Transfer, { readonly _tag: string; readonly code?: string }>) =>
  Exit.isSuccess(exit)
    ? `${exit.value.status} ${exit.value.amountMinor}`
    : (() => {
        const error = exit.cause.reasons.find((r) => r._tag === "Fail")
        return error?._tag === "Fail" ? `${error.error._tag} ${error.error.code ?? ""}` : "defect"
      })()

/** A fresh world on the store: accounts (account 0 funded by nothing, others by it), and an id pool. */
const setUp = Effect.gen(function* () {
  const store = yield* LedgerStore
  const owners: Owners = [null, uuidv7() as OwnerId, uuidv7() as OwnerId]
  for (const id of owners) if (id !== null) yield* store.createOwner({ id, kind: "service", name: `owner ${id}` })
  const accounts: Array<Account> = []
  for (let i = 0; i < ACCOUNTS; i++) {
    accounts.push(yield* openAt("EUR", { allowNegative: i === 0, ownerId: ownerOf(owners, i) }))
  }
  for (let i = 1; i < ACCOUNTS; i++) {
    yield* Transfers.create(
      {
        id: uuidv7() as TransferId,
        debitAccountId: accounts[0]!.id,
        creditAccountId: accounts[i]!.id,
        amountMinor: 1_000n,
        pending: false,
        timeoutSeconds: null,
        metadata: null,
        batchId: null
      },
      null
    )
  }
  const ids = Array.from({ length: 25 }, () => uuidv7() as TransferId)
  return { accounts, ids, owners }
})

const toCommand = (spec: Spec, accounts: ReadonlyArray<Account>, ids: ReadonlyArray<TransferId>): TransferCommand => ({
  id: ids[spec.id]!,
  debitAccountId: accounts[spec.debit]!.id,
  creditAccountId: accounts[spec.credit]!.id,
  amountMinor: spec.amount,
  pending: spec.pending,
  timeoutSeconds: null,
  metadata: null,
  batchId: null
})

/** Balances and every account's journal (amount, side, posted_after), by account index. */
const books = (accounts: ReadonlyArray<Account>) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    return yield* Effect.forEach(accounts, (a) =>
      Effect.gen(function* () {
        const now = yield* store.getAccount(a.id)
        const entries = yield* store.listEntries({ accountId: a.id, cursor: null, limit: 500 })
        const account = now._tag === "Some" ? now.value : undefined
        return {
          posted: account?.postedMinor,
          pendingDebits: account?.pendingDebitsMinor,
          pendingCredits: account?.pendingCreditsMinor,
          entries: entries.items.map((e) => `${e.side} ${e.amountMinor} → ${e.postedAfterMinor}`)
        }
      })
    )
  })

/** What each owner (and the admin) is shown of the pool's ids: the transfers it may see, and those it created. */
const shown = (owners: Owners, ids: ReadonlyArray<TransferId>) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const index = (ts: ReadonlyArray<Transfer>) =>
      ts.map((t) => `${ids.indexOf(t.id)} ${t.status} ${t.failureCode ?? ""}`).sort()
    return yield* Effect.forEach(owners, (owner) =>
      Effect.all({
        visible: Effect.map(store.getTransfers(ids, owner), index),
        created: Effect.map(store.getCreatedTransfers(ids, owner), index)
      })
    )
  })

/** The same key fields a retry must repeat (usecases/TransferSteps.ts sameRequest), from the same creator. */
const matches = (t: AskedTransfer, c: TransferCommand, creator: OwnerId | null) =>
  t.ownerId === creator && sameBody(t.transfer, c)

const sameBody = (t: Transfer, c: TransferCommand) =>
  t.id === c.id &&
  t.debitAccountId === c.debitAccountId &&
  t.creditAccountId === c.creditAccountId &&
  t.amountMinor === c.amountMinor &&
  t.pending === c.pending

interface Run {
  readonly specs: ReadonlyArray<Spec>
  readonly sizeMax: number
  readonly windowMillis: number
  readonly inFlightMax: number
}

interface Seen {
  /** Transfers per group. */
  readonly sizes: Array<number>
  /** Writes that stored transfers of more than one owner (the admin counting as one). */
  mixed: number
}

/** Whether `viewer` may debit `account` alone (usecases/TransferSteps.ts lockable): then it may lock its accounts. */
const mayDebit = (account: Account, viewer: OwnerId | null) =>
  viewer === null || (account.ownerId === viewer && !account.allowNegative)

const check = ({ specs, sizeMax, windowMillis, inFlightMax }: Run, groupsSeen: Seen) =>
  Effect.gen(function* () {
    const inner = yield* LedgerStore
    // 1. concurrently, with group commit on; the writes tell the order the groups decided the transfers in
    const written: Array<AskedTransfer> = []
    const locked = new Set<string>()
    const recording = LedgerStore.of({
      ...inner,
      lockAccounts: (ids) =>
        Effect.tap(inner.lockAccounts(ids), () =>
          Effect.sync(() => {
            for (const id of ids) locked.add(id)
          })
        ),
      write: (changes) =>
        Effect.tap(inner.write(changes), () =>
          Effect.sync(() => {
            written.push(...changes.inserted)
            if (new Set(changes.inserted.map((t) => t.ownerId)).size > 1) groupsSeen.mixed++
          })
        )
    })
    const grouped = yield* Effect.gen(function* () {
      const { accounts, ids, owners } = yield* setUp
      written.length = 0
      locked.clear()
      const cmds = specs.map((s) => toCommand(s, accounts, ids))
      const exits = yield* Effect.forEach(
        specs,
        (s, i) => Effect.exit(Transfers.create(cmds[i]!, ownerOf(owners, s.viewer))),
        { concurrency: "unbounded" }
      )
      return {
        accounts,
        cmds,
        owners,
        outcomes: exits.map(seen),
        books: yield* books(accounts),
        shown: yield* shown(owners, ids)
      }
    }).pipe(
      Effect.provideService(LedgerStore, recording),
      Effect.provideService(Transfers.GroupCommit, { enabled: true, windowMillis, sizeMax, inFlightMax }),
      Effect.provideService(LedgerTelemetry, {
        committed: () => Effect.void,
        holdRefused: () => Effect.void,
        grouped: (size) => Effect.sync(() => groupsSeen.sizes.push(size))
      })
    )
    // the order: each stored transfer's command, then the other commands with its id (retries or reuses)
    const order: Array<number> = []
    for (const t of written) {
      const first = grouped.cmds.findIndex(
        (c, i) => !order.includes(i) && matches(t, c, ownerOf(grouped.owners, specs[i]!.viewer))
      )
      assert.isAtLeast(first, 0, "every stored transfer is one of the commands")
      order.push(first)
      grouped.cmds.forEach((c, i) => {
        if (i !== first && c.id === t.transfer.id) order.push(i)
      })
    }
    assert.strictEqual(order.length, specs.length, "every command was decided or answered from a stored transfer")
    // a transfer its asker may not debit locks nothing: every account locked is named by one it may debit
    const { accounts, owners } = grouped
    for (const id of locked) {
      const named = specs.some(
        (s) =>
          mayDebit(accounts[s.debit]!, ownerOf(owners, s.viewer)) &&
          (accounts[s.debit]!.id === id || accounts[s.credit]!.id === id)
      )
      assert.isTrue(named, `account ${accounts.findIndex((a) => a.id === id)} was locked for no one who may debit`)
    }
    // 2. one at a time in that order, group commit off, on fresh accounts
    const sequential = yield* Effect.gen(function* () {
      const { accounts, ids, owners } = yield* setUp
      const outcomes: Array<string> = new Array(specs.length)
      for (const i of order) {
        const spec = specs[i]!
        const exit = yield* Effect.exit(Transfers.create(toCommand(spec, accounts, ids), ownerOf(owners, spec.viewer)))
        outcomes[i] = seen(exit)
      }
      return { outcomes, books: yield* books(accounts), shown: yield* shown(owners, ids) }
    }).pipe(
      Effect.provideService(Transfers.GroupCommit, { enabled: false, windowMillis: 0, sizeMax: 1, inFlightMax: 0 })
    )
    assert.deepStrictEqual(grouped.outcomes, sequential.outcomes, "the same outcome for every command")
    assert.deepStrictEqual(grouped.books, sequential.books, "the same balances and journals (posted_after)")
    assert.deepStrictEqual(grouped.shown, sequential.shown, "each owner sees and created the same transfers")
  })

const properties = (numRuns: number) => (it: Vitest.MethodsNonLive<LedgerStore>) => {
  it.effect(
    `${numRuns} random interleavings: the groups' outcomes are those of one at a time, in their order`,
    () =>
      Effect.gen(function* () {
        const groupsSeen: Seen = { sizes: [], mixed: 0 }
        const context = yield* Effect.context<LedgerStore>()
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(runArb, (run) =>
              Effect.runPromise(Effect.provideContext(check(run, groupsSeen), context))
            ),
            { numRuns }
          )
        )
        assert.isTrue(
          groupsSeen.sizes.some((size) => size > 1),
          `some transactions held more than one transfer (sizes seen: ${[...new Set(groupsSeen.sizes)].join(", ")})`
        )
        assert.isAbove(groupsSeen.mixed, 0, "some transactions held transfers of several owners")
      }),
    120_000
  )
}

describe("group commit: concurrent single transfers are serializable in the groups' order", () => {
  layer(MemoryLedgerStore.layer, { excludeTestServices: true })("in memory", properties(100))
  layer(PgLedgerStore.layer.pipe(Layer.provide(TestDatabase())), { excludeTestServices: true, timeout: 120_000 })(
    "PostgreSQL",
    properties(15)
  )
})
