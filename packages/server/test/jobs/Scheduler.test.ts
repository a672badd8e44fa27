import { PgClient } from "@effect/sql-pg"
import { assert, describe, it, layer } from "@effect/vitest"
import { IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import * as PgJobStore from "@tally/adapters/postgres/PgJobStore"
import * as PgLedgerStore from "@tally/adapters/postgres/PgLedgerStore"
import { TestDatabase } from "@tally/adapters/test/support/TestDatabase"
import { uuidv7 } from "@tally/adapters/Uuid"
import { type AccountId, openAccount } from "@tally/domain/Account"
import type { CurrencyCode } from "@tally/domain/Money"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { ConfigProvider, Cron, DateTime, Effect, Exit, Layer, Metric, Option, Ref } from "effect"
import { TestClock } from "effect/testing"
import { fxRateAge } from "../../src/jobs/FxRefresh.ts"
import { type Job, scheduled, schedulerLastSuccess, schedulerRuns } from "../../src/jobs/Job.ts"
import { ledgerImbalance } from "../../src/jobs/Reconcile.ts"
import { SchedulerConfig, SchedulerLive } from "../../src/jobs/Scheduler.ts"

const runs = (job: string, outcome: "success" | "failure" | "skipped") =>
  Effect.map(Metric.value(Metric.withAttributes(schedulerRuns, { job, outcome })), (s) => s.count)

const lastSuccess = (job: string) =>
  Effect.map(Metric.value(Metric.withAttributes(schedulerLastSuccess, { job })), (s) => s.value)

const counting = (name: string, cron: string, options: { runAtStart?: boolean; failEvery?: number } = {}) =>
  Effect.map(Ref.make(0), (count) => {
    const job: Job<never> = {
      name,
      cron: Cron.parseUnsafe(cron, "UTC"),
      runAtStart: options.runAtStart ?? false,
      run: Effect.flatMap(
        Ref.updateAndGet(count, (n) => n + 1),
        (n) =>
          options.failEvery !== undefined && n % options.failEvery === 0
            ? n % (2 * options.failEvery) === 0
              ? Effect.die(new Error(`defect in run ${n}`))
              : Effect.fail(`failure in run ${n}`)
            : Effect.void
      )
    }
    return { job, count }
  })

describe("scheduled jobs (TestClock)", () => {
  it.effect("a job runs on its cron, not before", () =>
    Effect.gen(function* () {
      const { job, count } = yield* counting("every-5-minutes", "*/5 * * * *")
      yield* Effect.forkChild(scheduled(job))
      yield* TestClock.adjust("4 minutes")
      assert.strictEqual(yield* Ref.get(count), 0)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* Ref.get(count), 1)
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual(yield* Ref.get(count), 3)
      assert.strictEqual(yield* runs("every-5-minutes", "success"), 3)
      assert.strictEqual(yield* lastSuccess("every-5-minutes"), 15 * 60)
    })
  )

  it.effect("an hourly job with runAtStart runs at once, then on the hour", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(DateTime.toEpochMillis(DateTime.makeUnsafe("2026-11-02T10:20:00Z")))
      const { job, count } = yield* counting("hourly", "0 * * * *", { runAtStart: true })
      yield* Effect.forkChild(scheduled(job))
      yield* Effect.yieldNow
      assert.strictEqual(yield* Ref.get(count), 1)
      yield* TestClock.adjust("39 minutes")
      assert.strictEqual(yield* Ref.get(count), 1)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* Ref.get(count), 2)
    })
  )

  it.effect("failing and dying runs are counted and logged; the schedule goes on", () =>
    Effect.gen(function* () {
      const { job, count } = yield* counting("flaky", "* * * * *", { failEvery: 2 })
      const fiber = yield* Effect.forkChild(scheduled(job))
      yield* TestClock.adjust("6 minutes")
      assert.strictEqual(yield* Ref.get(count), 6)
      assert.strictEqual(yield* runs("flaky", "success"), 3)
      assert.strictEqual(yield* runs("flaky", "failure"), 3) // runs 2 and 6 failed, run 4 died
      assert.strictEqual(yield* lastSuccess("flaky"), 5 * 60)
      assert.isUndefined(fiber.pollUnsafe(), "the schedule is still running")
    })
  )

  it.effect("cron settings are validated when the scheduler starts", () =>
    Effect.gen(function* () {
      const withEnv = (env: Record<string, string>) =>
        Effect.exit(
          SchedulerConfig.pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(env)))
        )
      const defaults = yield* withEnv({})
      assert.isTrue(Exit.isSuccess(defaults))
      if (Exit.isSuccess(defaults)) {
        assert.isTrue(Cron.equals(defaults.value.reconcileCron, Cron.parseUnsafe("*/5 * * * *", "UTC")))
        assert.strictEqual(defaults.value.expireBatchMax, 500)
      }
      assert.isTrue(Exit.isFailure(yield* withEnv({ TALLY_CRON_RECONCILE: "every 5 minutes" })))
      const custom = yield* withEnv({ TALLY_CRON_FX_REFRESH: "30 6 * * 1-5" })
      assert.isTrue(Exit.isSuccess(custom) && Cron.format(custom.value.fxRefreshCron) === "30 6 * * 1-5")
      assert.isTrue(Exit.isSuccess(custom) && Cron.match(custom.value.fxRefreshCron, "2026-11-02T06:30:00Z"))
    })
  )
})

/** Waits (in real time) until the forked jobs' database work shows up. */
const eventually = <A>(check: Effect.Effect<A, unknown, LedgerStore | PgClient.PgClient>, done: (a: A) => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 400; i++) {
      const value = yield* check
      if (done(value)) return value
      yield* TestClock.withLive(Effect.sleep("25 millis"))
    }
    return yield* Effect.die(new Error("timed out waiting for the scheduler"))
  })

const count = (query: string) =>
  Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe<{ n: number }>(query)).pipe(Effect.map((rows) => rows[0]!.n))

layer(
  Layer.mergeAll(PgLedgerStore.layer, PgJobStore.layer, IdempotencyStore.layer).pipe(
    Layer.provideMerge(TestDatabase())
  ),
  {
    timeout: 60_000
  }
)("SchedulerLive", (it) => {
  it.effect("loads FX rates at start, expires due holds each minute, reconciles every 5 minutes", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const eur = "EUR" as CurrencyCode
      const world = Option.getOrThrow(
        yield* store.getAccount(Option.getOrThrow(yield* store.systemAccount("world", eur)))
      )
      const now = yield* DateTime.now
      const shop = yield* store.createAccount(
        openAccount(
          { id: uuidv7() as AccountId, currency: eur, ownerId: null, allowNegative: false, metadata: null },
          now
        )
      )
      const hold = yield* Transfers.create(
        {
          id: uuidv7() as TransferId,
          debitAccountId: world.id,
          creditAccountId: shop.id,
          amountMinor: 500n,
          pending: true,
          timeoutSeconds: 30,
          metadata: null,
          batchId: null
        },
        null
      )
      const reconcileBefore = yield* runs("reconcile", "success")
      yield* Layer.build(SchedulerLive)

      // fx-refresh runs at start: the snapshot's 110 pairs
      yield* eventually(count("SELECT count(*)::int AS n FROM fx_rates"), (n) => n === 110)
      yield* eventually(runs("fx-refresh", "success"), (n) => n === 1)
      // published from the provider's as-of: the snapshot's date lies after TestClock's 1970, hence age 0 (the ages
      // themselves are tested in FxSnapshot.test.ts)
      const age = yield* Metric.value(Metric.withAttributes(fxRateAge, { currency: "JPY" }))
      assert.strictEqual(age.value, 0)

      // expire-holds at the next minute
      yield* TestClock.adjust("1 minute")
      yield* eventually(
        Effect.map(Transfers.get(hold.id, null), (t) => t.status),
        (status) => status === "expired"
      )

      // reconcile at minute 5: verifies a clean ledger and publishes zero imbalance
      yield* TestClock.adjust("4 minutes")
      yield* eventually(runs("reconcile", "success"), (n) => n === reconcileBefore + 1)
      const imbalance = yield* Metric.value(Metric.withAttributes(ledgerImbalance, { currency: "EUR" }))
      assert.strictEqual(imbalance.value, 0)
      assert.strictEqual(yield* runs("reconcile", "failure"), 0)
      assert.strictEqual((yield* Metric.value(Metric.withAttributes(fxRateAge, { currency: "JPY" }))).value, 0)
    }).pipe(Effect.scoped)
  )
})

layer(
  Layer.mergeAll(PgLedgerStore.layer, PgJobStore.layer, IdempotencyStore.layer).pipe(
    Layer.provideMerge(TestDatabase())
  ),
  {
    timeout: 60_000
  }
)("two schedulers on one database", (it) => {
  it.effect("each cron tick runs once across instances; the other instance counts it skipped", () =>
    Effect.gen(function* () {
      const before = {
        expire: yield* runs("expire-holds", "success"),
        reconcile: yield* runs("reconcile", "success"),
        fx: yield* runs("fx-refresh", "success"),
        skipped: yield* runs("expire-holds", "skipped"),
        fxDecided: (yield* runs("fx-refresh", "success")) + (yield* runs("fx-refresh", "skipped"))
      }
      // two instances: each builds its own scheduler (own fibers, own connections) on the same database
      yield* Layer.build(SchedulerLive)
      yield* Layer.build(SchedulerLive)
      const ticks = (job: string) =>
        count(`SELECT count(*)::int AS n FROM tally_job_runs WHERE job = '${job}' AND outcome = 'success'`)

      const decided = (job: string) =>
        Effect.map(Effect.all([runs(job, "success"), runs(job, "skipped")]), ([ran, skipped]) => ran + skipped)
      // fx-refresh at start, for the latest tick already due: once (and by then every job is waiting for its tick)
      yield* eventually(decided("fx-refresh"), (n) => n === before.fxDecided + 2)
      assert.strictEqual((yield* runs("fx-refresh", "success")) - before.fx, 1, "fx-refresh at start ran once")
      const decidedBefore = yield* decided("expire-holds")
      for (let minute = 1; minute <= 10; minute++) {
        yield* TestClock.adjust("1 minute")
        // both instances have decided about this tick: one ran it, the other skipped it
        yield* eventually(decided("expire-holds"), (n) => n === decidedBefore + 2 * minute)
        assert.strictEqual((yield* runs("expire-holds", "success")) - before.expire, minute, "once per tick")
      }
      assert.strictEqual((yield* runs("expire-holds", "skipped")) - before.skipped, 10)
      yield* eventually(runs("reconcile", "success"), (n) => n === before.reconcile + 2)
      assert.strictEqual(yield* ticks("expire-holds"), 10)
      assert.strictEqual(yield* ticks("reconcile"), 2)
    }).pipe(Effect.scoped)
  )
})
