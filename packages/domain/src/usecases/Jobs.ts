// Operating the job store: list with filters, retry by hand (a new transition, never an update).
import { DateTime, Effect, Option, Result, Schema } from "effect"
import { retry as retryTransition } from "../JobState.ts"
import { headOf, type JobQuery, JobStore } from "../ports/JobStore.ts"

export class JobNotFound extends Schema.TaggedError<JobNotFound>()("JobNotFound", { jobId: Schema.String }) {}

export const list = Effect.fn("Jobs.list")(function* (query: JobQuery) {
  return yield* (yield* JobStore).list(query)
})

export const get = Effect.fn("Jobs.get")(function* (jobId: string) {
  const found = yield* (yield* JobStore).get(jobId)
  if (Option.isNone(found)) return yield* new JobNotFound({ jobId })
  return found.value
})

/** A failed or discarded job awaits a new attempt now; JobNotRetryable otherwise. */
export const retry = Effect.fn("Jobs.retry")(function* (jobId: string) {
  const store = yield* JobStore
  const job = yield* get(jobId)
  const next = yield* Result.match(retryTransition(jobId, headOf(job), yield* DateTime.now), {
    onFailure: Effect.fail,
    onSuccess: Effect.succeed
  })
  yield* store.appendTransitions(jobId, [next])
  return { ...job, transitions: [...job.transitions, next] }
})
