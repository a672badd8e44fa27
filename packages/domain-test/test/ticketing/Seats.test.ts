import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { AccountId } from "../../../domain/src/Account.ts"
import { TransferId } from "../../../domain/src/Transfer.ts"
import { changeSeats, free, isConsistent, type Seats } from "../../../domain/src/ticketing/Event.ts"
import {
  decide,
  expiresAtFor,
  type Reservation,
  type ReservationAction,
  ReservationId
} from "../../../domain/src/ticketing/Reservation.ts"
import { later, now, uuid } from "../fixtures.ts"

const reservation = (n: number, quantity: number, at = now, ttlSeconds = 900): Reservation => ({
  id: ReservationId.make(uuid(5_000_000 + n)),
  eventId: uuid(1) as Reservation["eventId"],
  payerAccountId: AccountId.make(uuid(2)),
  holderId: uuid(3),
  quantity,
  amountMinor: 100n * BigInt(quantity),
  holdTransferId: TransferId.make(uuid(6_000_000 + n)),
  refundTransferId: TransferId.make(uuid(7_000_000 + n)),
  status: "held",
  expiresAt: expiresAtFor(at, ttlSeconds),
  createdAt: at,
  updatedAt: at
})

describe("seat accounting", () => {
  it("holds only what is free, and refuses anything that would oversell or go negative", () => {
    const seats: Seats = { capacity: 10, held: 3, sold: 5 }
    assert.deepStrictEqual(changeSeats(seats, { _tag: "hold", quantity: 2 }), { capacity: 10, held: 5, sold: 5 })
    assert.isUndefined(changeSeats(seats, { _tag: "hold", quantity: 3 }))
    assert.isUndefined(changeSeats(seats, { _tag: "hold", quantity: 0 }))
    assert.isUndefined(changeSeats(seats, { _tag: "hold", quantity: 1.5 }))
    assert.isUndefined(changeSeats(seats, { _tag: "confirm", quantity: 4 }))
    assert.isUndefined(changeSeats(seats, { _tag: "release", quantity: 4 }))
    assert.isUndefined(changeSeats(seats, { _tag: "refund", quantity: 6 }))
    assert.deepStrictEqual(changeSeats(seats, { _tag: "confirm", quantity: 3 }), { capacity: 10, held: 0, sold: 8 })
    assert.strictEqual(free(seats), 2)
  })

  it("conserves seats under any sequence of reserve / confirm / cancel / expire / refund", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("reserve" as const), quantity: fc.integer({ min: -1, max: 6 }) }),
      fc.record({
        kind: fc.constantFrom<ReservationAction>("confirm", "cancel", "expire", "refund"),
        which: fc.nat(50)
      }),
      fc.record({ kind: fc.constant("tick" as const), seconds: fc.integer({ min: 1, max: 600 }) })
    )
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(op, { maxLength: 80 }), (capacity, ops) => {
        let seats: Seats = { capacity, held: 0, sold: 0 }
        let clock = now
        const reservations: Array<Reservation> = []
        for (const o of ops) {
          if (o.kind === "tick") {
            clock = later(o.seconds, clock)
          } else if (o.kind === "reserve") {
            const next = changeSeats(seats, { _tag: "hold", quantity: o.quantity })
            if (next === undefined) {
              // refused: exactly when it would oversell or the quantity is not positive
              assert.isTrue(o.quantity < 1 || o.quantity > free(seats))
            } else {
              seats = next
              reservations.push(reservation(reservations.length, o.quantity, clock))
            }
          } else if (reservations.length > 0) {
            const i = o.which % reservations.length
            const decision = decide(reservations[i], o.kind, clock)
            if (decision._tag === "Applied") {
              const next = changeSeats(seats, decision.seats)
              assert.isDefined(next, "an allowed transition always has the seats it moves")
              seats = next!
              reservations[i] = decision.reservation
            }
          }
          assert.isTrue(isConsistent(seats))
          assert.strictEqual(free(seats) + seats.held + seats.sold, capacity)
          const sum = (status: Reservation["status"]) =>
            reservations.filter((r) => r.status === status).reduce((n, r) => n + r.quantity, 0)
          assert.strictEqual(seats.held, sum("held"))
          assert.strictEqual(seats.sold, sum("confirmed"))
        }
      }),
      { numRuns: 300 }
    )
  })
})

describe("reservation state machine", () => {
  const r = reservation(1, 2)
  const beforeDeadline = later(899)
  const atDeadline = later(900)

  it("confirms or cancels before the deadline, expires only at or after it", () => {
    assert.strictEqual(decide(r, "confirm", beforeDeadline)._tag, "Applied")
    assert.strictEqual(decide(r, "cancel", beforeDeadline)._tag, "Applied")
    assert.deepStrictEqual(decide(r, "confirm", atDeadline), { _tag: "Refused", code: "reservation_expired" })
    assert.deepStrictEqual(decide(r, "cancel", atDeadline), { _tag: "Refused", code: "reservation_expired" })
    assert.deepStrictEqual(decide(r, "expire", beforeDeadline), { _tag: "Refused", code: "reservation_not_expired" })
    const expired = decide(r, "expire", atDeadline)
    assert.strictEqual(expired._tag === "Applied" && expired.reservation.status, "expired")
  })

  it("an event's cancellation voids a held reservation whatever its deadline", () => {
    assert.strictEqual(decide(r, "cancel", atDeadline, true)._tag, "Applied")
  })

  it("every terminal state refuses with its own code; only confirmed can be refunded", () => {
    const confirmed = { ...r, status: "confirmed" as const }
    assert.deepStrictEqual(decide(confirmed, "confirm", beforeDeadline), {
      _tag: "Refused",
      code: "reservation_already_confirmed"
    })
    assert.strictEqual(decide(confirmed, "refund", atDeadline)._tag, "Applied")
    assert.deepStrictEqual(decide(r, "refund", beforeDeadline), { _tag: "Refused", code: "reservation_expired" })
    assert.deepStrictEqual(decide({ ...r, status: "cancelled" }, "confirm", beforeDeadline), {
      _tag: "Refused",
      code: "reservation_already_cancelled"
    })
    assert.deepStrictEqual(decide({ ...r, status: "refunded" }, "refund", beforeDeadline), {
      _tag: "Refused",
      code: "reservation_already_refunded"
    })
    assert.deepStrictEqual(decide(undefined, "confirm", now), { _tag: "Refused", code: "reservation_not_found" })
  })

  it("expiresAt is now + TTL", () => {
    assert.strictEqual(reservation(2, 1, now, 60).expiresAt.epochMilliseconds, later(60).epochMilliseconds)
  })
})
