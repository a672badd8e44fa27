// A scheduled job: an effect run on a cron schedule (UTC). A run that fails is logged and counted, never
// stops the schedule or the service; runs of one job never overlap (the next is due after the last ends), and
// with JobLock.layer each cron tick runs on one instance only (docs/adr/0018-scheduled-jobs-run-once.md).
import { JobLock } from "@tally/adapters/postgres/JobLock"
import { Cause, Clock, Config, Cron, Duration, Effect, Metric, Result, Schema } from "effect"

export interface Job<R> {
  /** Bounded label value of the scheduler metrics: `expire-holds`, `fx-refresh`, `reconcile`. */
  readonly name: string
  readonly cron: Cron.Cron
  /** Run once when the scheduler starts, before waiting for the first cron time. */
  readonly runAtStart: boolean
  readonly run: Effect.Effect<void, unknown, R>
}

export const schedulerRuns = Metric.counter("tally_scheduler_runs_total", {
  description: "Scheduled job runs, by job and outcome (success, failure; skipped: another instance had the tick)",
  incremental: true
})

export const schedulerLastSuccess = Metric.gauge("tally_scheduler_last_success_timestamp_seconds", {
  description: "Unix time of the job's last successful run"
})

const CronExpression = Schema.String.check(
  Schema.makeFilter(
    (expression: string) =>
      Result.isSuccess(Cron.parse(expression, "UTC")) || `invalid cron expression ${JSON.stringify(expression)}`
  )
)

/** A cron expression from config (5 fields, or 6 with seconds), evaluated in UTC; invalid ones fail at start. */
export const cronConfig = (name: string, defaultExpression: string): Config.Config<Cron.Cron> =>
  Config.schema(CronExpression, name).pipe(
    Config.withDefault(defaultExpression),
    Config.map((expression) => Cron.parseUnsafe(expression, "UTC"))
  )

const count = (job: string, outcome: "success" | "failure" | "skipped") =>
  Metric.update(Metric.withAttributes(schedulerRuns, { job, outcome }), 1)

/**
 * One run for the cron tick `tick`: metrics and logs around it; a failure (or defect) is absorbed, an interruption
 * is not. Skipped (and counted so) when another instance runs the job or already ran this tick.
 */
export const runOnce = <R>(job: Job<R>, tick: Date = new Date(0)): Effect.Effect<void, never, R> =>
  Effect.gen(function* () {
    const lock = yield* JobLock
    const decision = yield* lock.once(job.name, tick, job.run.pipe(Effect.withSpan(`Job.${job.name}`)))
    if (decision === "ran") {
      yield* count(job.name, "success")
      const nowMs = yield* Clock.currentTimeMillis
      yield* Metric.update(Metric.withAttributes(schedulerLastSuccess, { job: job.name }), nowMs / 1000)
    } else {
      yield* count(job.name, "skipped")
      yield* Effect.logDebug(`job ${job.name} skipped: ${decision}`)
    }
  }).pipe(
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.andThen(Effect.logError(`job ${job.name} failed`, cause), count(job.name, "failure"))
    ),
    Effect.annotateLogs({ job: job.name })
  )

/**
 * Runs the job forever at each cron time (and first at start when asked, for the latest tick already due, so
 * instances starting one after the other do not each run it again).
 */
export const scheduled = <R>(job: Job<R>): Effect.Effect<never, never, R> =>
  Effect.gen(function* () {
    if (job.runAtStart) yield* runOnce(job, Cron.prev(job.cron, (yield* Clock.currentTimeMillis) + 1))
    while (true) {
      const now = yield* Clock.currentTimeMillis
      const tick = Cron.next(job.cron, now)
      yield* Effect.sleep(Duration.millis(tick.getTime() - now))
      yield* runOnce(job, tick)
    }
  })
