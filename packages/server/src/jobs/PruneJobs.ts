// prune-jobs: deletes outbox jobs that succeeded more than TALLY_JOB_RETENTION_HOURS ago (default 168), with
// their transitions, at most TALLY_JOB_RETENTION_BATCH_MAX per round; events stay. The only DELETE the job
// store's triggers let through (PgJobStore.pruneSucceeded).
import { JobStore } from "@tally/domain/ports/JobStore"
import { type Cron, DateTime, Duration, Effect } from "effect"
import type { Job } from "./Job.ts"

export const pruneJobs = (options: {
  readonly cron: Cron.Cron
  readonly retentionHours: number
  readonly batchMax: number
}): Job<JobStore> => ({
  name: "prune-jobs",
  cron: options.cron,
  runAtStart: false,
  run: Effect.gen(function* () {
    const store = yield* JobStore
    const before = DateTime.subtractDuration(yield* DateTime.now, Duration.hours(options.retentionHours))
    let total = 0
    // rounds of batchMax, so one run never holds a long transaction
    for (let round = 0; round < 100; round++) {
      const pruned = yield* store.pruneSucceeded(before, options.batchMax)
      total += pruned
      if (pruned < options.batchMax) break
    }
    if (total > 0) yield* Effect.logInfo(`pruned ${total} succeeded job(s)`)
  })
})
