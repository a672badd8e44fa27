// A scheduled job: an effect run on a cron schedule (UTC). A run that fails is logged and counted, never
// stops the schedule or the service; runs of one job never overlap (the next is due after the last ends).
import { Cause, Clock, Config, Cron, Effect, Metric, Result, Schedule, Schema } from "effect"

export interface Job<R> {
  /** Bounded label value of the scheduler metrics: `expire-holds`, `fx-refresh`, `reconcile`. */
  readonly name: string
  readonly cron: Cron.Cron
  /** Run once when the scheduler starts, before waiting for the first cron time. */
  readonly runAtStart: boolean
  readonly run: Effect.Effect<void, unknown, R>
}

export const schedulerRuns = Metric.counter("tally_scheduler_runs_total", {
  description: "Scheduled job runs, by job and outcome (success, failure)",
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

/** One run: metrics and logs around it; a failure (or defect) is absorbed, an interruption is not. */
export const runOnce = <R>(job: Job<R>): Effect.Effect<void, never, R> =>
  job.run.pipe(
    Effect.withSpan(`Job.${job.name}`),
    Effect.matchCauseEffect({
      onFailure: (cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.failCause(cause as Cause.Cause<never>)
          : Effect.andThen(
              Effect.logError(`job ${job.name} failed`, cause),
              Metric.update(Metric.withAttributes(schedulerRuns, { job: job.name, outcome: "failure" }), 1)
            ),
      onSuccess: () =>
        Effect.gen(function* () {
          yield* Metric.update(Metric.withAttributes(schedulerRuns, { job: job.name, outcome: "success" }), 1)
          const nowMs = yield* Clock.currentTimeMillis
          yield* Metric.update(Metric.withAttributes(schedulerLastSuccess, { job: job.name }), nowMs / 1000)
        })
    }),
    Effect.annotateLogs({ job: job.name })
  )

/** Runs the job forever on its cron (and first at start when asked). */
export const scheduled = <R>(job: Job<R>): Effect.Effect<never, never, R> => {
  const once = runOnce(job)
  const onCron = Effect.schedule(once, Schedule.cron(job.cron)).pipe(
    Effect.orDie, // a parsed Cron cannot fail to parse
    Effect.andThen(Effect.die(new Error(`the schedule of job ${job.name} ended`)))
  )
  return job.runAtStart ? Effect.andThen(once, onCron) : onCron
}
