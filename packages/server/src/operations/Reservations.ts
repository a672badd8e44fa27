// Reservations: seats taken and the payer's hold made in one transaction; confirm posts the hold and issues the
// tickets, cancel voids it (docs/adr/0021-seat-counting.md, 0023-reservations-and-the-ledger.md).
import type { AccountId } from "@tally/domain/Account"
import { Ids } from "@tally/domain/ports/Ids"
import type { EventId } from "@tally/domain/ticketing/Event"
import type { Reservation, ReservationId } from "@tally/domain/ticketing/Reservation"
import type { Ticket } from "@tally/domain/ticketing/Ticket"
import * as Reservations from "@tally/domain/usecases/Reservations"
import { Effect, Schema } from "effect"
import { viewerOf } from "../Auth.ts"
import { ReservationMetrics } from "../metrics/Ticketing.ts"
import { operation } from "./Operation.ts"
import { ById, iso, Uuid } from "./Schemas.ts"
import {
  eventNotFound,
  payerNotFound,
  quantityInvalid,
  reservationIdReused,
  reservationNotFound,
  reserveRefused,
  settleRefused
} from "./TicketingErrors.ts"
import { derivedId } from "./TransferCommand.ts"

export const groups = {
  reservations: {
    title: "Reservations",
    description: "Seats held against a pending transfer on the payer until confirmed, cancelled or expired"
  }
}

export const TicketJson = Schema.Struct({
  id: Schema.String,
  seat: Schema.Number,
  verificationCode: Schema.String,
  issuedAt: Schema.String
}).annotate({ identifier: "Ticket" })

export const ReservationJson = Schema.Struct({
  id: Schema.String,
  eventId: Schema.String,
  payerAccountId: Schema.String,
  holderId: Schema.String,
  quantity: Schema.Number,
  amount: Schema.String.annotate({ description: "What is held (then charged) on the payer, in its currency" }),
  status: Schema.Literals(["held", "confirmed", "cancelled", "expired", "refunded"]),
  transferId: Schema.String.annotate({ description: "The pending transfer (hold) on the payer" }),
  refundTransferId: Schema.String,
  expiresAt: Schema.String,
  tickets: Schema.Array(TicketJson),
  createdAt: Schema.String,
  updatedAt: Schema.String
}).annotate({ identifier: "Reservation" })

export const reservationJson = (r: Reservation, tickets: ReadonlyArray<Ticket>): typeof ReservationJson.Type => ({
  id: r.id,
  eventId: r.eventId,
  payerAccountId: r.payerAccountId,
  holderId: r.holderId,
  quantity: r.quantity,
  amount: r.amountMinor.toString(),
  status: r.status,
  transferId: r.holdTransferId,
  refundTransferId: r.refundTransferId,
  expiresAt: iso(r.expiresAt),
  tickets: tickets.map((t) => ({
    id: t.id,
    seat: t.seat,
    verificationCode: t.verificationCode,
    issuedAt: iso(t.issuedAt)
  })),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt)
})

export const create = operation({
  name: "reservations.create",
  description:
    "Hold seats: takes `quantity` seats and holds price × quantity on the payer (FX converted), both or neither",
  payload: Schema.Struct({
    eventId: Uuid,
    quantity: Schema.Int,
    payerAccountId: Uuid
  }),
  success: ReservationJson,
  errors: [eventNotFound, payerNotFound, quantityInvalid, reservationIdReused, reserveRefused],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/events/:id/reservations", status: 201, params: { id: "eventId" } },
  handle: (payload, { principal, idempotency }) =>
    Effect.gen(function* () {
      // with an idempotency key the id is derived from it: a retry after a lost answer replays the reservation
      const id =
        idempotency === undefined
          ? yield* (yield* Ids).next
          : derivedId(principal, idempotency, "reservations.create", 0)
      const reservation = yield* Reservations.reserve(
        {
          id: id as ReservationId,
          eventId: payload.eventId as EventId,
          payerAccountId: payload.payerAccountId as AccountId,
          quantity: payload.quantity
        },
        viewerOf(principal)
      ).pipe(ReservationMetrics.reserved)
      return reservationJson(reservation, [])
    })
})

export const confirm = operation({
  name: "reservations.confirm",
  description:
    "Pay: posts the hold and issues one ticket per seat, each with a verification code (a retry returns them)",
  payload: ById,
  success: ReservationJson,
  errors: [reservationNotFound, settleRefused],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/reservations/:id/confirm" },
  handle: ({ id }, { principal }) =>
    Reservations.confirm(id as ReservationId, viewerOf(principal)).pipe(
      ReservationMetrics.settled("confirmed"),
      Effect.map((c) => reservationJson(c.reservation, c.tickets))
    )
})

export const cancel = operation({
  name: "reservations.cancel",
  description: "Give the seats back: voids the hold and frees the seats",
  payload: ById,
  success: ReservationJson,
  errors: [reservationNotFound, settleRefused],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/reservations/:id/cancel" },
  handle: ({ id }, { principal }) =>
    Reservations.cancel(id as ReservationId, viewerOf(principal)).pipe(
      ReservationMetrics.settled("cancelled"),
      Effect.map((r) => reservationJson(r, []))
    )
})

export const get = operation({
  name: "reservations.get",
  description: "A reservation and its tickets",
  payload: ById,
  success: ReservationJson,
  errors: [reservationNotFound],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/reservations/:id" },
  handle: ({ id }, { principal }) =>
    Effect.map(Reservations.get(id as ReservationId, viewerOf(principal)), (c) =>
      reservationJson(c.reservation, c.tickets)
    )
})

export const operations = [create, confirm, cancel, get] as const
