// Checking a ticket at the door: valid while its reservation is confirmed (not refunded).
import { Effect, Option } from "effect"
import { TicketingStore } from "../ports/TicketingStore.ts"
import { TicketingRefused } from "./Ticketing.ts"

export const verify = Effect.fn("Tickets.verify")(function* (verificationCode: string) {
  const found = Option.getOrUndefined(yield* (yield* TicketingStore).findTicket(verificationCode))
  if (found === undefined) return yield* new TicketingRefused({ code: "ticket_not_found", id: verificationCode })
  return { ticket: found.ticket, valid: found.status === "confirmed" }
})
