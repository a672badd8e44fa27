// The ticketing use cases against a TicketingStore (+ its LedgerStore): run unchanged in memory and on PostgreSQL.
import { assert, type Vitest } from "@effect/vitest"
import type { Account, AccountId, OwnerId } from "@tally/domain/Account"
import type { CurrencyCode } from "@tally/domain/Money"
import type { Ids } from "@tally/domain/ports/Ids"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { TicketCodes } from "@tally/domain/ports/TicketCodes"
import { TicketingStore } from "@tally/domain/ports/TicketingStore"
import type { EventId } from "@tally/domain/ticketing/Event"
import { payerAmountMinor } from "@tally/domain/ticketing/Price"
import { fold, recount, summarize } from "@tally/domain/ticketing/Rating"
import type { ReservationId } from "@tally/domain/ticketing/Reservation"
import * as Events from "@tally/domain/usecases/Events"
import * as Ratings from "@tally/domain/usecases/Ratings"
import * as Reservations from "@tally/domain/usecases/Reservations"
import { TicketingLimits, type TicketingRefused } from "@tally/domain/usecases/Ticketing"
import * as Tickets from "@tally/domain/usecases/Tickets"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { DateTime, Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import { uuidv7 } from "../../src/Uuid.ts"
import { audit, command, openAt, world } from "./LedgerContract.ts"

export type TicketingServices = TicketingStore | LedgerStore | Ids | TicketCodes
type It = Vitest.MethodsNonLive<TicketingServices>

const cc = (c: string) => c as CurrencyCode
const rid = () => uuidv7() as ReservationId

export const balances = (id: AccountId) =>
  Effect.gen(function* () {
    const account = Option.getOrThrow(yield* (yield* LedgerStore).getAccount(id))
    return [account.postedMinor, account.pendingDebitsMinor, account.pendingCreditsMinor]
  })

export const owner = (name: string) =>
  Effect.gen(function* () {
    const id = uuidv7() as OwnerId
    yield* (yield* LedgerStore).createOwner({ id, kind: "user", name })
    return id
  })

/** A user with an account in `currency` funded with `fundedMinor` from that currency's world account. */
export const buyer = (source: Account, fundedMinor: bigint, currency = "EUR") =>
  Effect.gen(function* () {
    const ownerId = yield* owner("buyer")
    const account = yield* openAt(currency, { ownerId })
    if (fundedMinor > 0n) yield* Transfers.create(command(source, account, fundedMinor), null)
    return { ownerId, account }
  })

/** An event starting in 30 days, organized by a fresh owner's EUR account. */
export const event = (capacity: number, priceMinor = 2_500n) =>
  Effect.gen(function* () {
    const organizerOwner = yield* owner("organizer")
    const organizer = yield* openAt("EUR", { ownerId: organizerOwner })
    const now = yield* DateTime.now
    const created = yield* Events.create(
      {
        id: uuidv7() as EventId,
        organizerAccountId: organizer.id,
        title: "  Effect Days  ",
        startsAt: DateTime.add(now, { days: 30 }),
        capacity,
        priceMinor
      },
      organizerOwner
    )
    return { event: created, organizer, organizerOwner }
  })

export const seats = (id: EventId) =>
  Effect.gen(function* () {
    return Option.getOrThrow(yield* (yield* TicketingStore).getEvent(id)).seats
  })

const code = <R>(effect: Effect.Effect<unknown, unknown, R>) =>
  Effect.map(Effect.flip(effect), (e) => (e as TicketingRefused).code)

export const ticketingContract = (it: It) => {
  it.effect("creates an event in the organizer account's currency, with every seat free", () =>
    Effect.gen(function* () {
      const { event: e, organizer } = yield* event(50)
      assert.strictEqual(e.title, "Effect Days")
      assert.strictEqual(e.currency, "EUR")
      assert.strictEqual(e.organizerAccountId, organizer.id)
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 50, held: 0, sold: 0 })
      const stranger = yield* owner("stranger")
      const now = yield* DateTime.now
      const refused = yield* code(
        Events.create(
          {
            id: uuidv7() as EventId,
            organizerAccountId: organizer.id,
            title: "x",
            startsAt: now,
            capacity: 1,
            priceMinor: 1n
          },
          stranger
        )
      )
      assert.strictEqual(refused, "organizer_account_not_found")
    })
  )

  it.effect("lists events by start time, page by page, filtered by organizer and upcoming", () =>
    Effect.gen(function* () {
      const organizerOwner = yield* owner("organizer")
      const organizer = yield* openAt("EUR", { ownerId: organizerOwner })
      const now = yield* DateTime.now
      const made = []
      for (const hours of [5, 1, 3, 2, 4]) {
        made.push(
          yield* Events.create(
            {
              id: uuidv7() as EventId,
              organizerAccountId: organizer.id,
              title: `in ${hours} h`,
              startsAt: DateTime.add(now, { hours }),
              capacity: 10,
              priceMinor: 100n
            },
            organizerOwner
          )
        )
      }
      yield* Events.cancel(made[3]!.id, organizerOwner) // the one in 2 h
      const titles = (page: { items: ReadonlyArray<{ title: string }> }) => page.items.map((e) => e.title)
      const all = { organizerAccountId: organizer.id, upcoming: false, limit: 2 }
      const p1 = yield* Events.list({ ...all, cursor: null })
      const p2 = yield* Events.list({ ...all, cursor: p1.nextCursor })
      const p3 = yield* Events.list({ ...all, cursor: p2.nextCursor })
      assert.deepStrictEqual(
        [titles(p1), titles(p2), titles(p3)],
        [["in 1 h", "in 2 h"], ["in 3 h", "in 4 h"], ["in 5 h"]]
      )
      assert.isNull(p3.nextCursor)
      yield* TestClock.adjust("90 minutes")
      const upcoming = yield* Events.list({ ...all, upcoming: true, limit: 10, cursor: null })
      assert.deepStrictEqual(titles(upcoming), ["in 3 h", "in 4 h", "in 5 h"])
      const bad = yield* Effect.flip(Events.list({ ...all, cursor: "bm90LWEtY3Vyc29y" }))
      assert.strictEqual(bad._tag, "InvalidCursor")
    })
  )

  it.effect("the organizer changes an event; capacity never below what is taken; nobody else may", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e, organizerOwner } = yield* event(10)
      const b = yield* buyer(eurWorld, 100_000n)
      yield* Reservations.reserve({ id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: 4 }, b.ownerId)
      const changed = yield* Events.update(
        e.id,
        { title: "Effect Days II", capacity: 4, priceMinor: 3_000n },
        organizerOwner
      )
      assert.strictEqual(changed.title, "Effect Days II")
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 4, held: 4, sold: 0 })
      assert.strictEqual((yield* Events.get(e.id)).priceMinor, 3_000n)
      assert.strictEqual(yield* code(Events.update(e.id, { capacity: 3 }, organizerOwner)), "capacity_below_taken")
      assert.strictEqual(yield* code(Events.update(e.id, { title: " " }, organizerOwner)), "invalid_event_title")
      assert.strictEqual(yield* code(Events.update(e.id, { capacity: 20 }, b.ownerId)), "not_event_organizer")
      yield* Events.update(e.id, { capacity: 20 }, null)
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 20, held: 4, sold: 0 })
      yield* Events.cancel(e.id, null)
      assert.strictEqual(yield* code(Events.update(e.id, { capacity: 30 }, null)), "event_cancelled")
    })
  )

  it.effect("a ticket verifies by its code while its reservation stands, and not after a refund", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e } = yield* event(10)
      const b = yield* buyer(eurWorld, 100_000n)
      const r = yield* Reservations.reserve(
        { id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: 1 },
        b.ownerId
      )
      const { tickets } = yield* Reservations.confirm(r.id, b.ownerId)
      const ticket = tickets[0]!
      assert.deepStrictEqual(yield* Tickets.verify(ticket.verificationCode), { ticket, valid: true })
      yield* Events.cancel(e.id, null)
      assert.isFalse((yield* Tickets.verify(ticket.verificationCode)).valid)
      assert.strictEqual(yield* code(Tickets.verify("NOPE-NOPE-NOPE-NOPE")), "ticket_not_found")
    })
  )

  it.effect("a reservation takes the seats and holds price × quantity on the payer, in one step", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e, organizer } = yield* event(10)
      const { ownerId, account } = yield* buyer(eurWorld, 10_000n)
      const r = yield* Reservations.reserve(
        { id: rid(), eventId: e.id, payerAccountId: account.id, quantity: 3 },
        ownerId
      )
      assert.strictEqual(r.status, "held")
      assert.strictEqual(r.amountMinor, 7_500n)
      assert.strictEqual(r.holderId, ownerId)
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 3, sold: 0 })
      assert.deepStrictEqual(yield* balances(account.id), [10_000n, 7_500n, 0n])
      assert.deepStrictEqual(yield* balances(organizer.id), [0n, 0n, 7_500n])
      const [hold] = yield* (yield* LedgerStore).getTransfers([r.holdTransferId], null)
      assert.strictEqual(hold?.status, "pending")
      assert.strictEqual(
        hold?.expiresAt?.epochMilliseconds,
        r.expiresAt.epochMilliseconds,
        "the hold expires with the reservation"
      )
      // the same request again (a retry) returns the stored reservation and takes nothing more
      const again = yield* Reservations.reserve(
        { id: r.id, eventId: e.id, payerAccountId: account.id, quantity: 3 },
        ownerId
      )
      assert.strictEqual(again.holdTransferId, r.holdTransferId)
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 3, sold: 0 })
      const reused = yield* code(
        Reservations.reserve({ id: r.id, eventId: e.id, payerAccountId: account.id, quantity: 2 }, ownerId)
      )
      assert.strictEqual(reused, "reservation_id_reused")
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("insufficient funds, no seats, another's account, over the cap: refused with a code, nothing taken", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e } = yield* event(4)
      const poor = yield* buyer(eurWorld, 2_499n)
      const rich = yield* buyer(eurWorld, 1_000_000n)
      const reserve = (who: { ownerId: OwnerId; account: Account }, quantity: number, viewer = who.ownerId) =>
        Reservations.reserve({ id: rid(), eventId: e.id, payerAccountId: who.account.id, quantity }, viewer)
      assert.strictEqual(yield* code(reserve(poor, 1)), "insufficient_funds")
      assert.deepStrictEqual(yield* balances(poor.account.id), [2_499n, 0n, 0n])
      assert.strictEqual(yield* code(reserve(rich, 5)), "quantity_exceeds_capacity")
      assert.strictEqual(yield* code(reserve(rich, 0)), "quantity_must_be_positive")
      assert.strictEqual(yield* code(reserve(rich, 1, poor.ownerId)), "payer_account_not_found")
      yield* reserve(rich, 3)
      assert.strictEqual(yield* code(reserve(rich, 2)), "seats_sold_out")
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 4, held: 3, sold: 0 })
      assert.deepStrictEqual(yield* balances(rich.account.id), [1_000_000n, 7_500n, 0n])
      // the cap counts seats held at once across events
      const { event: other } = yield* event(100)
      const capped = Reservations.reserve(
        { id: rid(), eventId: other.id, payerAccountId: rich.account.id, quantity: 2 },
        rich.ownerId
      ).pipe(Effect.provideService(TicketingLimits, { ttlSeconds: 900, seatsHeldMax: 4, expireBatchMax: 10 }))
      assert.strictEqual(yield* code(capped), "seats_held_limit_exceeded")
      assert.deepStrictEqual(yield* seats(other.id), { capacity: 100, held: 0, sold: 0 })
      assert.deepStrictEqual(yield* balances(rich.account.id), [1_000_000n, 7_500n, 0n])
      assert.strictEqual(yield* (yield* TicketingStore).seatsHeld(rich.ownerId), 3)
      const missing = yield* code(
        Reservations.reserve(
          { id: rid(), eventId: uuidv7() as EventId, payerAccountId: rich.account.id, quantity: 1 },
          rich.ownerId
        )
      )
      assert.strictEqual(missing, "event_not_found")
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("the per-user cap counts every held seat up to the limit exactly, and frees them on confirm", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e } = yield* event(100, 10n)
      const b = yield* buyer(eurWorld, 100_000n)
      const limits = { ttlSeconds: 900, seatsHeldMax: 12, expireBatchMax: 10 }
      const reserve = (quantity: number) =>
        Reservations.reserve({ id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity }, b.ownerId).pipe(
          Effect.provideService(TicketingLimits, limits)
        )
      const first = yield* reserve(3)
      yield* reserve(9)
      assert.strictEqual(yield* code(reserve(1)), "seats_held_limit_exceeded")
      assert.strictEqual(yield* code(reserve(13)), "seats_held_limit_exceeded")
      yield* Reservations.confirm(first.id, b.ownerId)
      yield* reserve(3)
      assert.strictEqual(yield* (yield* TicketingStore).seatsHeld(b.ownerId), 12)
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 100, held: 12, sold: 3 })
    })
  )

  it.effect("a payer in another currency pays the converted price; the organizer gets at least the price", () =>
    Effect.gen(function* () {
      const { usdWorld } = yield* world
      const { event: e, organizer } = yield* event(10, 1_999n)
      const { ownerId, account } = yield* buyer(usdWorld, 100_000n, "USD")
      const quote = Option.getOrThrow(yield* (yield* LedgerStore).fxQuote(cc("USD"), cc("EUR")))
      const r = yield* Reservations.reserve(
        { id: rid(), eventId: e.id, payerAccountId: account.id, quantity: 2 },
        ownerId
      )
      assert.strictEqual(r.amountMinor, payerAmountMinor(3_998n, cc("USD"), cc("EUR"), quote.rate))
      const [, , pendingCredits] = yield* balances(organizer.id)
      assert.isTrue(pendingCredits! >= 3_998n)
      yield* Reservations.confirm(r.id, ownerId)
      const [posted] = yield* balances(organizer.id)
      assert.isTrue(posted! >= 3_998n)
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("confirm posts the hold and issues one ticket per seat; a retry returns the same tickets", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e, organizer } = yield* event(10)
      const { ownerId, account } = yield* buyer(eurWorld, 10_000n)
      const r = yield* Reservations.reserve(
        { id: rid(), eventId: e.id, payerAccountId: account.id, quantity: 2 },
        ownerId
      )
      const stranger = yield* owner("stranger")
      assert.strictEqual(yield* code(Reservations.confirm(r.id, stranger)), "reservation_not_found")
      const { reservation, tickets } = yield* Reservations.confirm(r.id, ownerId)
      assert.strictEqual(reservation.status, "confirmed")
      assert.deepStrictEqual(
        tickets.map((t) => t.seat),
        [1, 2]
      )
      assert.strictEqual(new Set(tickets.map((t) => t.verificationCode)).size, 2)
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 0, sold: 2 })
      assert.deepStrictEqual(yield* balances(account.id), [5_000n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(organizer.id), [5_000n, 0n, 0n])
      const again = yield* Reservations.confirm(r.id, ownerId)
      assert.deepStrictEqual(
        again.tickets.map((t) => t.id),
        tickets.map((t) => t.id)
      )
      assert.strictEqual(yield* code(Reservations.cancel(r.id, ownerId)), "reservation_already_confirmed")
      assert.strictEqual(yield* (yield* TicketingStore).seatsHeld(ownerId), 0)
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("cancel voids the hold and frees the seats", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e, organizer } = yield* event(10)
      const { ownerId, account } = yield* buyer(eurWorld, 10_000n)
      const r = yield* Reservations.reserve(
        { id: rid(), eventId: e.id, payerAccountId: account.id, quantity: 4 },
        ownerId
      )
      const cancelled = yield* Reservations.cancel(r.id, ownerId)
      assert.strictEqual(cancelled.status, "cancelled")
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 0, sold: 0 })
      assert.deepStrictEqual(yield* balances(account.id), [10_000n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(organizer.id), [0n, 0n, 0n])
      assert.strictEqual(yield* code(Reservations.cancel(r.id, ownerId)), "reservation_already_cancelled")
      assert.strictEqual(yield* code(Reservations.confirm(r.id, ownerId)), "reservation_already_cancelled")
      const [hold] = yield* (yield* LedgerStore).getTransfers([r.holdTransferId], null)
      assert.strictEqual(hold?.status, "voided")
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("expiry (TestClock): past the TTL voided and freed, confirmed untouched, twice = no change", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e } = yield* event(10)
      const a = yield* buyer(eurWorld, 10_000n)
      const b = yield* buyer(eurWorld, 10_000n)
      const limits = yield* TicketingLimits
      const ra = yield* Reservations.reserve(
        { id: rid(), eventId: e.id, payerAccountId: a.account.id, quantity: 2 },
        null
      )
      const rb = yield* Reservations.reserve(
        { id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: 3 },
        null
      )
      yield* Reservations.confirm(rb.id, null)
      yield* TestClock.adjust(`${limits.ttlSeconds - 1} seconds`)
      assert.strictEqual(yield* Reservations.expireDue(), 0, "not due one second before the deadline")
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 2, sold: 3 })
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* code(Reservations.confirm(ra.id, null)), "reservation_expired")
      // other tests' reservations in the same store may be due as well
      assert.isAtLeast(yield* Reservations.expireDue(), 1)
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 0, sold: 3 })
      assert.deepStrictEqual(yield* balances(a.account.id), [10_000n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(b.account.id), [2_500n, 0n, 0n])
      const stored = yield* Reservations.get(ra.id, null)
      assert.strictEqual(stored.reservation.status, "expired")
      assert.strictEqual((yield* Reservations.get(rb.id, null)).reservation.status, "confirmed")
      assert.strictEqual(yield* Reservations.expireDue(), 0, "a second run changes nothing")
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 10, held: 0, sold: 3 })
      assert.strictEqual(yield* (yield* TicketingStore).seatsHeld(a.ownerId), 0)
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("a hold the ledger's own expiry got to first still frees the reservation's seats", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e } = yield* event(5)
      const a = yield* buyer(eurWorld, 10_000n)
      const limits = yield* TicketingLimits
      const r = yield* Reservations.reserve(
        { id: rid(), eventId: e.id, payerAccountId: a.account.id, quantity: 1 },
        null
      )
      yield* TestClock.adjust(`${limits.ttlSeconds} seconds`)
      assert.isAtLeast(yield* Transfers.expireDue(1000), 1)
      assert.isAtLeast(yield* Reservations.expireDue(), 1)
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 5, held: 0, sold: 0 })
      assert.strictEqual((yield* Reservations.get(r.id, null)).reservation.status, "expired")
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("event cancellation voids open holds and refunds confirmed tickets exactly once, also when retried", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e, organizer, organizerOwner } = yield* event(20)
      const buyers = []
      for (let i = 0; i < 4; i++) buyers.push(yield* buyer(eurWorld, 10_000n))
      const rs = []
      for (const [i, b] of buyers.entries()) {
        rs.push(
          yield* Reservations.reserve(
            { id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: i + 1 },
            b.ownerId
          )
        )
      }
      yield* Reservations.confirm(rs[0]!.id, null)
      yield* Reservations.confirm(rs[1]!.id, null)
      assert.deepStrictEqual(yield* balances(organizer.id), [7_500n, 0n, 17_500n])
      const stranger = yield* owner("stranger")
      assert.strictEqual(yield* code(Events.cancel(e.id, stranger)), "not_event_organizer")
      // a crash after the first refund: that one is settled, the rest still open
      yield* (yield* TicketingStore).transact((yield* TicketingStore).markEventCancelled(e.id, new Date()))
      yield* Reservations.settleForCancelledEvent(rs[0]!.id)
      const first = yield* Events.cancel(e.id, organizerOwner)
      assert.deepStrictEqual(first, { voided: 2, refunded: 1, refundsRefused: [] })
      const retry = yield* Events.cancel(e.id, organizerOwner)
      assert.deepStrictEqual(retry, { voided: 0, refunded: 0, refundsRefused: [] })
      for (const b of buyers) assert.deepStrictEqual(yield* balances(b.account.id), [10_000n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(organizer.id), [0n, 0n, 0n])
      assert.deepStrictEqual(yield* seats(e.id), { capacity: 20, held: 0, sold: 0 })
      const refunds = yield* (yield* LedgerStore).getTransfers(
        rs.map((r) => r.refundTransferId),
        null
      )
      assert.deepStrictEqual(refunds.map((t) => t.status).sort(), ["posted", "posted"])
      assert.strictEqual(
        yield* code(
          Reservations.reserve(
            { id: rid(), eventId: e.id, payerAccountId: buyers[0]!.account.id, quantity: 1 },
            buyers[0]!.ownerId
          )
        ),
        "event_cancelled"
      )
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("a refund the ledger refuses is reported and paid exactly once by a later retry", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e, organizer, organizerOwner } = yield* event(10)
      const b = yield* buyer(eurWorld, 10_000n)
      const r = yield* Reservations.reserve(
        { id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: 2 },
        b.ownerId
      )
      yield* Reservations.confirm(r.id, b.ownerId)
      // the organizer spends the takings before cancelling
      const elsewhere = yield* openAt("EUR")
      yield* Transfers.create(command(organizer, elsewhere, 4_000n), null)
      const first = yield* Events.cancel(e.id, organizerOwner)
      assert.deepStrictEqual(first, { voided: 0, refunded: 0, refundsRefused: [r.id] })
      assert.strictEqual((yield* Reservations.get(r.id, null)).reservation.status, "confirmed")
      assert.deepStrictEqual(yield* balances(b.account.id), [5_000n, 0n, 0n])
      yield* Transfers.create(command(eurWorld, organizer, 4_000n), null)
      assert.deepStrictEqual(yield* Events.cancel(e.id, organizerOwner), { voided: 0, refunded: 1, refundsRefused: [] })
      assert.deepStrictEqual(yield* Events.cancel(e.id, organizerOwner), { voided: 0, refunded: 0, refundsRefused: [] })
      assert.deepStrictEqual(yield* balances(b.account.id), [10_000n, 0n, 0n])
      assert.deepStrictEqual(yield* balances(organizer.id), [0n, 0n, 0n])
      assert.deepStrictEqual(yield* audit, [])
    })
  )

  it.effect("ratings: only ticket holders, one current rating per user, histogram = recount = rebuild", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const { event: e } = yield* event(20, 100n)
      const holders = []
      for (let i = 0; i < 3; i++) {
        const b = yield* buyer(eurWorld, 1_000n)
        const r = yield* Reservations.reserve(
          { id: rid(), eventId: e.id, payerAccountId: b.account.id, quantity: 1 },
          null
        )
        yield* Reservations.confirm(r.id, null)
        holders.push(b.ownerId)
      }
      const outsider = yield* buyer(eurWorld, 1_000n)
      assert.strictEqual(
        yield* code(Ratings.rate({ eventId: e.id, userId: outsider.ownerId, value: 5 })),
        "not_a_ticket_holder"
      )
      assert.strictEqual(
        yield* code(Ratings.rate({ eventId: e.id, userId: holders[0]!, value: 6 })),
        "rating_out_of_range"
      )
      yield* Ratings.rate({ eventId: e.id, userId: holders[0]!, value: 5 })
      yield* Ratings.rate({ eventId: e.id, userId: holders[1]!, value: 2 })
      yield* Ratings.rate({ eventId: e.id, userId: holders[2]!, value: 4 })
      const changed = yield* Ratings.rate({ eventId: e.id, userId: holders[1]!, value: 3 })
      assert.deepStrictEqual(changed, summarize(recount([5, 3, 4])))
      assert.strictEqual(changed.averageHundredths, 400n)
      assert.strictEqual(changed.medianHundredths, 400n)
      assert.strictEqual(changed.stddevHundredths, 82n)
      const store = yield* TicketingStore
      const events = yield* store.ratingEvents(e.id)
      assert.strictEqual(events.length, 4, "a change is appended, not overwritten")
      assert.deepStrictEqual(yield* store.getHistogram(e.id), fold(events))
      // a damaged read model is repaired by the replay
      yield* store.saveHistogram(e.id, { counts: [9n, 9n, 9n, 9n, 9n] })
      const rebuilt = yield* Ratings.rebuild()
      const mine = rebuilt.find((r) => r.eventId === e.id)
      assert.deepStrictEqual(mine?.after, fold(events))
      assert.deepStrictEqual(yield* Ratings.get(e.id), changed)
    })
  )
}
