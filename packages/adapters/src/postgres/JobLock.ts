// Scheduled runs execute once across every instance sharing the database (docs/adr/0018-scheduled-jobs-run-once.md).
// A run takes, on a connection of its own, a session advisory lock named after its job and holds it for the run, so
// runs of one job never overlap anywhere; then it claims its cron tick in tally_job_runs, so an instance whose clock
// lags (and finds the lock already free) does not run the same tick again.

import * as os from "node:os"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Exit, Layer } from "effect"
import type { SqlError } from "effect/sql"

export type RunDecision = "ran" | "running-elsewhere" | "tick-taken"

export interface JobLockShape {
  /** Runs `run` for (job, tick) unless another instance runs the job now or already ran that tick. */
  readonly once: <A, E, R>(
    job: string,
    tick: Date,
    run: Effect.Effect<A, E, R>
  ) => Effect.Effect<RunDecision, E | SqlError.SqlError, R>
}

/** Tick claims older than this are deleted by the run that claims a newer tick of the same job. */
export const claimsRetentionDays = 7

const instance = `${os.hostname()}:${process.pid}`

/** One process, no coordination: every run runs (the default, and what the in-memory tests use). */
export const local: JobLockShape = { once: (_job, _tick, run) => Effect.as(run, "ran" as const) }

export class JobLock extends Context.Reference<JobLockShape>("tally/adapters/JobLock", { defaultValue: () => local }) {
  static readonly layer = Layer.effect(
    JobLock,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const once = <A, E, R>(job: string, tick: Date, run: Effect.Effect<A, E, R>) =>
        Effect.scoped(
          Effect.gen(function* () {
            const connection = yield* sql.reserve
            const [lock] = yield* connection.execute(
              "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked",
              [`tally-job:${job}`],
              undefined
            )
            if (lock?.locked !== true) return "running-elsewhere" as const
            yield* Effect.addFinalizer(() =>
              connection
                .execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`tally-job:${job}`], undefined)
                .pipe(Effect.ignore)
            )
            const claimed = yield* sql<{ job: string }>`
              INSERT INTO tally_job_runs (job, tick, instance) VALUES (${job}, ${tick}, ${instance})
              ON CONFLICT (job, tick) DO NOTHING RETURNING job`
            if (claimed.length === 0) return "tick-taken" as const
            const exit = yield* Effect.exit(run)
            yield* sql`UPDATE tally_job_runs SET finished_at = now(),
                outcome = ${Exit.isSuccess(exit) ? "success" : "failure"}
              WHERE job = ${job} AND tick = ${tick}`.pipe(Effect.ignore)
            yield* sql`DELETE FROM tally_job_runs
              WHERE job = ${job} AND tick < ${tick}::timestamptz - make_interval(days => ${claimsRetentionDays})`.pipe(
              Effect.ignore
            )
            return yield* Exit.isSuccess(exit) ? Effect.succeed("ran" as const) : Effect.failCause(exit.cause)
          })
        )
      return JobLock.of({ once })
    })
  )
}
