// Ticketing refusals on the wire: each ticketing code (domain/ticketing/TicketingCode.ts) has one wire class, and
// each operation lists the codes it answers with. A reservation's hold refused by the ledger keeps the ledger's
// code (e.g. `insufficient_funds`) and, like every other refusal of a request that was understood, is a 422.
import type { TicketingRefused as Refused } from "@tally/domain/usecases/Ticketing"
import { Conflict, Forbidden, failure, NotFound, TicketingRefused, ValidationFailed, type WireError } from "./Errors.ts"

const notFound = new Set([
  "event_not_found",
  "reservation_not_found",
  "organizer_account_not_found",
  "payer_account_not_found",
  "ticket_not_found"
])
const forbidden = new Set(["not_event_organizer", "not_a_ticket_holder", "user_key_required"])
const invalid = new Set([
  "invalid_event_title",
  "invalid_event_capacity",
  "invalid_event_price",
  "rating_out_of_range",
  "quantity_must_be_positive"
])
const conflict = new Set(["reservation_id_reused"])

export const ticketingWire = (error: Refused): WireError => {
  const detail = `${error.code} (${error.id})`
  if (notFound.has(error.code)) return new NotFound({ code: error.code, detail })
  if (forbidden.has(error.code)) return new Forbidden({ code: error.code, detail })
  if (invalid.has(error.code)) return new ValidationFailed({ code: error.code, detail })
  if (conflict.has(error.code)) return new Conflict({ code: error.code, detail })
  return new TicketingRefused({ code: error.code, id: error.id, detail: `refused: ${error.code}` })
}

// --- the catalogue -------------------------------------------------------------------------------------------

export const eventNotFound = failure(NotFound, "event_not_found")
export const reservationNotFound = failure(NotFound, "reservation_not_found")
export const organizerNotFound = failure(NotFound, "organizer_account_not_found")
export const payerNotFound = failure(NotFound, "payer_account_not_found")
export const notOrganizer = failure(Forbidden, "not_event_organizer")
export const notHolder = failure(Forbidden, "not_a_ticket_holder")
/** Ratings belong to a user: the admin key has no user to rate as. */
export const userKeyRequired = failure(Forbidden, "user_key_required")
export const invalidEvent = failure(
  ValidationFailed,
  "invalid_event_title",
  "invalid_event_capacity",
  "invalid_event_price"
)
export const ratingOutOfRange = failure(ValidationFailed, "rating_out_of_range")
export const quantityInvalid = failure(ValidationFailed, "quantity_must_be_positive")
export const reservationIdReused = failure(Conflict, "reservation_id_reused")

export const eventChangeRefused = failure(TicketingRefused, "event_cancelled", "capacity_below_taken")
/** What a reservation can be refused with: the event's and seats' codes, and the ledger's for the hold. */
export const reserveRefused = failure(
  TicketingRefused,
  "event_cancelled",
  "event_already_started",
  "quantity_exceeds_capacity",
  "seats_sold_out",
  "seats_held_limit_exceeded",
  "fx_rate_not_found",
  "fx_rate_stale",
  "fx_amount_too_small",
  "insufficient_funds",
  "balance_would_overflow",
  "timeout_too_large"
)
/** Confirm and cancel: the reservation's state, the event's, and the ledger's for the hold. */
export const settleRefused = failure(
  TicketingRefused,
  "event_cancelled",
  "reservation_already_confirmed",
  "reservation_already_cancelled",
  "reservation_already_refunded",
  "reservation_expired",
  "transfer_not_pending",
  "pending_transfer_failed",
  "pending_transfer_already_posted",
  "pending_transfer_already_voided",
  "balance_would_overflow"
)
