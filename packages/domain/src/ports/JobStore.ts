import { Context, type DateTime, type Duration, type Effect, type Option, Schema } from "effect"
import type { EventName, NewEvent, StoredEvent } from "../Event.ts"
import type { JobState, Transition } from "../JobState.ts"
import type { Destination, Subscription } from "../Subscription.ts"
import type { InvalidCursor, Page } from "./LedgerStore.ts"
import type { StoreUnavailable } from "./StoreError.ts"

export interface Job {
  readonly id: string
  readonly eventId: string
  readonly eventName: EventName
  readonly destination: Destination
  readonly subscriptionId: string
  readonly createdAt: DateTime.Utc
}

/** A job with its whole history, oldest transition first; the last one is its current state. */
export interface JobView extends Job {
  readonly transitions: ReadonlyArray<Transition>
}

export const headOf = (job: JobView): Transition => job.transitions.at(-1)!
export const stateOf = (job: JobView): JobState => headOf(job).stateAfter

/** What a dispatcher needs to run one attempt: the job, its event, the executing transition, the target. */
export interface ClaimedJob {
  readonly job: Job
  readonly event: StoredEvent
  readonly head: Transition
  readonly webhook: { readonly id: string; readonly url: string; readonly secret: string } | null
}

export interface JobQuery {
  readonly destinations: ReadonlyArray<Destination> | null
  readonly events: ReadonlyArray<EventName> | null
  readonly statusIn: ReadonlyArray<JobState> | null
  readonly statusNotIn: ReadonlyArray<JobState> | null
  /** Only jobs whose current attempt count is at most this. */
  readonly maxAttempts: number | null
  readonly cursor: string | null
  readonly limit: number
}

export interface JobStats {
  readonly counts: ReadonlyArray<{
    readonly destination: Destination
    readonly state: JobState
    readonly count: number
  }>
  /** Due time of the oldest job waiting for an attempt that is already due; null when none is. */
  readonly oldestDueAt: DateTime.Utc | null
}

/** Someone appended to the job since its head was read (another dispatcher, a retry by hand). */
export class TransitionConflict extends Schema.TaggedError<TransitionConflict>()("TransitionConflict", {
  jobId: Schema.String,
  seq: Schema.Number
}) {}

/** The job store: events, their jobs and the jobs' transitions; append-only but for retention. */
export class JobStore extends Context.Service<
  JobStore,
  {
    /** Appends events and their jobs (one per matching subscription) inside the caller's transaction. */
    readonly append: (events: ReadonlyArray<NewEvent>) => Effect.Effect<ReadonlyArray<StoredEvent>, StoreUnavailable>
    readonly subscribe: (subscriptions: ReadonlyArray<Subscription>) => Effect.Effect<void, StoreUnavailable>
    /**
     * Claims up to `limit` jobs of `destination` due at `now` (awaiting, or executing past its lease), each for one
     * attempt leased until now + lease. Concurrent claimers never get the same attempt. A job whose lease ended on
     * attempt `maxAttempts` is discarded instead (JobState.claimOrDiscard) and not returned.
     */
    readonly claim: (
      destination: Destination,
      now: DateTime.Utc,
      limit: number,
      lease: Duration.Duration,
      maxAttempts: number
    ) => Effect.Effect<ReadonlyArray<ClaimedJob>, StoreUnavailable>
    /** Appends transitions after the head `afterSeq`; fails with TransitionConflict when that is no longer the head. */
    readonly appendTransitions: (
      jobId: string,
      next: ReadonlyArray<Transition>
    ) => Effect.Effect<void, StoreUnavailable | TransitionConflict>
    readonly get: (jobId: string) => Effect.Effect<Option.Option<JobView>, StoreUnavailable>
    readonly list: (query: JobQuery) => Effect.Effect<Page<JobView>, StoreUnavailable | InvalidCursor>
    readonly events: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<StoredEvent>, StoreUnavailable>
    /** Events in id order (UUIDv7: time order), after `afterId`, optionally of some names only. */
    readonly listEvents: (query: {
      readonly names: ReadonlyArray<EventName> | null
      readonly afterId: string | null
      readonly limit: number
    }) => Effect.Effect<ReadonlyArray<StoredEvent>, StoreUnavailable>
    /** Deletes up to `limit` jobs that succeeded before `before` (with their transitions); returns how many. */
    readonly pruneSucceeded: (before: DateTime.Utc, limit: number) => Effect.Effect<number, StoreUnavailable>
    readonly stats: (now: DateTime.Utc) => Effect.Effect<JobStats, StoreUnavailable>
  }
>()("tally/domain/JobStore") {}
