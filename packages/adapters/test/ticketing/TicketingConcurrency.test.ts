// Ticketing under concurrency on a real PostgreSQL: a ticket rush (1,000 buyers, 100 seats) sampled for seat and
// fund conservation while it runs, expiry racing confirm, concurrent ratings and retried event cancellations.
// Real time throughout (the transaction retries sleep); the deadline race shifts one side's clock instead.
import { PgClient } from "@effect/sql-pg"
import { assert, describe, layer } from "@effect/vitest"
import type { Account, OwnerId } from "@tally/domain/Account"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { TicketingStore } from "@tally/domain/ports/TicketingStore"
import { fold, recount } from "@tally/domain/ticketing/Rating"
import type { ReservationId } from "@tally/domain/ticketing/Reservation"
import * as Events from "@tally/domain/usecases/Events"
import * as Ratings from "@tally/domain/usecases/Ratings"
import * as Reservations from "@tally/domain/usecases/Reservations"
import { TicketingLimits, type TicketingRefused } from "@tally/domain/usecases/Ticketing"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Clock, Effect, Fiber, Layer, Option } from "effect"
import { DatabaseInfo } from "../../src/Database.ts"
import * as PgLedgerStore from "../../src/postgres/PgLedgerStore.ts"
import * as PgTicketingStore from "../../src/ticketing/PgTicketingStore.ts"
import * as TicketCodes from "../../src/ticketing/TicketCodes.ts"
import * as Uuid from "../../src/Uuid.ts"
import { uuidv7 } from "../../src/Uuid.ts"
import { audit, command, openAt, world } from "../contract/LedgerContract.ts"
import { balances, event, owner } from "../contract/TicketingContract.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const Live = PgTicketingStore.layer.pipe(
  Layer.provideMerge(PgLedgerStore.layer),
  Layer.provideMerge(Layer.mergeAll(Uuid.layer, TicketCodes.layer)),
  Layer.provideMerge(TestDatabase({ poolMax: 10 }))
)

const rid = () => uuidv7() as ReservationId

/** The clock moved by `offsetMs` (sleeps stay real): lets one side of a race stand past a deadline. */
const shiftedClock = (offsetMs: number) =>
  Effect.map(
    Clock.clockWith(Effect.succeed),
    (base): Clock.Clock => ({
      ...base,
      currentTimeMillisUnsafe: () => base.currentTimeMillisUnsafe() + offsetMs,
      currentTimeMillis: Effect.sync(() => base.currentTimeMillisUnsafe() + offsetMs),
      currentTimeNanosUnsafe: () => base.currentTimeNanosUnsafe() + BigInt(offsetMs) * 1_000_000n,
      currentTimeNanos: Effect.sync(() => base.currentTimeNanosUnsafe() + BigInt(offsetMs) * 1_000_000n)
    })
  )

/** `n` buyers, each a user with an EUR account; the first `funded` get `fundMinor` in one batch. */
const buyers = (source: Account, n: number, funded: number, fundMinor: bigint) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const made = yield* Effect.forEach(
      Array.from({ length: n }, (_, i) => i),
      () =>
        Effect.gen(function* () {
          const ownerId = uuidv7() as OwnerId
          yield* store.createOwner({ id: ownerId, kind: "user", name: "buyer" })
          return { ownerId, account: yield* openAt("EUR", { ownerId }) }
        }),
      { concurrency: 10 }
    )
    for (let i = 0; i < funded; i += 1000) {
      yield* Transfers.createBatch(
        made.slice(i, Math.min(funded, i + 1000)).map((b) => command(source, b.account, fundMinor)),
        null
      )
    }
    return made
  })

interface Sample {
  readonly capacity: number
  readonly held: number
  readonly sold: number
  readonly held_reserved: number
  readonly sold_reserved: number
  readonly holds_minor: bigint
  readonly organizer_pending_credits: bigint
  readonly organizer_posted: bigint
}

/** One statement, so one snapshot: the event's counters against the reservations and the ledger. */
const sample = (eventId: string, organizerId: string) =>
  Effect.flatMap(
    PgClient.PgClient,
    (sql) => sql<Sample>`SELECT e.capacity, e.held, e.sold,
        (SELECT coalesce(sum(quantity), 0) FROM reservations WHERE event_id = e.id AND status = 'held')::int AS held_reserved,
        (SELECT coalesce(sum(quantity), 0) FROM reservations WHERE event_id = e.id AND status = 'confirmed')::int AS sold_reserved,
        (SELECT coalesce(sum(t.amount), 0) FROM reservations r JOIN transfers t ON t.id = r.hold_transfer_id
          WHERE r.event_id = e.id AND t.status = 'pending')::int8 AS holds_minor,
        a.pending_credits AS organizer_pending_credits, a.posted AS organizer_posted
      FROM ticketed_events e, accounts a WHERE e.id = ${eventId} AND a.id = ${organizerId}`
  ).pipe(Effect.map((rows) => rows[0]!))

const refusalCode = (e: unknown) => (e as TicketingRefused).code

describe("ticketing under concurrency (PostgreSQL)", () => {
  layer(Live, { excludeTestServices: true, timeout: 240_000 })("ticket rush", (it) => {
    it.effect(
      "1,000 concurrent reservations for 100 seats: exactly 100 taken, seats and funds conserved at every sample",
      () =>
        Effect.gen(function* () {
          const price = 2_500n
          const { eurWorld } = yield* world
          const { event: e, organizer } = yield* event(100, price)
          // 900 can pay, 100 cannot: a refusal for funds must take no seat, a refusal for seats no money
          const crowd = yield* buyers(eurWorld, 1000, 900, 10_000n)
          const violations: Array<string> = []
          let samples = 0
          const check = (s: Sample) => {
            samples++
            const free = s.capacity - s.held - s.sold
            if (free < 0 || s.held < 0 || s.sold < 0) violations.push(`oversold ${JSON.stringify(s)}`)
            if (s.held !== s.held_reserved || s.sold !== s.sold_reserved) violations.push(`seats ${JSON.stringify(s)}`)
            if (s.holds_minor !== BigInt(s.held) * price || s.organizer_pending_credits !== BigInt(s.held) * price) {
              violations.push(`funds held ${JSON.stringify(s, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`)
            }
            if (s.organizer_posted !== BigInt(s.sold) * price) violations.push(`funds sold ${s.organizer_posted}`)
          }
          let running = true
          // the sampler has a connection of its own, so it does not queue behind the rush for the pool
          const samplerDb = yield* Layer.build(
            PgClient.layer({ url: (yield* DatabaseInfo).url, maxConnections: 1, applicationName: "sampler" })
          )
          const sampleNow = sample(e.id, organizer.id).pipe(Effect.provideContext(samplerDb))
          const sampler = yield* Effect.forkChild(
            Effect.gen(function* () {
              while (running) {
                check(yield* sampleNow)
                yield* Effect.sleep("2 millis")
              }
            })
          )
          const startedAt = performance.now()
          const outcomes = yield* Effect.forEach(
            crowd,
            (b, i) =>
              Reservations.reserve(
                { id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: 1 },
                b.ownerId
              ).pipe(
                // every other successful buyer confirms at once, racing the rush
                Effect.tap((r) => (i % 2 === 0 ? Reservations.confirm(r.id, b.ownerId) : Effect.void)),
                Effect.map((r) => ({ ok: true as const, r, b })),
                Effect.catchTag("TicketingRefused", (refusal) =>
                  Effect.succeed({ ok: false as const, code: refusal.code, b })
                )
              ),
            { concurrency: "unbounded" }
          )
          const seconds = (performance.now() - startedAt) / 1000
          running = false
          yield* Fiber.join(sampler)
          check(yield* sample(e.id, organizer.id))
          console.log(
            `ticket rush: 1000 reservations for 100 seats in ${seconds.toFixed(2)} s (${(1000 / seconds).toFixed(0)} reservations/s incl. confirms), ${samples} consistency samples`
          )
          assert.deepStrictEqual(violations, [])
          assert.isAbove(samples, 1)
          const taken = outcomes.filter((o) => o.ok)
          assert.strictEqual(taken.length, 100)
          const seats = Option.getOrThrow(yield* (yield* TicketingStore).getEvent(e.id)).seats
          assert.strictEqual(seats.held + seats.sold, 100)
          const codes = new Set(outcomes.flatMap((o) => (o.ok ? [] : [o.code])))
          assert.isTrue(
            [...codes].every((c) => c === "seats_sold_out" || c === "insufficient_funds"),
            [...codes].join()
          )
          // no payer charged without a seat, none with a seat charged other than the price
          for (const o of outcomes) {
            const [posted, pendingDebits] = yield* balances(o.b.account.id)
            const funded = crowd.indexOf(o.b) < 900 ? 10_000n : 0n
            if (!o.ok) assert.deepStrictEqual([posted, pendingDebits], [funded, 0n])
            else if (o.r.status === "held" && crowd.indexOf(o.b) % 2 === 1) {
              assert.deepStrictEqual([posted, pendingDebits], [funded, price])
            } else assert.deepStrictEqual([posted, pendingDebits], [funded - price, 0n])
          }
          assert.deepStrictEqual(yield* audit, [])
        })
    )
  })

  layer(Live, { excludeTestServices: true, timeout: 240_000 })("deadlines, ratings, cancellation", (it) => {
    it.effect("concurrent retries of one reservation take its seats and its hold once", () =>
      Effect.gen(function* () {
        const { eurWorld } = yield* world
        const { event: e, organizer } = yield* event(10, 1_000n)
        const [b] = yield* buyers(eurWorld, 1, 1, 10_000n)
        const id = rid()
        const all = yield* Effect.forEach(
          [1, 2, 3, 4, 5, 6],
          () => Reservations.reserve({ id, eventId: e.id, payerAccountId: b!.account.id, quantity: 3 }, b!.ownerId),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(new Set(all.map((r) => r.holdTransferId)).size, 1)
        assert.deepStrictEqual(Option.getOrThrow(yield* (yield* TicketingStore).getEvent(e.id)).seats, {
          capacity: 10,
          held: 3,
          sold: 0
        })
        assert.deepStrictEqual(yield* balances(b!.account.id), [10_000n, 3_000n, 0n])
        assert.deepStrictEqual(yield* balances(organizer.id), [0n, 0n, 3_000n])
        assert.deepStrictEqual(yield* audit, [])
      })
    )

    it.effect("expiry racing confirm leaves exactly one outcome per reservation", () =>
      Effect.gen(function* () {
        const price = 1_000n
        const { eurWorld } = yield* world
        const { event: e, organizer } = yield* event(60, price)
        const crowd = yield* buyers(eurWorld, 40, 40, 5_000n)
        const rs = yield* Effect.forEach(crowd, (b) =>
          Reservations.reserve({ id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: 1 }, b.ownerId)
        )
        const limits = yield* TicketingLimits
        const pastDeadline = yield* shiftedClock((limits.ttlSeconds + 1) * 1000)
        const expirer = Reservations.expireDue().pipe(Effect.provideService(Clock.Clock, pastDeadline))
        // the expiry job works from the oldest deadline forwards, the confirms from the newest backwards: they meet
        // somewhere in the middle, where both go for the same reservations
        const expirers = yield* Effect.forkChild(Effect.all([expirer, expirer, expirer], { concurrency: "unbounded" }))
        const backwards = yield* Effect.forEach(
          [...rs].reverse(),
          (r) =>
            Reservations.confirm(r.id, null).pipe(
              Effect.as("confirmed"),
              Effect.catchTag("TicketingRefused", (x) => Effect.succeed(x.code))
            ),
          { concurrency: 2 }
        )
        const results = [backwards.reverse(), yield* Fiber.join(expirers)] as const
        const [confirms, expiredCounts] = results
        const confirmed = confirms.filter((c) => c === "confirmed").length
        // the job may also expire other tests' reservations in this database: count this test's from their rows
        const statuses = yield* Effect.forEach(rs, (r) =>
          Effect.map(Reservations.get(r.id, null), (x) => x.reservation.status)
        )
        const expired = statuses.filter((x) => x === "expired").length
        console.log(`expiry race: ${confirmed} confirmed, ${expired} expired of ${rs.length}`)
        assert.strictEqual(confirmed + expired, rs.length, `${confirmed} confirmed + ${expired} expired`)
        assert.isAtLeast(
          expiredCounts.reduce((a, b) => a + b, 0),
          expired
        )
        assert.isTrue(confirms.every((c) => c === "confirmed" || c === "reservation_expired"))
        const ledger = yield* LedgerStore
        for (const [i, r] of rs.entries()) {
          const { reservation } = yield* Reservations.get(r.id, null)
          const [hold] = yield* ledger.getTransfers([r.holdTransferId], null)
          if (confirms[i] === "confirmed") {
            assert.strictEqual(reservation.status, "confirmed")
            assert.strictEqual(hold?.status, "posted")
          } else {
            assert.strictEqual(reservation.status, "expired")
            assert.strictEqual(hold?.status, "expired")
          }
        }
        assert.deepStrictEqual(Option.getOrThrow(yield* (yield* TicketingStore).getEvent(e.id)).seats, {
          capacity: 60,
          held: 0,
          sold: confirmed
        })
        assert.deepStrictEqual(yield* balances(organizer.id), [BigInt(confirmed) * price, 0n, 0n])
        assert.strictEqual(yield* expirer, 0, "running the job again changes nothing")
        assert.deepStrictEqual(yield* audit, [])
      })
    )

    it.effect("concurrent ratings and changes: histogram = recount of the latest per user = rebuild", () =>
      Effect.gen(function* () {
        const { eurWorld } = yield* world
        const { event: e } = yield* event(50, 100n)
        const crowd = yield* buyers(eurWorld, 30, 30, 1_000n)
        yield* Effect.forEach(
          crowd,
          (b) =>
            Effect.flatMap(
              Reservations.reserve({ id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: 1 }, b.ownerId),
              (r) => Reservations.confirm(r.id, b.ownerId)
            ),
          { concurrency: 10 }
        )
        // every holder rates five times (changing their mind), all at once
        const votes = crowd.flatMap((b, i) =>
          [0, 1, 2, 3, 4].map((k) => ({ userId: b.ownerId, value: ((i * 7 + k * 3) % 5) + 1 }))
        )
        yield* Effect.forEach(votes, (v) => Ratings.rate({ eventId: e.id, ...v }), { concurrency: "unbounded" })
        const store = yield* TicketingStore
        const events = yield* store.ratingEvents(e.id)
        assert.strictEqual(events.length, votes.length)
        const latest = new Map<string, number>()
        for (const x of events) latest.set(x.userId, x.value)
        const expected = recount([...latest.values()] as Array<1 | 2 | 3 | 4 | 5>)
        assert.strictEqual(
          expected.counts.reduce((a, b) => a + b, 0n),
          30n
        )
        assert.deepStrictEqual(yield* store.getHistogram(e.id), expected)
        assert.deepStrictEqual(fold(events), expected)
        const rebuilt = yield* Ratings.rebuildEvent(e.id)
        assert.deepStrictEqual(rebuilt.before, expected)
        assert.deepStrictEqual(rebuilt.after, expected)
        // the events table is append-only: the database refuses a change and nothing moves
        const sql = yield* PgClient.PgClient
        const refused = yield* Effect.flip(sql`UPDATE rating_events SET value = 1 WHERE event_id = ${e.id}`)
        assert.strictEqual(refused._tag, "SqlError")
        assert.deepStrictEqual(yield* store.ratingEvents(e.id), events)
      })
    )

    it.effect("event cancellation retried concurrently refunds every confirmed reservation exactly once", () =>
      Effect.gen(function* () {
        const price = 1_500n
        const { eurWorld } = yield* world
        const { event: e, organizer, organizerOwner } = yield* event(80, price)
        const crowd = yield* buyers(eurWorld, 30, 30, 10_000n)
        const rs = yield* Effect.forEach(
          crowd,
          (b) =>
            Reservations.reserve({ id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: 2 }, b.ownerId),
          { concurrency: 10 }
        )
        yield* Effect.forEach(rs.slice(0, 20), (r) => Reservations.confirm(r.id, null), { concurrency: 10 })
        assert.deepStrictEqual(yield* balances(organizer.id), [20n * 2n * price, 0n, 10n * 2n * price])
        const runs = yield* Effect.all(
          [Events.cancel(e.id, organizerOwner), Events.cancel(e.id, null), Events.cancel(e.id, organizerOwner)],
          { concurrency: "unbounded" }
        )
        assert.strictEqual(
          runs.reduce((n, r) => n + r.refunded, 0),
          20
        )
        assert.strictEqual(
          runs.reduce((n, r) => n + r.voided, 0),
          10
        )
        assert.deepStrictEqual(yield* Events.cancel(e.id, null), { voided: 0, refunded: 0, refundsRefused: [] })
        for (const b of crowd) assert.deepStrictEqual(yield* balances(b.account.id), [10_000n, 0n, 0n])
        assert.deepStrictEqual(yield* balances(organizer.id), [0n, 0n, 0n])
        const refunds = yield* (yield* LedgerStore).getTransfers(
          rs.map((r) => r.refundTransferId),
          null
        )
        assert.strictEqual(refunds.filter((t) => t.status === "posted").length, 20)
        const stranger = yield* owner("stranger")
        assert.strictEqual(refusalCode(yield* Effect.flip(Events.cancel(e.id, stranger))), "not_event_organizer")
        assert.deepStrictEqual(yield* audit, [])
      })
    )
  })
})
