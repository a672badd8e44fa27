import { Context, type Effect } from "effect"

/**
 * Where ticket verification codes come from: unguessable in production (a CSPRNG in the adapters), a
 * deterministic sequence in tests. Never Math.random.
 */
export class TicketCodes extends Context.Service<TicketCodes, { readonly next: Effect.Effect<string> }>()(
  "tally/domain/TicketCodes"
) {}
