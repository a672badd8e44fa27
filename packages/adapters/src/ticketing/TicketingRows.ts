import type { AccountId } from "@tally/domain/Account"
import type { CurrencyCode } from "@tally/domain/Money"
import type { TransferId } from "@tally/domain/Transfer"
import type { Event, EventId, EventStatus, SeatChange } from "@tally/domain/ticketing/Event"
import type { Histogram, RatingEvent, RatingValue } from "@tally/domain/ticketing/Rating"
import type { Reservation, ReservationId, ReservationStatus } from "@tally/domain/ticketing/Reservation"
import type { Ticket, TicketId } from "@tally/domain/ticketing/Ticket"
import { DateTime } from "effect"

export interface EventRow {
  readonly id: string
  readonly organizer_account_id: string
  readonly title: string
  readonly starts_at: Date
  readonly price: bigint
  readonly currency: string
  readonly status: string
  readonly capacity: number
  readonly held: number
  readonly sold: number
  readonly created_at: Date
  readonly updated_at: Date
}

export const eventColumns =
  "id, organizer_account_id, title, starts_at, price, currency, status, capacity, held, sold, created_at, updated_at"

export const toEvent = (row: EventRow): Event => ({
  id: row.id as EventId,
  organizerAccountId: row.organizer_account_id as AccountId,
  title: row.title,
  startsAt: DateTime.fromDateUnsafe(row.starts_at),
  priceMinor: BigInt(row.price),
  currency: row.currency as CurrencyCode,
  status: row.status as EventStatus,
  seats: { capacity: Number(row.capacity), held: Number(row.held), sold: Number(row.sold) },
  createdAt: DateTime.fromDateUnsafe(row.created_at),
  updatedAt: DateTime.fromDateUnsafe(row.updated_at)
})

export interface ReservationRow {
  readonly id: string
  readonly event_id: string
  readonly payer_account_id: string
  readonly holder_id: string
  readonly quantity: number
  readonly amount: bigint
  readonly hold_transfer_id: string
  readonly refund_transfer_id: string
  readonly status: string
  readonly expires_at: Date
  readonly created_at: Date
  readonly updated_at: Date
}

export const reservationColumns =
  "id, event_id, payer_account_id, holder_id, quantity, amount, hold_transfer_id, refund_transfer_id, status, expires_at, created_at, updated_at"

export const toReservation = (row: ReservationRow): Reservation => ({
  id: row.id as ReservationId,
  eventId: row.event_id as EventId,
  payerAccountId: row.payer_account_id as AccountId,
  holderId: row.holder_id,
  quantity: Number(row.quantity),
  amountMinor: BigInt(row.amount),
  holdTransferId: row.hold_transfer_id as TransferId,
  refundTransferId: row.refund_transfer_id as TransferId,
  status: row.status as ReservationStatus,
  expiresAt: DateTime.fromDateUnsafe(row.expires_at),
  createdAt: DateTime.fromDateUnsafe(row.created_at),
  updatedAt: DateTime.fromDateUnsafe(row.updated_at)
})

export interface TicketRow {
  readonly id: string
  readonly reservation_id: string
  readonly event_id: string
  readonly holder_id: string
  readonly seat: number
  readonly verification_code: string
  readonly issued_at: Date
}

export const toTicket = (row: TicketRow): Ticket => ({
  id: row.id as TicketId,
  reservationId: row.reservation_id as ReservationId,
  eventId: row.event_id as EventId,
  holderId: row.holder_id,
  seat: Number(row.seat),
  verificationCode: row.verification_code,
  issuedAt: DateTime.fromDateUnsafe(row.issued_at)
})

export interface HistogramRow {
  readonly count_1: bigint
  readonly count_2: bigint
  readonly count_3: bigint
  readonly count_4: bigint
  readonly count_5: bigint
}

export const toHistogram = (row: HistogramRow | undefined): Histogram =>
  row === undefined
    ? { counts: [0n, 0n, 0n, 0n, 0n] }
    : {
        counts: [
          BigInt(row.count_1),
          BigInt(row.count_2),
          BigInt(row.count_3),
          BigInt(row.count_4),
          BigInt(row.count_5)
        ]
      }

export interface RatingEventRow {
  readonly seq: bigint
  readonly event_id: string
  readonly user_id: string
  readonly value: number
  readonly rated_at: Date
}

export const toRatingEvent = (row: RatingEventRow): RatingEvent => ({
  seq: BigInt(row.seq),
  eventId: row.event_id as EventId,
  userId: row.user_id,
  value: Number(row.value) as RatingValue,
  ratedAt: DateTime.fromDateUnsafe(row.rated_at)
})

/** The counter deltas of a seat change: (held, sold). */
export const seatDeltas = (change: SeatChange): readonly [number, number] => {
  const q = change.quantity
  switch (change._tag) {
    case "hold":
      return [q, 0]
    case "confirm":
      return [-q, q]
    case "release":
      return [-q, 0]
    case "refund":
      return [0, -q]
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Keyset cursor over (starts_at, id) of events; undefined when it is not one this store issued. */
export const encodeEventCursor = (startsAt: Date, id: string) =>
  Buffer.from(`e|${startsAt.toISOString()}|${id}`, "utf8").toString("base64url")

export const decodeEventCursor = (cursor: string): { startsAt: Date; id: string } | undefined => {
  const [tag, iso, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|")
  if (tag !== "e" || iso === undefined || id === undefined || !uuidPattern.test(id)) return undefined
  const startsAt = new Date(iso)
  return Number.isNaN(startsAt.getTime()) ? undefined : { startsAt, id }
}
