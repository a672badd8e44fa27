// The scheduler's expire-reservations job (TestClock): a held reservation past its TTL is expired and its seats
// freed on the next cron tick; a confirmed one is untouched; a second run changes nothing.
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import { JobLock } from "@tally/adapters/postgres/JobLock"
import * as PgJobStore from "@tally/adapters/postgres/PgJobStore"
import * as PgLedgerStore from "@tally/adapters/postgres/PgLedgerStore"
import { TestDatabase } from "@tally/adapters/test/support/TestDatabase"
import * as PgTicketingStore from "@tally/adapters/ticketing/PgTicketingStore"
import * as TicketCodes from "@tally/adapters/ticketing/TicketCodes"
import * as Uuid from "@tally/adapters/Uuid"
import { uuidv7 } from "@tally/adapters/Uuid"
import type { ReservationId } from "@tally/domain/ticketing/Reservation"
import * as Reservations from "@tally/domain/usecases/Reservations"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Cron, Effect, Layer, Metric } from "effect"
import { TestClock } from "effect/testing"
import { world } from "../../../adapters/test/contract/LedgerContract.ts"
import { balances, buyer, event, seats } from "../../../adapters/test/contract/TicketingContract.ts"
import { expireReservations } from "../../src/jobs/ExpireReservations.ts"
import { runOnce, schedulerRuns } from "../../src/jobs/Job.ts"
import { SchedulerLive } from "../../src/jobs/Scheduler.ts"
import { reservations } from "../../src/metrics/Ticketing.ts"

const runs = (outcome: "success") =>
  Effect.map(
    Metric.value(Metric.withAttributes(schedulerRuns, { job: "expire-reservations", outcome })),
    (s) => s.count
  )

const expiredCount = Effect.map(
  Metric.value(Metric.withAttributes(reservations, { outcome: "expired" })),
  (s) => s.count
)

const eventually = <A, E, R>(check: Effect.Effect<A, E, R>, done: (a: A) => boolean) =>
  Effect.gen(function* () {
    // up to 40 s of real time: under a full parallel test run the scheduler fiber can lag well behind TestClock
    for (let i = 0; i < 1600; i++) {
      const value = yield* check
      if (done(value)) return value
      yield* TestClock.withLive(Effect.sleep("25 millis"))
    }
    return yield* Effect.die(new Error("timed out waiting for the scheduler"))
  })

const Stores = Layer.mergeAll(PgTicketingStore.layer, TicketCodes.layer, Uuid.layer).pipe(
  Layer.provideMerge(Layer.mergeAll(PgLedgerStore.layer, PgJobStore.layer, IdempotencyStore.layer))
)

layer(Stores.pipe(Layer.provideMerge(TestDatabase())), { timeout: 60_000 })("expire-reservations", (it) => {
  it.effect("past its TTL a held reservation expires on the next tick; a confirmed one is untouched", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e } = yield* event(10, 1_000n)
      const a = yield* buyer(eurWorld, 5_000n)
      const b = yield* buyer(eurWorld, 5_000n)
      const held = yield* Reservations.reserve(
        { id: uuidv7() as ReservationId, eventId: e.id, payerAccountId: a.account.id, quantity: 2 },
        a.ownerId
      )
      const kept = yield* Reservations.reserve(
        { id: uuidv7() as ReservationId, eventId: e.id, payerAccountId: b.account.id, quantity: 3 },
        b.ownerId
      )
      yield* Reservations.confirm(kept.id, b.ownerId)
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 2, sold: 3 })
      const expiredBefore = yield* expiredCount
      const successBefore = yield* runs("success")

      yield* Layer.build(SchedulerLive)
      // let the forked job fibers arm their first sleep before the clock moves: one that starts after the adjust
      // below sleeps until the minute after it and never runs (seen under a loaded full run)
      yield* TestClock.withLive(Effect.sleep("1 second"))
      // the default TTL is 15 minutes; the job runs every minute: nothing before the deadline
      yield* TestClock.adjust("14 minutes")
      yield* eventually(runs("success"), (n) => n > successBefore)
      assert.strictEqual((yield* Reservations.get(held.id, null)).reservation.status, "held")

      yield* TestClock.adjust("1 minute")
      const expired = yield* eventually(
        Effect.map(Reservations.get(held.id, null), (r) => r.reservation.status),
        (status) => status === "expired"
      )
      assert.strictEqual(expired, "expired")
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 0, sold: 3 })
      assert.deepStrictEqual(yield* balances(a.account.id), [5_000n, 0n, 0n], "the hold is released")
      assert.strictEqual((yield* Transfers.get(held.holdTransferId, null)).status, "expired")
      const confirmed = yield* Reservations.get(kept.id, null)
      assert.strictEqual(confirmed.reservation.status, "confirmed")
      assert.strictEqual(confirmed.tickets.length, 3)
      assert.strictEqual((yield* expiredCount) - expiredBefore, 1)

      // a run by hand after the scheduler's: nothing left to do
      yield* runOnce(expireReservations({ cron: Cron.parseUnsafe("* * * * *", "UTC") }), new Date(1)).pipe(
        Effect.provide(JobLock.layer)
      )
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 0, sold: 3 })
      assert.strictEqual((yield* expiredCount) - expiredBefore, 1)
      const sql = yield* PgClient.PgClient
      const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM reservations WHERE status = 'expired'`
      assert.strictEqual(row!.n, 1)
    }).pipe(Effect.scoped)
  )
})
