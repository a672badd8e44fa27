// prune-idempotency: deletes idempotency records past TALLY_IDEMPOTENCY_RETENTION_HOURS (default 24).
import { IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import { type Cron, Effect } from "effect"
import type { Job } from "./Job.ts"

export const pruneIdempotency = (options: {
  readonly cron: Cron.Cron
  readonly retentionHours: number
}): Job<IdempotencyStore> => ({
  name: "prune-idempotency",
  cron: options.cron,
  runAtStart: false,
  run: Effect.gen(function* () {
    const pruned = yield* (yield* IdempotencyStore).prune(options.retentionHours)
    if (pruned > 0) yield* Effect.logInfo(`pruned ${pruned} idempotency record(s)`)
  })
})
