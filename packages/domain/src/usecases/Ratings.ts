// Ratings: append the event and update the read model in one transaction; rebuild = replay.
import { DateTime, Effect, Option } from "effect"
import { TicketingStore } from "../ports/TicketingStore.ts"
import type { EventId } from "../ticketing/Event.ts"
import { apply, fold, type Histogram, isRatingValue, type Summary, summarize } from "../ticketing/Rating.ts"
import type { HolderId } from "../ticketing/Reservation.ts"
import { TicketingRefused } from "./Ticketing.ts"

export interface Rate {
  readonly eventId: EventId
  /** The rater: the holder id of their tickets (the owner of the account that paid). */
  readonly userId: HolderId
  readonly value: number
}

const refuse = (code: string, id: string) => Effect.fail(new TicketingRefused({ code, id }))

/**
 * Rates (or re-rates) an event. Ratings of one event are applied in turn under the histogram row's lock, so the
 * user's previous rating read here is the latest one and the incremental update equals a replay.
 */
export const rate = Effect.fn("Ratings.rate")(function* (input: Rate) {
  const tickets = yield* TicketingStore
  const value = input.value
  if (!isRatingValue(value)) return yield* refuse("rating_out_of_range", input.eventId)
  return yield* tickets.transact(
    Effect.gen(function* () {
      const now = yield* DateTime.now
      if (Option.isNone(yield* tickets.getEvent(input.eventId))) return yield* refuse("event_not_found", input.eventId)
      if (!(yield* tickets.isTicketHolder(input.eventId, input.userId))) {
        return yield* refuse("not_a_ticket_holder", input.eventId)
      }
      const histogram = yield* tickets.lockHistogram(input.eventId)
      const previous = Option.getOrUndefined(yield* tickets.latestRating(input.eventId, input.userId))
      const next = apply(histogram, previous, value)
      yield* tickets.appendRating({ eventId: input.eventId, userId: input.userId, value, ratedAt: now }, next)
      return summarize(next)
    })
  )
})

export const get = Effect.fn("Ratings.get")(function* (eventId: EventId) {
  const tickets = yield* TicketingStore
  if (Option.isNone(yield* tickets.getEvent(eventId))) return yield* refuse("event_not_found", eventId)
  return summarize(yield* tickets.getHistogram(eventId))
})

export interface Rebuilt {
  readonly eventId: EventId
  readonly before: Histogram
  readonly after: Histogram
}

/** Replays one event's rating events into its read model (under the histogram lock: no rating interleaves). */
export const rebuildEvent = Effect.fn("Ratings.rebuildEvent")(function* (eventId: EventId) {
  const tickets = yield* TicketingStore
  // an unknown event has no read model to rebuild (and the histogram row's foreign key would refuse one)
  if (Option.isNone(yield* tickets.getEvent(eventId))) return yield* refuse("event_not_found", eventId)
  return yield* tickets.transact(
    Effect.gen(function* () {
      const before = yield* tickets.lockHistogram(eventId)
      const after = fold(yield* tickets.ratingEvents(eventId))
      yield* tickets.saveHistogram(eventId, after)
      return { eventId, before, after } satisfies Rebuilt
    })
  )
})

/** `tally ratings rebuild`: every rated event, one transaction each. */
export const rebuild = Effect.fn("Ratings.rebuild")(function* () {
  const tickets = yield* TicketingStore
  const rebuilt: Array<Rebuilt> = []
  for (const eventId of yield* tickets.ratedEvents) rebuilt.push(yield* rebuildEvent(eventId))
  return rebuilt
})

export type { Summary }
