import { Context, type Effect, type Option } from "effect"
import type { AccountId } from "../Account.ts"
import type { Event, EventId, SeatChange } from "../ticketing/Event.ts"
import type { Histogram, RatingEvent, RatingValue } from "../ticketing/Rating.ts"
import type { HolderId, Reservation, ReservationId, ReservationStatus } from "../ticketing/Reservation.ts"
import type { Ticket } from "../ticketing/Ticket.ts"
import type { InvalidCursor, Page } from "./LedgerStore.ts"
import type { StoreUnavailable } from "./StoreError.ts"

/** Why the seats could not be taken; the reservation is then not stored either. */
export type TakeSeatsRefusal =
  | "event_not_found"
  | "event_cancelled"
  | "seats_sold_out"
  | "seats_held_limit_exceeded"
  /** Another transaction stored a reservation with this id first. */
  | "reservation_exists"

export interface TakeSeats {
  /** Stored with status "held" together with the seats. */
  readonly reservation: Reservation
  /** The most seats one holder may hold at once, counting this reservation. */
  readonly seatsHeldMax: number
}

export interface SettleReservation {
  /** The reservation's new state; its stored status must still be `from`. */
  readonly reservation: Reservation
  readonly from: Reservation["status"]
  readonly seats: SeatChange
  /** Confirm only: refuse (false) when the event is no longer scheduled. */
  readonly requireScheduled: boolean
  readonly tickets: ReadonlyArray<Ticket>
}

export interface ListEvents {
  /** Only scheduled events starting after this instant (the "upcoming" filter); null = every event. */
  readonly startingAfter: Date | null
  readonly organizerAccountId: AccountId | null
  readonly cursor: string | null
  readonly limit: number
}

/**
 * Events, reservations, tickets and ratings. Every method may run inside `transact`, which is the ledger's
 * transaction: a reservation's seats and its hold commit or roll back together.
 */
export class TicketingStore extends Context.Service<
  TicketingStore,
  {
    /** The LedgerStore's transaction (same connection, same retries), rolling back this store's changes too. */
    readonly transact: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreUnavailable, R>

    readonly createEvent: (event: Event) => Effect.Effect<Event, StoreUnavailable>
    readonly getEvent: (id: EventId) => Effect.Effect<Option.Option<Event>, StoreUnavailable>
    /** Events by start time (then id), a page at a time. */
    readonly listEvents: (query: ListEvents) => Effect.Effect<Page<Event>, StoreUnavailable | InvalidCursor>
    /**
     * Writes the organizer's change (title, start, capacity, price) unless the event was cancelled meanwhile or
     * the new capacity is below what is held + sold now (both re-checked by the UPDATE itself).
     */
    readonly updateEvent: (
      event: Event
    ) => Effect.Effect<"updated" | "event_cancelled" | "capacity_below_taken", StoreUnavailable>
    /** scheduled → cancelled; false when the event was already cancelled (or does not exist). */
    readonly markEventCancelled: (id: EventId, at: Date) => Effect.Effect<boolean, StoreUnavailable>

    /**
     * Takes the seats (one conditional UPDATE of the event's counters, meant to run last in the transaction so
     * the event row stays locked only until COMMIT), counts them against the holder's cap and stores the
     * reservation: all three or none.
     */
    readonly takeSeats: (take: TakeSeats) => Effect.Effect<TakeSeatsRefusal | "taken", StoreUnavailable>
    readonly getReservation: (id: ReservationId) => Effect.Effect<Option.Option<Reservation>, StoreUnavailable>
    /** Locks the reservation row: the first lock of every confirm, cancel, expire and refund. */
    readonly lockReservation: (id: ReservationId) => Effect.Effect<Option.Option<Reservation>, StoreUnavailable>
    /** Writes the new state, the seat change, the holder's count and the tickets; false when refused. */
    readonly settleReservation: (settle: SettleReservation) => Effect.Effect<boolean, StoreUnavailable>
    /** Held reservations whose expiresAt is not after `now`, oldest deadline first. */
    readonly dueReservations: (
      now: Date,
      limit: number
    ) => Effect.Effect<ReadonlyArray<ReservationId>, StoreUnavailable>
    /** Held or confirmed reservations of an event with ids above `after`, by id (what its cancellation must settle). */
    readonly openReservations: (
      eventId: EventId,
      after: ReservationId | null,
      limit: number
    ) => Effect.Effect<ReadonlyArray<ReservationId>, StoreUnavailable>
    readonly listTickets: (reservationId: ReservationId) => Effect.Effect<ReadonlyArray<Ticket>, StoreUnavailable>
    /** The ticket with this verification code and the status of its reservation. */
    readonly findTicket: (
      verificationCode: string
    ) => Effect.Effect<Option.Option<{ readonly ticket: Ticket; readonly status: ReservationStatus }>, StoreUnavailable>
    /** Seats the holder holds right now (held reservations, every event). */
    readonly seatsHeld: (holderId: HolderId) => Effect.Effect<number, StoreUnavailable>

    /** Whether the user holds a confirmed ticket for the event. */
    readonly isTicketHolder: (eventId: EventId, userId: HolderId) => Effect.Effect<boolean, StoreUnavailable>
    /** Locks (creating it empty if need be) the event's histogram: ratings of one event are applied in turn. */
    readonly lockHistogram: (eventId: EventId) => Effect.Effect<Histogram, StoreUnavailable>
    readonly latestRating: (
      eventId: EventId,
      userId: HolderId
    ) => Effect.Effect<Option.Option<RatingValue>, StoreUnavailable>
    /** Appends the rating event and stores the histogram it produced, in one statement. */
    readonly appendRating: (
      rating: Omit<RatingEvent, "seq">,
      histogram: Histogram
    ) => Effect.Effect<RatingEvent, StoreUnavailable>
    readonly getHistogram: (eventId: EventId) => Effect.Effect<Histogram, StoreUnavailable>
    /** Every rating event of the event, in seq order (bounded by the number of ratings of one event). */
    readonly ratingEvents: (eventId: EventId) => Effect.Effect<ReadonlyArray<RatingEvent>, StoreUnavailable>
    /** Events that have ratings, for a full rebuild. */
    readonly ratedEvents: Effect.Effect<ReadonlyArray<EventId>, StoreUnavailable>
    /** Replaces the read model of one event (rebuild only). */
    readonly saveHistogram: (eventId: EventId, histogram: Histogram) => Effect.Effect<void, StoreUnavailable>
  }
>()("tally/domain/TicketingStore") {}
