// Events: create, read, cancel (void every open hold, refund every confirmed ticket: ordinary transfers).
import { DateTime, Effect, Option } from "effect"
import type { AccountId, OwnerId } from "../Account.ts"
import { LedgerStore } from "../ports/LedgerStore.ts"
import { type ListEvents, TicketingStore } from "../ports/TicketingStore.ts"
import { changeEvent, type EventChange, type EventId, type NewEvent, openEvent } from "../ticketing/Event.ts"
import type { ReservationId } from "../ticketing/Reservation.ts"
import * as Reservations from "./Reservations.ts"
import { TicketingLimits, TicketingRefused } from "./Ticketing.ts"

const refuse = (code: string, id: string) => Effect.fail(new TicketingRefused({ code, id }))

/** The organizer account must be visible to `viewer` (its owner, or the admin): it is the one paid. */
export const create = Effect.fn("Events.create")(function* (input: NewEvent, viewer: OwnerId | null) {
  const tickets = yield* TicketingStore
  const ledger = yield* LedgerStore
  const now = yield* DateTime.now
  const organizer = Option.getOrUndefined(yield* ledger.getAccount(input.organizerAccountId))
  if (organizer === undefined || (viewer !== null && organizer.ownerId !== viewer)) {
    return yield* refuse("organizer_account_not_found", input.id)
  }
  const event = openEvent(input, organizer.currency, now)
  if (typeof event === "string") return yield* refuse(`invalid_event_${event}`, input.id)
  return yield* tickets.createEvent(event)
})

export const get = Effect.fn("Events.get")(function* (id: EventId) {
  const event = Option.getOrUndefined(yield* (yield* TicketingStore).getEvent(id))
  if (event === undefined) return yield* refuse("event_not_found", id)
  return event
})

/** Events a page at a time; `upcoming` = scheduled and starting after now. Events are public (no viewer filter). */
export const list = Effect.fn("Events.list")(function* (
  query: Omit<ListEvents, "startingAfter"> & { readonly upcoming: boolean }
) {
  const now = yield* DateTime.now
  return yield* (yield* TicketingStore).listEvents({
    startingAfter: query.upcoming ? DateTime.toDateUtc(now) : null,
    organizerAccountId: query.organizerAccountId,
    cursor: query.cursor,
    limit: query.limit
  })
})

/** Only the organizer (the owner of the organizer account) or the admin (viewer null) may change or cancel. */
const organizerOnly = (organizerAccountId: AccountId, id: string, viewer: OwnerId | null) =>
  Effect.gen(function* () {
    if (viewer === null) return
    const organizer = Option.getOrUndefined(yield* (yield* LedgerStore).getAccount(organizerAccountId))
    if (organizer?.ownerId !== viewer) return yield* refuse("not_event_organizer", id)
  })

/** Changes title, start time, capacity or price of a scheduled event. */
export const update = Effect.fn("Events.update")(function* (id: EventId, change: EventChange, viewer: OwnerId | null) {
  const tickets = yield* TicketingStore
  return yield* tickets.transact(
    Effect.gen(function* () {
      const now = yield* DateTime.now
      const event = Option.getOrUndefined(yield* tickets.getEvent(id))
      if (event === undefined) return yield* refuse("event_not_found", id)
      yield* organizerOnly(event.organizerAccountId, id, viewer)
      const changed = changeEvent(event, change, now)
      if (typeof changed === "string") {
        return yield* refuse(
          changed === "cancelled"
            ? "event_cancelled"
            : changed === "capacity_below_taken"
              ? changed
              : `invalid_event_${changed}`,
          id
        )
      }
      // the snapshot may be stale by now: the UPDATE re-checks status and held + sold against the new capacity
      const written = yield* tickets.updateEvent(changed)
      if (written !== "updated") return yield* refuse(written, id)
      return changed
    })
  )
})

export interface Cancellation {
  readonly voided: number
  readonly refunded: number
  /** Confirmed reservations whose refund the ledger refused (e.g. the organizer lacks funds): retry later. */
  readonly refundsRefused: ReadonlyArray<ReservationId>
}

/**
 * Cancels the event, then voids every held reservation and refunds every confirmed one, each in its own
 * transaction. Idempotent and resumable: a retry after a crash finishes what is left and refunds nothing twice
 * (a reservation is marked refunded in the same transaction as its refund, whose transfer id is fixed up front).
 */
export const cancel = Effect.fn("Events.cancel")(function* (id: EventId, viewer: OwnerId | null) {
  const tickets = yield* TicketingStore
  const limits = yield* TicketingLimits
  const event = Option.getOrUndefined(yield* tickets.getEvent(id))
  if (event === undefined) return yield* refuse("event_not_found", id)
  yield* organizerOnly(event.organizerAccountId, id, viewer)
  const now = yield* DateTime.now
  // after this commits no seat can be taken or confirmed (both require status 'scheduled'), so one pass suffices
  yield* tickets.transact(tickets.markEventCancelled(id, DateTime.toDateUtc(now)))
  let voided = 0
  let refunded = 0
  const refundsRefused: Array<ReservationId> = []
  let after: ReservationId | null = null
  while (true) {
    const page: ReadonlyArray<ReservationId> = yield* tickets.openReservations(id, after, limits.expireBatchMax)
    if (page.length === 0) break
    for (const reservationId of page) {
      const outcome = yield* Reservations.settleForCancelledEvent(reservationId).pipe(
        Effect.map((r) => r.status),
        Effect.catchTag("TicketingRefused", (refusal) => Effect.succeed(refusal.code))
      )
      if (outcome === "refunded") refunded++
      else if (outcome === "cancelled" || outcome === "expired") voided++
      else if (!outcome.startsWith("reservation_")) refundsRefused.push(reservationId)
    }
    after = page.at(-1)!
  }
  return { voided, refunded, refundsRefused } satisfies Cancellation
})
