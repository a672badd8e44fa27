import type { DateTime } from "effect"
import { Schema } from "effect"
import type { EventId } from "./Event.ts"
import type { HolderId, ReservationId } from "./Reservation.ts"

export const TicketId = Schema.String.check(Schema.isUUID()).pipe(Schema.brand("TicketId"))
export type TicketId = typeof TicketId.Type

/** One seat of a confirmed reservation. The verification code comes from the TicketCodes port. */
export interface Ticket {
  readonly id: TicketId
  readonly reservationId: ReservationId
  readonly eventId: EventId
  readonly holderId: HolderId
  /** 1-based seat number within the reservation. */
  readonly seat: number
  readonly verificationCode: string
  readonly issuedAt: DateTime.Utc
}
