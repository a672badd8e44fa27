// lock_timeout and statement_timeout on every pooled session: a session holding a hot row makes the others fail
// fast with a retryable error (55P03, retried and counted) instead of queueing until the pool is exhausted.
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it, layer } from "@effect/vitest"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { StoreUnavailable } from "@tally/domain/ports/StoreError"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { ConfigProvider, Deferred, Effect, Exit, Fiber, Layer, Metric } from "effect"
import { SqlError } from "effect/sql"
import { DatabaseConfig } from "../src/Database.ts"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { TransactionConfig, transactionRetries } from "../src/postgres/Transactions.ts"
import { command, openAt, world } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const RETRIES = 3

const Live = Layer.effect(LedgerStore, PgLedgerStore.make).pipe(
  Layer.provide(
    Layer.succeed(TransactionConfig, {
      isolation: "read_committed",
      retriesMax: RETRIES,
      retryBaseMs: 2,
      retryMaxDelayMs: 10
    })
  ),
  Layer.provideMerge(TestDatabase({ poolMax: 4, lockTimeoutMs: 200, statementTimeoutMs: 1_000 }))
)

const lockTimeouts = Effect.map(
  Metric.value(Metric.withAttributes(transactionRetries, { reason: "lock_timeout" })),
  (state) => state.count
)

describe("DatabaseConfig", () => {
  it.effect("lock and statement timeouts have defaults and are configurable", () =>
    Effect.gen(function* () {
      const read = (env: Record<string, string>) =>
        DatabaseConfig.pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(env)))
      const defaults = yield* read({})
      assert.strictEqual(defaults.lockTimeoutMs, 2_000)
      assert.strictEqual(defaults.statementTimeoutMs, 30_000)
      const set = yield* read({ TALLY_DB_LOCK_TIMEOUT_MS: "250", TALLY_DB_STATEMENT_TIMEOUT_MS: "5000" })
      assert.strictEqual(set.lockTimeoutMs, 250)
      assert.strictEqual(set.statementTimeoutMs, 5_000)
      assert.isTrue(Exit.isFailure(yield* Effect.exit(read({ TALLY_DB_LOCK_TIMEOUT_MS: "soon" }))))
    })
  )
})

layer(Live, {
  timeout: 60_000,
  excludeTestServices: true
})("pool timeouts", (it) => {
  it.effect("every pooled session has the configured timeouts", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const [row] = yield* sql<{
        lock: string
        statement: string
      }>`SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement`
      assert.deepStrictEqual(row, { lock: "200ms", statement: "1s" })
      const slow = yield* Effect.flip(sql`SELECT pg_sleep(3)`)
      assert.strictEqual(slow.reason._tag, "StatementTimeoutError")
    })
  )

  it.effect("a transfer on a row another session holds fails after lock_timeout, retried and counted", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const { eurWorld } = yield* world
      const payer = yield* openAt("EUR")
      const payee = yield* openAt("EUR")
      yield* Transfers.create(command(eurWorld, payer, 1_000n), null)

      const locked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.forkChild(
        sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT id FROM accounts WHERE id = ${payer.id} FOR UPDATE`
            yield* Deferred.succeed(locked, undefined)
            yield* Deferred.await(release)
          })
        )
      )
      yield* Deferred.await(locked)

      const before = yield* lockTimeouts
      const payment = command(payer, payee, 100n)
      // without lock_timeout the transfer would queue behind the holder for as long as it holds the row
      const error = yield* Effect.flip(
        Transfers.create(payment, null).pipe(
          Effect.timeoutOrElse({
            duration: "20 seconds",
            orElse: () => Effect.die(new Error("the transfer queued behind the lock"))
          })
        )
      )
      assert.instanceOf(error, StoreUnavailable)
      const cause = (error as StoreUnavailable).cause
      assert.isTrue(SqlError.isSqlError(cause) && cause.reason._tag === "LockTimeoutError", String(cause))
      // every failed attempt is counted (the first and each retry)
      assert.strictEqual((yield* lockTimeouts) - before, RETRIES + 1)

      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      // the client retries with the same id once the row is free: applied once
      const posted = yield* Transfers.create(payment, null)
      assert.strictEqual(posted.status, "posted")
    })
  )
})
