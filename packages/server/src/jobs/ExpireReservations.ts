// expire-reservations: voids the holds of reservations past their deadline and frees their seats, a bounded
// batch per run (TALLY_RESERVATION_EXPIRE_BATCH_MAX), each reservation in its own transaction. Idempotent: a
// reservation confirmed, cancelled or expired meanwhile is skipped (Reservations.expireDue).
import type { Ids } from "@tally/domain/ports/Ids"
import type { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { TicketCodes } from "@tally/domain/ports/TicketCodes"
import type { TicketingStore } from "@tally/domain/ports/TicketingStore"
import * as Reservations from "@tally/domain/usecases/Reservations"
import { TicketingLimits } from "@tally/domain/usecases/Ticketing"
import { type Cron, Effect } from "effect"
import { count } from "../metrics/Ticketing.ts"
import type { Job } from "./Job.ts"

export const expireReservations = (options: {
  readonly cron: Cron.Cron
}): Job<TicketingStore | LedgerStore | Ids | TicketCodes> => ({
  name: "expire-reservations",
  cron: options.cron,
  runAtStart: false,
  run: Effect.gen(function* () {
    const { expireBatchMax } = yield* TicketingLimits
    const expired = yield* Reservations.expireDue()
    if (expired > 0) {
      yield* count("expired", expired)
      yield* Effect.logInfo(`expired ${expired} reservation(s)`)
    }
    // a full batch means more are due: the next run picks them up
    if (expired === expireBatchMax) {
      yield* Effect.logWarning(`reservation expiry batch full (${expireBatchMax}); more due`)
    }
  })
})
