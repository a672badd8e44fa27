import { DateTime, Schema } from "effect"
import type { AccountId } from "../Account.ts"
import type { TransferId } from "../Transfer.ts"
import type { EventId, SeatChange } from "./Event.ts"
import type { TicketingCode } from "./TicketingCode.ts"

export const ReservationId = Schema.String.check(Schema.isUUID()).pipe(Schema.brand("ReservationId"))
export type ReservationId = typeof ReservationId.Type

/** Whom a seat cap and a rating belong to: the owner of the payer account (its id when it has no owner). */
export type HolderId = string

export const reservationStatuses = ["held", "confirmed", "cancelled", "expired", "refunded"] as const
export type ReservationStatus = (typeof reservationStatuses)[number]

/**
 * `held → confirmed | cancelled | expired`; a confirmed reservation of a cancelled event ends `refunded`.
 * A held reservation of a cancelled event is `cancelled` (its hold voided).
 */
export const transitions: ReadonlyMap<ReservationStatus, ReadonlyArray<ReservationStatus>> = new Map<
  ReservationStatus,
  ReadonlyArray<ReservationStatus>
>([
  ["held", ["confirmed", "cancelled", "expired"]],
  ["confirmed", ["refunded"]],
  ["cancelled", []],
  ["expired", []],
  ["refunded", []]
])

export const canTransition = (from: ReservationStatus, to: ReservationStatus): boolean =>
  transitions.get(from)?.includes(to) ?? false

/**
 * A reservation holds `quantity` seats and, on the payer, the pending transfer `holdTransferId` of
 * `amountMinor` (payer currency) until `expiresAt`. `refundTransferId` is chosen up front so that a refund
 * retried after a crash finds its own first attempt instead of paying twice.
 */
export interface Reservation {
  readonly id: ReservationId
  readonly eventId: EventId
  readonly payerAccountId: AccountId
  readonly holderId: HolderId
  readonly quantity: number
  readonly amountMinor: bigint
  readonly holdTransferId: TransferId
  readonly refundTransferId: TransferId
  readonly status: ReservationStatus
  readonly expiresAt: DateTime.Utc
  readonly createdAt: DateTime.Utc
  readonly updatedAt: DateTime.Utc
}

export const isDue = (reservation: Reservation, now: DateTime.Utc): boolean =>
  DateTime.toEpochMillis(reservation.expiresAt) <= DateTime.toEpochMillis(now)

/** expiresAt = now + TTL. */
export const expiresAtFor = (now: DateTime.Utc, ttlSeconds: number): DateTime.Utc =>
  DateTime.add(now, { seconds: ttlSeconds })

export type ReservationAction = "confirm" | "cancel" | "expire" | "refund"

export interface ReservationApplied {
  readonly _tag: "Applied"
  readonly reservation: Reservation
  readonly seats: SeatChange
}

export interface ReservationRefusedDecision {
  readonly _tag: "Refused"
  readonly code: TicketingCode
}

export type ReservationDecision = ReservationApplied | ReservationRefusedDecision

const refused = (code: TicketingCode): ReservationRefusedDecision => ({ _tag: "Refused", code })

const target: Record<ReservationAction, ReservationStatus> = {
  confirm: "confirmed",
  cancel: "cancelled",
  expire: "expired",
  refund: "refunded"
}

const alreadyCode = (status: ReservationStatus): TicketingCode =>
  status === "confirmed"
    ? "reservation_already_confirmed"
    : status === "cancelled"
      ? "reservation_already_cancelled"
      : status === "refunded"
        ? "reservation_already_refunded"
        : "reservation_expired"

/**
 * The state machine, pure. Confirm and cancel need an undue reservation (the client acts before the deadline);
 * expire needs a due one; refund needs a confirmed one. `eventCancelling` lets the cancellation of an event void
 * a held reservation whatever its deadline.
 */
export const decide = (
  reservation: Reservation | undefined,
  action: ReservationAction,
  now: DateTime.Utc,
  eventCancelling = false
): ReservationDecision => {
  if (reservation === undefined) return refused("reservation_not_found")
  const to = target[action]
  if (!canTransition(reservation.status, to)) return refused(alreadyCode(reservation.status))
  const due = isDue(reservation, now)
  if ((action === "confirm" || (action === "cancel" && !eventCancelling)) && due) return refused("reservation_expired")
  if (action === "expire" && !due) return refused("reservation_not_expired")
  const quantity = reservation.quantity
  return {
    _tag: "Applied",
    reservation: { ...reservation, status: to, updatedAt: now },
    seats:
      action === "confirm"
        ? { _tag: "confirm", quantity }
        : action === "refund"
          ? { _tag: "refund", quantity }
          : { _tag: "release", quantity }
  }
}
