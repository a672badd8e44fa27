// The events a reservation's change emits, appended by the ticketing store in the statement that makes it:
// `reservation.held` when the seats are taken, then `reservation.confirmed|cancelled|expired|refunded`.
import { DateTime } from "effect"
import type { EventName, NewEvent } from "../Event.ts"
import type { Reservation } from "./Reservation.ts"
import type { Ticket } from "./Ticket.ts"

export const ticketingSource = "tally/ticketing"

const names: Record<Reservation["status"], EventName> = {
  held: "reservation.held",
  confirmed: "reservation.confirmed",
  cancelled: "reservation.cancelled",
  expired: "reservation.expired",
  refunded: "reservation.refunded"
}

/** The event of a reservation entering its current status; `tickets` are those issued by a confirm. */
export const reservationEvent = (r: Reservation, tickets: ReadonlyArray<Ticket>): NewEvent => ({
  name: names[r.status],
  source: ticketingSource,
  context: { ownerId: r.holderId },
  data: {
    reservationId: r.id,
    eventId: r.eventId,
    payerAccountId: r.payerAccountId,
    holderId: r.holderId,
    quantity: r.quantity,
    amount: r.amountMinor.toString(),
    status: r.status,
    holdTransferId: r.holdTransferId,
    expiresAt: DateTime.formatIso(r.expiresAt),
    tickets: tickets.map((t) => ({ id: t.id, seat: t.seat, verificationCode: t.verificationCode }))
  },
  sentAt: r.updatedAt
})
