import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import type { Account } from "@tally/domain/Account"
import type { TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { Reconciler, reconciledAbandoned } from "../src/postgres/Reconciler.ts"
import { uuidv7 } from "../src/Uuid.ts"
import { command, openAt, world } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const Fresh = Layer.mergeAll(PgLedgerStore.layer, Reconciler.layerWith({ graceSeconds: 60, batchMax: 100 })).pipe(
  Layer.provideMerge(TestDatabase())
)

const exec = (statement: string, params: ReadonlyArray<unknown> = []) =>
  Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe(statement, params as Array<unknown>)).pipe(Effect.orDie)

/** What a crash between "initiated" and the decision would leave behind, created at `at` (ms). */
const initiated = (debit: Account, credit: Account, atMs: number) =>
  Effect.gen(function* () {
    const id = uuidv7() as TransferId
    yield* exec(
      `INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, currency, pending, status,
         created_at, updated_at) VALUES ($1, $2, $3, 10, 'EUR', false, 'initiated', $4, $4)`,
      [id, debit.id, credit.id, new Date(atMs)]
    )
    return id
  })

const statusOf = (id: TransferId) =>
  Effect.map(Transfers.get(id, null), (t) => [t.status, t.failureCode as string | null] as const)

const reconcile = Effect.flatMap(Reconciler, (r) => r.reconcile)

const accounts = Effect.gen(function* () {
  const { eurWorld } = yield* world
  const alice = yield* openAt("EUR")
  yield* Transfers.create(command(eurWorld, alice, 1_000n), null)
  return { eurWorld, alice, bob: yield* openAt("EUR") }
})

describe("Reconciler", () => {
  it.effect("fails initiated transfers older than the grace period, and only those", () =>
    Effect.gen(function* () {
      const { alice, bob } = yield* accounts
      const old = yield* initiated(alice, bob, 0)
      const posted = yield* Transfers.create(command(alice, bob, 5n), null)
      yield* TestClock.adjust("30 seconds")
      const young = yield* initiated(alice, bob, 30_000)
      assert.strictEqual(yield* reconcile, 0, "nothing is past the grace period yet")
      yield* TestClock.adjust("31 seconds")
      assert.strictEqual(yield* reconcile, 1)
      assert.deepStrictEqual(yield* statusOf(old), ["failed", reconciledAbandoned])
      assert.deepStrictEqual(yield* statusOf(young), ["initiated", null])
      assert.deepStrictEqual(yield* statusOf(posted.id), ["posted", null])
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual(yield* reconcile, 1)
      assert.deepStrictEqual(yield* statusOf(young), ["failed", reconciledAbandoned])
      assert.strictEqual(yield* reconcile, 0, "a second run finds nothing left")
    }).pipe(Effect.provide(Fresh))
  )

  it.effect("resolves at most batchMax per run", () =>
    Effect.gen(function* () {
      const { alice, bob } = yield* accounts
      for (let i = 0; i < 5; i++) yield* initiated(alice, bob, 0)
      yield* TestClock.adjust("2 minutes")
      const small = Reconciler.layerWith({ graceSeconds: 60, batchMax: 3 })
      assert.strictEqual(yield* reconcile.pipe(Effect.provide(small)), 3)
      assert.strictEqual(yield* reconcile.pipe(Effect.provide(small)), 2)
    }).pipe(Effect.provide(Fresh))
  )

  it.effect("concurrent reconcilers resolve each transfer exactly once", () =>
    Effect.gen(function* () {
      const { alice, bob } = yield* accounts
      for (let i = 0; i < 20; i++) yield* initiated(alice, bob, 0)
      yield* TestClock.adjust("2 minutes")
      const counts = yield* Effect.all([reconcile, reconcile, reconcile, reconcile], { concurrency: 4 })
      assert.strictEqual(
        counts.reduce((a, b) => a + b, 0),
        20
      )
      const [row] = yield* exec("SELECT count(*)::int AS n FROM transfers WHERE status = 'initiated'")
      assert.strictEqual((row as { n: number }).n, 0)
    }).pipe(Effect.provide(Fresh))
  )

  it.effect("leaves an initiated transfer that has entries for the verifier (it would break the books)", () =>
    Effect.gen(function* () {
      const { alice, bob } = yield* accounts
      const id = yield* initiated(alice, bob, 0)
      yield* exec(
        `INSERT INTO entries (transfer_id, account_id, currency, side, amount, posted_after, created_at)
         VALUES ($1, $2, 'EUR', 'debit', 10, 0, now())`,
        [id, alice.id]
      )
      yield* TestClock.adjust("2 minutes")
      assert.strictEqual(yield* reconcile, 0)
      assert.deepStrictEqual(yield* statusOf(id), ["initiated", null])
    }).pipe(Effect.provide(Fresh))
  )
})
