// The in-memory twin of PgTicketingStore (same contract, test/contract/TicketingStoreContract.ts). It runs
// inside the in-memory LedgerStore's transactions (one permit) and restores its own snapshot on failure.
import { InvalidCursor, LedgerStore } from "@tally/domain/ports/LedgerStore"
import {
  type ListEvents,
  type SettleReservation,
  type TakeSeats,
  TicketingStore
} from "@tally/domain/ports/TicketingStore"
import { changeSeats, type Event, type EventId } from "@tally/domain/ticketing/Event"
import { empty, type Histogram, type RatingEvent } from "@tally/domain/ticketing/Rating"
import type { HolderId, Reservation, ReservationId } from "@tally/domain/ticketing/Reservation"
import { reservationEvent } from "@tally/domain/ticketing/ReservationEvents"
import type { Ticket } from "@tally/domain/ticketing/Ticket"
import { DateTime, Effect, Exit, Layer, Option } from "effect"
import { MemoryOutbox } from "../memory/MemoryOutbox.ts"
import { decodeEventCursor, encodeEventCursor } from "./TicketingRows.ts"

interface State {
  events: Map<EventId, Event>
  reservations: Map<ReservationId, Reservation>
  tickets: Array<Ticket>
  holders: Map<HolderId, number>
  ratings: Array<RatingEvent>
  histograms: Map<EventId, Histogram>
  seq: bigint
}

const copy = (s: State): State => ({
  events: new Map(s.events),
  reservations: new Map(s.reservations),
  tickets: [...s.tickets],
  holders: new Map(s.holders),
  ratings: [...s.ratings],
  histograms: new Map(s.histograms),
  seq: s.seq
})

const ms = (dt: DateTime.Utc) => DateTime.toEpochMillis(dt)

export const make = Effect.gen(function* () {
  const ledger = yield* LedgerStore
  // the events of a change, like the outbox parts of PgTicketingStore's statements (rolled back with the ledger)
  const outbox = yield* Effect.serviceOption(MemoryOutbox)
  const emit = (r: Reservation, tickets: ReadonlyArray<Ticket>) =>
    Option.isSome(outbox) ? Effect.asVoid(outbox.value.append([reservationEvent(r, tickets)])) : Effect.void
  let state: State = {
    events: new Map(),
    reservations: new Map(),
    tickets: [],
    holders: new Map(),
    ratings: [],
    histograms: new Map(),
    seq: 0n
  }

  const transact = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    ledger.transact(
      Effect.gen(function* () {
        const before = copy(state)
        const exit = yield* Effect.exit(effect)
        if (Exit.isFailure(exit)) state = before
        return yield* exit
      })
    )

  const createEvent = (event: Event) =>
    Effect.sync(() => {
      state.events.set(event.id, event)
      return event
    })

  const getEvent = (id: EventId) => Effect.sync(() => Option.fromNullishOr(state.events.get(id)))

  const listEvents = (query: ListEvents) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeEventCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const key = (e: Event) => [ms(e.startsAt), e.id] as const
      const matching = [...state.events.values()]
        .filter(
          (e) =>
            (query.startingAfter === null ||
              (e.status === "scheduled" && ms(e.startsAt) > query.startingAfter.getTime())) &&
            (query.organizerAccountId === null || e.organizerAccountId === query.organizerAccountId) &&
            (after === undefined ||
              ms(e.startsAt) > after.startsAt.getTime() ||
              (ms(e.startsAt) === after.startsAt.getTime() && e.id > after.id))
        )
        .sort((a, b) => {
          const [ta, ia] = key(a)
          const [tb, ib] = key(b)
          return ta - tb || (ia < ib ? -1 : ia > ib ? 1 : 0)
        })
      const page = matching.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: page,
        nextCursor:
          matching.length > query.limit && last !== undefined
            ? encodeEventCursor(DateTime.toDateUtc(last.startsAt), last.id)
            : null
      }
    })

  const updateEvent = (event: Event) =>
    Effect.sync(() => {
      const stored = state.events.get(event.id)
      if (stored === undefined || stored.status !== "scheduled") return "event_cancelled" as const
      if (stored.seats.held + stored.seats.sold > event.seats.capacity) return "capacity_below_taken" as const
      state.events.set(event.id, { ...event, seats: { ...stored.seats, capacity: event.seats.capacity } })
      return "updated" as const
    })

  const markEventCancelled = (id: EventId, at: Date) =>
    Effect.sync(() => {
      const event = state.events.get(id)
      if (event === undefined || event.status !== "scheduled") return false
      state.events.set(id, { ...event, status: "cancelled", updatedAt: DateTime.fromDateUnsafe(at) })
      return true
    })

  const takeSeats = ({ reservation: r, seatsHeldMax }: TakeSeats) =>
    Effect.tap(
      Effect.sync(() => {
        const event = state.events.get(r.eventId)
        if (event === undefined) return "event_not_found" as const
        if (event.status !== "scheduled") return "event_cancelled" as const
        const seats = changeSeats(event.seats, { _tag: "hold", quantity: r.quantity })
        if (seats === undefined) return "seats_sold_out" as const
        const held = (state.holders.get(r.holderId) ?? 0) + r.quantity
        if (held > seatsHeldMax) return "seats_held_limit_exceeded" as const
        if (state.reservations.has(r.id)) return "reservation_exists" as const
        state.events.set(event.id, { ...event, seats, updatedAt: r.createdAt })
        state.holders.set(r.holderId, held)
        state.reservations.set(r.id, r)
        return "taken" as const
      }),
      (taken) => (taken === "taken" ? emit(r, []) : Effect.void)
    )

  const getReservation = (id: ReservationId) => Effect.sync(() => Option.fromNullishOr(state.reservations.get(id)))

  const settleReservation = ({ reservation: r, from, seats: change, requireScheduled, tickets }: SettleReservation) =>
    Effect.gen(function* () {
      const stored = state.reservations.get(r.id)
      if (stored?.status !== from) return yield* Effect.die(new Error(`reservation ${r.id} was not in state ${from}`))
      const event = state.events.get(r.eventId)
      if (event === undefined || (requireScheduled && event.status !== "scheduled")) return false
      const seats = changeSeats(event.seats, change)
      if (seats === undefined)
        return yield* Effect.die(new Error(`seat change ${change._tag} breaks event ${event.id}`))
      const released = change._tag === "confirm" || change._tag === "release" ? change.quantity : 0
      const held = (state.holders.get(r.holderId) ?? 0) - released
      if (held < 0) return yield* Effect.die(new Error(`holder ${r.holderId} would hold ${held} seats`))
      state.events.set(event.id, { ...event, seats, updatedAt: r.updatedAt })
      if (released > 0) state.holders.set(r.holderId, held)
      state.reservations.set(r.id, r)
      state.tickets.push(...tickets)
      yield* emit(r, tickets)
      return true
    })

  const dueReservations = (now: Date, limit: number) =>
    Effect.sync(() =>
      [...state.reservations.values()]
        .filter((r) => r.status === "held" && ms(r.expiresAt) <= now.getTime())
        .sort((a, b) => ms(a.expiresAt) - ms(b.expiresAt))
        .slice(0, limit)
        .map((r) => r.id)
    )

  const openReservations = (eventId: EventId, after: ReservationId | null, limit: number) =>
    Effect.sync(() =>
      [...state.reservations.values()]
        .filter(
          (r) =>
            r.eventId === eventId &&
            (r.status === "held" || r.status === "confirmed") &&
            (after === null || r.id > after)
        )
        .map((r) => r.id)
        .sort()
        .slice(0, limit)
    )

  const listTickets = (reservationId: ReservationId) =>
    Effect.sync(() => state.tickets.filter((t) => t.reservationId === reservationId).sort((a, b) => a.seat - b.seat))

  const findTicket = (verificationCode: string) =>
    Effect.sync(() => {
      const ticket = state.tickets.find((t) => t.verificationCode === verificationCode)
      const reservation = ticket === undefined ? undefined : state.reservations.get(ticket.reservationId)
      return ticket === undefined || reservation === undefined
        ? Option.none()
        : Option.some({ ticket, status: reservation.status })
    })

  const seatsHeld = (holderId: HolderId) => Effect.sync(() => state.holders.get(holderId) ?? 0)

  const isTicketHolder = (eventId: EventId, userId: HolderId) =>
    Effect.sync(() =>
      [...state.reservations.values()].some(
        (r) => r.eventId === eventId && r.holderId === userId && r.status === "confirmed"
      )
    )

  const lockHistogram = (eventId: EventId) =>
    Effect.sync(() => {
      const found = state.histograms.get(eventId)
      if (found !== undefined) return found
      state.histograms.set(eventId, empty)
      return empty
    })

  const latestRating = (eventId: EventId, userId: HolderId) =>
    Effect.sync(() =>
      Option.fromNullishOr(state.ratings.findLast((e) => e.eventId === eventId && e.userId === userId)?.value)
    )

  const appendRating = (rating: Omit<RatingEvent, "seq">, histogram: Histogram) =>
    Effect.gen(function* () {
      if (!state.histograms.has(rating.eventId)) {
        return yield* Effect.die(new Error(`no histogram row for event ${rating.eventId}: lockHistogram first`))
      }
      state.seq += 1n
      const event: RatingEvent = { ...rating, seq: state.seq }
      state.ratings.push(event)
      state.histograms.set(rating.eventId, histogram)
      return event
    })

  const getHistogram = (eventId: EventId) => Effect.sync(() => state.histograms.get(eventId) ?? empty)

  const ratingEvents = (eventId: EventId) => Effect.sync(() => state.ratings.filter((e) => e.eventId === eventId))

  const ratedEvents = Effect.sync(() => [...new Set(state.ratings.map((e) => e.eventId))].sort())

  const saveHistogram = (eventId: EventId, histogram: Histogram) =>
    Effect.sync(() => {
      state.histograms.set(eventId, histogram)
    })

  return TicketingStore.of({
    transact,
    createEvent,
    getEvent,
    listEvents,
    updateEvent,
    markEventCancelled,
    takeSeats,
    getReservation,
    lockReservation: getReservation,
    settleReservation,
    dueReservations,
    openReservations,
    listTickets,
    findTicket,
    seatsHeld,
    isTicketHolder,
    lockHistogram,
    latestRating,
    appendRating,
    getHistogram,
    ratingEvents,
    ratedEvents,
    saveHistogram
  })
})

export const layer = Layer.effect(TicketingStore, make)
