import { Context, Schema } from "effect"

/** Ticketing limits (configured from TALLY_RESERVATION_* settings, docs/reference/config.md). */
export class TicketingLimits extends Context.Reference<{
  /** A reservation (and its hold) expires this long after it was made. */
  readonly ttlSeconds: number
  /** Seats one holder may hold at once, across events. */
  readonly seatsHeldMax: number
  /** Reservations expired per run of the expiry job; also the page size of an event's cancellation. */
  readonly expireBatchMax: number
}>("tally/domain/TicketingLimits", {
  defaultValue: () => ({ ttlSeconds: 15 * 60, seatsHeldMax: 10, expireBatchMax: 500 })
}) {}

/**
 * A ticketing command was refused with a result code (a ticketing code, or the ledger's own code when the hold
 * was refused, e.g. `insufficient_funds`); nothing was changed.
 */
export class TicketingRefused extends Schema.TaggedError<TicketingRefused>()("TicketingRefused", {
  code: Schema.String,
  id: Schema.String
}) {}
