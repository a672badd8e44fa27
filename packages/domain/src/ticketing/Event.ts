import type { DateTime } from "effect"
import { Schema } from "effect"
import type { AccountId } from "../Account.ts"
import type { CurrencyCode } from "../Money.ts"

export const EventId = Schema.String.check(Schema.isUUID()).pipe(Schema.brand("EventId"))
export type EventId = typeof EventId.Type

export const eventStatuses = ["scheduled", "cancelled"] as const
export type EventStatus = (typeof eventStatuses)[number]

/** Seat accounting: capacity = free + held + sold, always; nothing is ever oversold. */
export interface Seats {
  readonly capacity: number
  readonly held: number
  readonly sold: number
}

/**
 * An event sells `capacity` seats at `priceMinor` each, in `currency` (the organizer account's currency):
 * the organizer account is credited by every reservation's hold.
 */
export interface Event {
  readonly id: EventId
  readonly organizerAccountId: AccountId
  readonly title: string
  readonly startsAt: DateTime.Utc
  readonly priceMinor: bigint
  readonly currency: CurrencyCode
  readonly status: EventStatus
  readonly seats: Seats
  readonly createdAt: DateTime.Utc
  readonly updatedAt: DateTime.Utc
}

/** Limits of a new event; the title length and capacity bound what a client can make large. */
export const titleLengthMax = 200
export const capacityMax = 1_000_000

export const free = (seats: Seats): number => seats.capacity - seats.held - seats.sold

/** The law every change must keep: all counts ≥ 0 and held + sold ≤ capacity. */
export const isConsistent = (seats: Seats): boolean =>
  Number.isSafeInteger(seats.capacity) &&
  Number.isSafeInteger(seats.held) &&
  Number.isSafeInteger(seats.sold) &&
  seats.held >= 0 &&
  seats.sold >= 0 &&
  free(seats) >= 0

export type SeatChange =
  | { readonly _tag: "hold"; readonly quantity: number }
  | { readonly _tag: "confirm"; readonly quantity: number }
  | { readonly _tag: "release"; readonly quantity: number }
  | { readonly _tag: "refund"; readonly quantity: number }

/**
 * Applies a seat change, or undefined when it would break the law (e.g. holding more than is free). The
 * database applies the same arithmetic as one conditional UPDATE, backed by CHECK constraints.
 */
export const changeSeats = (seats: Seats, change: SeatChange): Seats | undefined => {
  const q = change.quantity
  if (!Number.isSafeInteger(q) || q <= 0) return undefined
  const next =
    change._tag === "hold"
      ? { ...seats, held: seats.held + q }
      : change._tag === "confirm"
        ? { ...seats, held: seats.held - q, sold: seats.sold + q }
        : change._tag === "release"
          ? { ...seats, held: seats.held - q }
          : { ...seats, sold: seats.sold - q }
  return isConsistent(next) ? next : undefined
}

export interface NewEvent {
  readonly id: EventId
  readonly organizerAccountId: AccountId
  readonly title: string
  readonly startsAt: DateTime.Utc
  readonly capacity: number
  readonly priceMinor: bigint
}

export type NewEventProblem = "title" | "capacity" | "price"

/** Validates a new event; the currency is the organizer account's. */
export const openEvent = (input: NewEvent, currency: CurrencyCode, now: DateTime.Utc): Event | NewEventProblem => {
  const title = input.title.trim()
  if (title.length === 0 || title.length > titleLengthMax) return "title"
  if (!Number.isSafeInteger(input.capacity) || input.capacity < 1 || input.capacity > capacityMax) return "capacity"
  if (input.priceMinor <= 0n) return "price"
  return {
    id: input.id,
    organizerAccountId: input.organizerAccountId,
    title,
    startsAt: input.startsAt,
    priceMinor: input.priceMinor,
    currency,
    status: "scheduled",
    seats: { capacity: input.capacity, held: 0, sold: 0 },
    createdAt: now,
    updatedAt: now
  }
}

export interface EventChange {
  readonly title?: string | undefined
  readonly startsAt?: DateTime.Utc | undefined
  readonly capacity?: number | undefined
  /** Applies to reservations made from now on; existing holds keep the price they were made at. */
  readonly priceMinor?: bigint | undefined
}

export type EventChangeProblem = NewEventProblem | "cancelled" | "capacity_below_taken"

/** The organizer's change to a scheduled event; capacity may not drop below the seats held or sold. */
export const changeEvent = (event: Event, change: EventChange, now: DateTime.Utc): Event | EventChangeProblem => {
  if (event.status === "cancelled") return "cancelled"
  const title = change.title === undefined ? event.title : change.title.trim()
  if (title.length === 0 || title.length > titleLengthMax) return "title"
  const capacity = change.capacity ?? event.seats.capacity
  if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > capacityMax) return "capacity"
  const priceMinor = change.priceMinor ?? event.priceMinor
  if (priceMinor <= 0n) return "price"
  const seats = { ...event.seats, capacity }
  if (!isConsistent(seats)) return "capacity_below_taken"
  return { ...event, title, startsAt: change.startsAt ?? event.startsAt, priceMinor, seats, updatedAt: now }
}
