import { Schema } from "effect"

/**
 * Every way a ticketing command can be refused, in precedence order (checked in this order, first wins).
 * A reservation whose hold the ledger refuses reports the ledger's own code (e.g. `insufficient_funds`),
 * which ranks after the event checks and before the seat checks (docs/reference/result-codes.md).
 */
export const ticketingCodes = [
  ["organizer_account_not_found", "create only: no account visible to the caller has the organizer account id"],
  ["invalid_event_title", "create only: the title is empty or longer than 200 characters"],
  ["invalid_event_capacity", "create only: the capacity is not a whole number from 1 to 1,000,000"],
  ["invalid_event_price", "create only: the price is not greater than 0"],
  ["event_not_found", "no event has the given id (or the caller may not see it)"],
  ["not_event_organizer", "only the organizer (the owner of the organizer account) or the admin may do this"],
  ["event_cancelled", "the event was cancelled"],
  ["capacity_below_taken", "change only: the new capacity is below the seats already held or sold"],
  ["event_already_started", "the event's start time has passed"],
  ["quantity_must_be_positive", "the number of seats is not a whole number of at least 1"],
  ["quantity_exceeds_capacity", "more seats were asked for than the event has"],
  ["reservation_id_reused", "a stored reservation has this id but other content"],
  ["payer_account_not_found", "no account visible to the caller has the payer account id"],
  ["seats_sold_out", "fewer seats are free than were asked for"],
  ["seats_held_limit_exceeded", "the holder would hold more seats at once than the configured maximum"],
  ["reservation_not_found", "no reservation visible to the caller has the given id"],
  ["reservation_already_confirmed", "the reservation was already confirmed"],
  ["reservation_already_cancelled", "the reservation was already cancelled"],
  ["reservation_already_refunded", "the reservation was refunded (its event was cancelled)"],
  ["reservation_expired", "the reservation expired (or is due to: expiresAt is not after now)"],
  ["reservation_not_expired", "expire only: the reservation's expiresAt is still in the future"],
  ["ticket_not_found", "verify only: no ticket has the given verification code"],
  ["rating_out_of_range", "a rating is a whole number from 1 to 5"],
  ["not_a_ticket_holder", "only a holder of a confirmed ticket for the event may rate it"]
] as const

export type TicketingCode = (typeof ticketingCodes)[number][0]

export const codes: ReadonlyArray<TicketingCode> = ticketingCodes.map(([code]) => code)

export const TicketingCode = Schema.Literals(codes as ReadonlyArray<TicketingCode>)
