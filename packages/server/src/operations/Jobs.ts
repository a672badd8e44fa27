// The job store, operated by the admin: jobs with their transitions and their event, filtered and paged; a
// failed or discarded job retried by hand (a new transition, never an update). Secrets in event data (the
// confirmation token of user.signed_up) never leave in this view (`redact`).
import { eventNames, type StoredEvent } from "@tally/domain/Event"
import { type JobState, jobStates, type Transition } from "@tally/domain/JobState"
import { JobStore, type JobView, stateOf } from "@tally/domain/ports/JobStore"
import { type Destination, destinations } from "@tally/domain/Subscription"
import * as Jobs from "@tally/domain/usecases/Jobs"
import { Effect, Schema } from "effect"
import { redact } from "../delivery/Redact.ts"
import {
  invalidCursor,
  jobBusy,
  jobNotFound,
  jobNotRetryable,
  pageSizeTooLarge,
  ValidationFailed,
  validationFailed
} from "./Errors.ts"
import { pageSize } from "./Limits.ts"
import { operation } from "./Operation.ts"
import { ById, iso, PageFields, pageOf } from "./Schemas.ts"

export const groups = {
  jobs: {
    title: "Jobs",
    description: "The outbox: one job per destination per event, its state the latest of its transitions (admin key)"
  }
}

const TransitionJson = Schema.Struct({
  seq: Schema.Number,
  attempt: Schema.Number,
  stateBefore: Schema.NullOr(Schema.String),
  stateAfter: Schema.String,
  error: Schema.NullOr(Schema.String),
  dueAt: Schema.NullOr(Schema.String),
  createdAt: Schema.String
}).annotate({ identifier: "JobTransition" })

const EventJson = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  source: Schema.String,
  context: Schema.Record(Schema.String, Schema.Unknown),
  data: Schema.Record(Schema.String, Schema.Unknown).annotate({
    description: 'The event\'s data; secrets (tokens, passwords, secrets) are replaced by "[redacted]"'
  }),
  sentAt: Schema.String
}).annotate({ identifier: "JobEvent" })

export const JobJson = Schema.Struct({
  id: Schema.String,
  eventId: Schema.String,
  eventName: Schema.String,
  destination: Schema.String,
  subscriptionId: Schema.String,
  state: Schema.String,
  attempts: Schema.Number,
  createdAt: Schema.String,
  transitions: Schema.Array(TransitionJson),
  event: Schema.NullOr(EventJson)
}).annotate({ identifier: "Job" })

const transitionJson = (t: Transition): typeof TransitionJson.Type => ({
  seq: t.seq,
  attempt: t.attempt,
  stateBefore: t.stateBefore,
  stateAfter: t.stateAfter,
  error: t.error,
  dueAt: t.dueAt === null ? null : iso(t.dueAt),
  createdAt: iso(t.createdAt)
})

const eventJson = (e: StoredEvent): typeof EventJson.Type => ({
  id: e.id,
  name: e.name,
  source: e.source,
  context: redact(e.context) as Record<string, unknown>,
  data: redact(e.data) as Record<string, unknown>,
  sentAt: iso(e.sentAt)
})

const jobJson = (job: JobView, event: StoredEvent | undefined): typeof JobJson.Type => ({
  id: job.id,
  eventId: job.eventId,
  eventName: job.eventName,
  destination: job.destination,
  subscriptionId: job.subscriptionId,
  state: stateOf(job),
  attempts: job.transitions.at(-1)?.attempt ?? 0,
  createdAt: iso(job.createdAt),
  transitions: job.transitions.map(transitionJson),
  event: event === undefined ? null : eventJson(event)
})

const withEvents = (jobs: ReadonlyArray<JobView>) =>
  Effect.gen(function* () {
    const events = yield* (yield* JobStore).events([...new Set(jobs.map((j) => j.eventId))])
    const byId = new Map(events.map((e) => [e.id, e]))
    return jobs.map((j) => jobJson(j, byId.get(j.eventId)))
  })

const List = (description: string) =>
  Schema.optionalKey(Schema.String.check(Schema.isMaxLength(500)).annotate({ description }))

/** A comma-separated filter checked against the values it may hold (null when absent). */
const oneOf = <A extends string>(field: string, given: string | undefined, allowed: ReadonlyArray<A>) =>
  Effect.gen(function* () {
    if (given === undefined) return null
    const values = given.split(",").map((v) => v.trim())
    const unknown = values.find((v) => !(allowed as ReadonlyArray<string>).includes(v))
    if (unknown !== undefined) {
      return yield* new ValidationFailed({
        code: "validation_failed",
        detail: `${field}: unknown value ${JSON.stringify(unknown)} (one of ${allowed.join(", ")})`,
        errors: [{ path: ["query", field], message: `comma-separated values of ${allowed.join(", ")}` }]
      })
    }
    return values as unknown as ReadonlyArray<A>
  })

export const ListJobs = Schema.Struct({
  destinations: List(`Comma-separated destinations: ${destinations.join(", ")}`),
  events: List("Comma-separated event names"),
  statusIn: List(`Comma-separated states: ${jobStates.join(", ")}`),
  statusNotIn: List("Comma-separated states to leave out"),
  maxAttempts: Schema.optionalKey(
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)).annotate({ description: "Jobs with at most this many attempts" })
  ),
  ...PageFields
}).annotate({ identifier: "ListJobs" })

export const list = operation({
  name: "jobs.list",
  description: "Jobs with their transitions and event, filtered, a page at a time (admin key)",
  payload: ListJobs,
  success: pageOf(JobJson),
  errors: [validationFailed, pageSizeTooLarge, invalidCursor],
  access: "admin",
  idempotent: false,
  http: { method: "GET", path: "/v1/admin/jobs" },
  handle: (payload) =>
    Effect.gen(function* () {
      const page = yield* Jobs.list({
        destinations: yield* oneOf<Destination>("destinations", payload.destinations, destinations),
        events: yield* oneOf("events", payload.events, eventNames),
        statusIn: yield* oneOf<JobState>("statusIn", payload.statusIn, jobStates),
        statusNotIn: yield* oneOf<JobState>("statusNotIn", payload.statusNotIn, jobStates),
        maxAttempts: payload.maxAttempts ?? null,
        cursor: payload.cursor ?? null,
        limit: yield* pageSize(payload.limit)
      })
      return { items: yield* withEvents(page.items), nextCursor: page.nextCursor }
    })
})

export const retry = operation({
  name: "jobs.retry",
  description: "Retry a failed or discarded job now (a new transition; its attempts count again from 0)",
  payload: ById,
  success: JobJson,
  errors: [jobNotFound, jobNotRetryable, jobBusy],
  access: "admin",
  idempotent: false,
  http: { method: "POST", path: "/v1/admin/jobs/:id/retry" },
  handle: ({ id }) =>
    Effect.gen(function* () {
      const job = yield* Jobs.retry(id)
      return (yield* withEvents([job]))[0]!
    })
})

export const operations = [list, retry] as const
