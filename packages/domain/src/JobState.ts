// The life of an outbox job, as pure functions over its latest transition. Rows are never updated: every step
// appends a transition (docs/reference/jobs.md). acknowledged → awaiting → executing → succeeded | failed;
// failed → awaiting (retry after a backoff) | discarded (attempts exhausted); a lease that ends while executing
// lets another dispatcher claim it again (executing → executing); failed and discarded jobs can be retried by
// hand (→ awaiting, with a fresh attempt budget).
import { DateTime, Duration, Result, Schema } from "effect"

export const jobStates = ["acknowledged", "awaiting", "executing", "succeeded", "failed", "discarded"] as const
export type JobState = (typeof jobStates)[number]

export const transitions: ReadonlyMap<JobState, ReadonlyArray<JobState>> = new Map<JobState, ReadonlyArray<JobState>>([
  ["acknowledged", ["awaiting"]],
  ["awaiting", ["executing"]],
  ["executing", ["executing", "succeeded", "failed"]],
  ["failed", ["awaiting", "discarded"]],
  ["discarded", ["awaiting"]],
  ["succeeded", []]
])

export const canTransition = (from: JobState, to: JobState): boolean => transitions.get(from)?.includes(to) ?? false

/** States with a due time: the dispatcher's queue holds exactly the jobs in one of them. */
export const isPending = (state: JobState): boolean => state === "awaiting" || state === "executing"

export interface Transition {
  /** 0, 1, 2, … within the job. */
  readonly seq: number
  /** Attempts made since the job was created or last retried by hand. */
  readonly attempt: number
  readonly stateBefore: JobState | null
  readonly stateAfter: JobState
  readonly error: string | null
  /** awaiting: when the next attempt is due; executing: when the lease ends; null otherwise. */
  readonly dueAt: DateTime.Utc | null
  readonly createdAt: DateTime.Utc
}

export class IllegalJobTransition extends Schema.TaggedError<IllegalJobTransition>()("IllegalJobTransition", {
  from: Schema.String,
  to: Schema.String
}) {}

/** The job is not failed or discarded: only those can be retried by hand. */
export class JobNotRetryable extends Schema.TaggedError<JobNotRetryable>()("JobNotRetryable", {
  jobId: Schema.String,
  state: Schema.String
}) {}

export interface RetryPolicy {
  /** Attempts before the job is discarded (≥ 1). */
  readonly maxAttempts: number
  /** Delay before the second attempt; doubles each time. */
  readonly backoffBaseMs: number
  readonly backoffMaxMs: number
  /** 0…1: the share of each delay that is random (0 = none, 1 = "full jitter"). */
  readonly jitter: number
}

/** The error of an attempt whose lease ended without an outcome. */
export const leaseExpired = "lease expired (the previous attempt did not report)"

const errorMax = 2000
const clip = (error: string) => (error.length > errorMax ? `${error.slice(0, errorMax - 1)}…` : error)

const step = (
  head: Transition,
  to: JobState,
  fields: { attempt?: number; error?: string | null; dueAt?: DateTime.Utc | null },
  now: DateTime.Utc
): Transition => ({
  seq: head.seq + 1,
  attempt: fields.attempt ?? head.attempt,
  stateBefore: head.stateAfter,
  stateAfter: to,
  error: fields.error === undefined || fields.error === null ? null : clip(fields.error),
  dueAt: fields.dueAt ?? null,
  createdAt: now
})

/** A new job's first two transitions: acknowledged, then awaiting its first attempt right away. */
export const acknowledge = (now: DateTime.Utc): readonly [Transition, Transition] => {
  const first: Transition = {
    seq: 0,
    attempt: 0,
    stateBefore: null,
    stateAfter: "acknowledged",
    error: null,
    dueAt: null,
    createdAt: now
  }
  return [first, step(first, "awaiting", { dueAt: now }, now)]
}

/** Whether a dispatcher may claim the job at `now`: awaiting and due, or executing with its lease over. */
export const isDue = (head: Transition, now: DateTime.Utc): boolean =>
  isPending(head.stateAfter) && head.dueAt !== null && DateTime.toEpochMillis(head.dueAt) <= DateTime.toEpochMillis(now)

/** Claim for one attempt, leased until now + lease. */
export const claim = (
  head: Transition,
  now: DateTime.Utc,
  lease: Duration.Duration
): Result.Result<Transition, IllegalJobTransition> =>
  !isDue(head, now)
    ? Result.fail(new IllegalJobTransition({ from: head.stateAfter, to: "executing" }))
    : Result.succeed(
        step(
          head,
          "executing",
          {
            attempt: head.attempt + 1,
            error: head.stateAfter === "executing" ? leaseExpired : null,
            dueAt: DateTime.addDuration(now, lease)
          },
          now
        )
      )

/**
 * What a dispatcher appends for a due job: the claim of a new attempt; or, when the job's lease ended on its last
 * allowed attempt (the instance running it crashed), that attempt failed and the job is discarded — so a job that
 * kills whoever runs it cannot loop forever.
 */
export const claimOrDiscard = (
  head: Transition,
  now: DateTime.Utc,
  lease: Duration.Duration,
  maxAttempts: number
): Result.Result<ReadonlyArray<Transition>, IllegalJobTransition> => {
  if (head.stateAfter === "executing" && head.attempt >= maxAttempts && isDue(head, now)) {
    const failed = step(head, "failed", { error: leaseExpired }, now)
    return Result.succeed([failed, step(failed, "discarded", {}, now)])
  }
  return Result.map(claim(head, now, lease), (t) => [t])
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failed: base · 2^(attempt−1), capped, of which the `jitter`
 * share is scaled by `random` (in [0, 1), injected so tests are deterministic).
 */
export const backoffMs = (policy: RetryPolicy, attempt: number, random: number): number => {
  const exponential = policy.backoffBaseMs * 2 ** Math.max(0, attempt - 1)
  const capped = Math.min(policy.backoffMaxMs, exponential)
  const jitter = Math.min(1, Math.max(0, policy.jitter))
  return Math.round(capped * (1 - jitter) + capped * jitter * Math.min(Math.max(random, 0), 1))
}

export type Outcome = { readonly _tag: "Succeeded" } | { readonly _tag: "Failed"; readonly error: string }

/** What an attempt's outcome appends: succeeded; or failed then awaiting after a backoff; or failed then discarded. */
export const complete = (
  head: Transition,
  outcome: Outcome,
  policy: RetryPolicy,
  random: number,
  now: DateTime.Utc
): Result.Result<ReadonlyArray<Transition>, IllegalJobTransition> => {
  if (head.stateAfter !== "executing") {
    return Result.fail(new IllegalJobTransition({ from: head.stateAfter, to: outcome._tag.toLowerCase() }))
  }
  if (outcome._tag === "Succeeded") return Result.succeed([step(head, "succeeded", {}, now)])
  const failed = step(head, "failed", { error: outcome.error }, now)
  if (head.attempt >= policy.maxAttempts) return Result.succeed([failed, step(failed, "discarded", {}, now)])
  const delay = Duration.millis(backoffMs(policy, head.attempt, random))
  return Result.succeed([failed, step(failed, "awaiting", { dueAt: DateTime.addDuration(now, delay) }, now)])
}

/** A retry by hand: a failed or discarded job awaits a new attempt now, with a fresh attempt budget. */
export const retry = (
  jobId: string,
  head: Transition,
  now: DateTime.Utc
): Result.Result<Transition, JobNotRetryable> =>
  head.stateAfter === "failed" || head.stateAfter === "discarded"
    ? Result.succeed(step(head, "awaiting", { attempt: 0, dueAt: now }, now))
    : Result.fail(new JobNotRetryable({ jobId, state: head.stateAfter }))

/** Checks a chain of transitions: seq 0…n, each step legal. For tests and verifiers. */
export const isValidChain = (chain: ReadonlyArray<Transition>): boolean =>
  chain.length > 0 &&
  chain[0]!.stateAfter === "acknowledged" &&
  chain[0]!.stateBefore === null &&
  chain.every(
    (t, i) =>
      t.seq === i &&
      (i === 0 || (t.stateBefore === chain[i - 1]!.stateAfter && canTransition(t.stateBefore!, t.stateAfter))) &&
      (t.dueAt !== null) === isPending(t.stateAfter)
  )
