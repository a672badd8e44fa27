// expire-holds: expires the holds whose expiresAt has passed, up to a batch per run (each in its own
// transaction), releasing what they reserved.
import type { LedgerStore } from "@tally/domain/ports/LedgerStore"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { type Cron, Effect } from "effect"
import type { Job } from "./Job.ts"

export const expireHolds = (options: { readonly cron: Cron.Cron; readonly batchMax: number }): Job<LedgerStore> => ({
  name: "expire-holds",
  cron: options.cron,
  runAtStart: false,
  run: Effect.gen(function* () {
    const expired = yield* Transfers.expireDue(options.batchMax)
    if (expired > 0) yield* Effect.logInfo(`expired ${expired} hold(s)`)
    // a full batch means more are due: say so rather than loop, the next run picks them up
    if (expired === options.batchMax) yield* Effect.logWarning(`expire batch full (${options.batchMax}); more due`)
  })
})
