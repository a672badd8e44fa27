// The job store on PostgreSQL (migrations/0010_job_store.up.sql). Claims lock queue rows FOR UPDATE SKIP LOCKED
// and move them in the same statement, so concurrent dispatchers never claim the same attempt; every later
// transition is appended after the head it was computed from (primary key job_id, seq), so a stale writer
// fails with TransitionConflict instead of forking a job's history.
import { PgClient } from "@effect/sql-pg"
import type { EventName, NewEvent, StoredEvent } from "@tally/domain/Event"
import type { JobState, Transition } from "@tally/domain/JobState"
import { isPending, leaseExpired as leaseExpiredError } from "@tally/domain/JobState"
import {
  type ClaimedJob,
  type Job,
  type JobQuery,
  JobStore,
  type JobView,
  TransitionConflict
} from "@tally/domain/ports/JobStore"
import { InvalidCursor } from "@tally/domain/ports/LedgerStore"
import type { StoreUnavailable } from "@tally/domain/ports/StoreError"
import type { Destination, Subscription } from "@tally/domain/Subscription"
import { DateTime, type Duration, Effect, Layer, Option } from "effect"
import type { SqlError } from "effect/sql"
import { outboxParts, withIds } from "./Outbox.ts"
import { unavailable } from "./PgLedgerStore.ts"
import { decodeCursor, encodeCursor } from "./Rows.ts"

interface JobRow {
  readonly id: string
  readonly event_id: string
  readonly event_name: string
  readonly destination: string
  readonly subscription_id: string
  readonly created_at: Date
}

interface TransitionRow {
  readonly job_id: string
  readonly seq: number
  readonly attempt: number
  readonly state_before: string | null
  readonly state_after: string
  readonly error: string | null
  readonly due_at: Date | null
  readonly created_at: Date
}

interface EventRow {
  readonly id: string
  readonly source: string
  readonly name: string
  readonly context: Record<string, unknown>
  readonly data: Record<string, unknown>
  readonly sent_at: Date
  readonly received_at: Date
  readonly ingested_at: Date
}

const utc = (d: Date) => DateTime.fromDateUnsafe(d)
const iso = (dt: DateTime.Utc | null) => (dt === null ? null : DateTime.formatIso(dt))

const toJob = (r: JobRow): Job => ({
  id: r.id,
  eventId: r.event_id,
  eventName: r.event_name as EventName,
  destination: r.destination as Destination,
  subscriptionId: r.subscription_id,
  createdAt: utc(r.created_at)
})

export const toTransition = (r: TransitionRow): Transition => ({
  seq: r.seq,
  attempt: r.attempt,
  stateBefore: r.state_before as JobState | null,
  stateAfter: r.state_after as JobState,
  error: r.error,
  dueAt: r.due_at === null ? null : utc(r.due_at),
  createdAt: utc(r.created_at)
})

const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  source: r.source,
  name: r.name as EventName,
  context: r.context,
  data: r.data,
  sentAt: utc(r.sent_at),
  receivedAt: utc(r.received_at),
  ingestedAt: utc(r.ingested_at)
})

const isUniqueViolation = (error: SqlError.SqlError) => error.reason._tag === "UniqueViolation"

export const make = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient

  const append = (events: ReadonlyArray<NewEvent>) =>
    Effect.gen(function* () {
      if (events.length === 0) return []
      const withId = withIds(events)
      const rows = yield* sql<EventRow>`WITH ${outboxParts(sql, withId)}
        SELECT id, source, name, context, data, sent_at, received_at, ingested_at FROM outbox_ev`.pipe(
        Effect.mapError(unavailable)
      )
      return rows.map(toEvent)
    })

  const subscribe = (subscriptions: ReadonlyArray<Subscription>) =>
    sql`INSERT INTO subscriptions (id, destination, webhook_id, event_name)
      SELECT v.id, v.destination, nullif(v.webhook_id, '')::uuid, v.event_name FROM unnest(${subscriptions.map((s) => s.id)}::uuid[], ${subscriptions.map((s) => s.destination)}::text[],
        ${subscriptions.map((s) => s.webhookId ?? "")}::text[], ${subscriptions.map((s) => s.eventName)}::text[])
        AS v(id, destination, webhook_id, event_name)
      ON CONFLICT DO NOTHING`.pipe(Effect.asVoid, Effect.mapError(unavailable))

  const claim = (
    destination: Destination,
    now: DateTime.Utc,
    limit: number,
    lease: Duration.Duration,
    maxAttempts: number
  ) =>
    Effect.gen(function* () {
      const at = DateTime.formatIso(now)
      const leaseEnd = DateTime.formatIso(DateTime.addDuration(now, lease))
      const rows = yield* sql<
        TransitionRow &
          Omit<JobRow, "id" | "created_at"> & { job_created_at: Date } & Omit<EventRow, "id" | "name"> & {
            webhook_id: string | null
            url: string | null
            secret: string | null
          }
      >`WITH due AS (
          SELECT job_id, state, seq, attempt FROM job_queue
          WHERE destination = ${destination} AND due_at <= ${at}::timestamptz
          ORDER BY due_at LIMIT ${limit}
          FOR UPDATE SKIP LOCKED
        ), exhausted AS (
          -- the lease ended on the last allowed attempt: that attempt failed, the job is discarded (claimOrDiscard)
          SELECT * FROM due WHERE state = 'executing' AND attempt >= ${maxAttempts}
        ), unqueued AS (
          DELETE FROM job_queue q USING exhausted x WHERE q.job_id = x.job_id
        ), discarded AS (
          INSERT INTO transitions (job_id, seq, attempt, state_before, state_after, error, due_at, created_at)
          SELECT job_id, seq + 1, attempt, 'executing', 'failed', ${leaseExpiredError}::text, NULL::timestamptz,
            ${at}::timestamptz
          FROM exhausted
          UNION ALL
          SELECT job_id, seq + 2, attempt, 'failed', 'discarded', NULL::text, NULL::timestamptz, ${at}::timestamptz
          FROM exhausted
        ), claimed AS (
          UPDATE job_queue q SET state = 'executing', seq = d.seq + 1, attempt = d.attempt + 1,
            due_at = ${leaseEnd}::timestamptz
          FROM due d WHERE q.job_id = d.job_id AND NOT (d.state = 'executing' AND d.attempt >= ${maxAttempts})
          RETURNING q.job_id, q.seq, q.attempt, d.state AS state_before
        ), tr AS (
          INSERT INTO transitions (job_id, seq, attempt, state_before, state_after, error, due_at, created_at)
          SELECT job_id, seq, attempt, state_before, 'executing',
            CASE WHEN state_before = 'executing' THEN ${leaseExpiredError} END, ${leaseEnd}::timestamptz,
            ${at}::timestamptz
          FROM claimed
        )
        SELECT c.job_id, c.seq, c.attempt, c.state_before, 'executing' AS state_after,
          CASE WHEN c.state_before = 'executing' THEN ${leaseExpiredError} END AS error,
          ${leaseEnd}::timestamptz AS due_at, ${at}::timestamptz AS created_at,
          j.event_id, j.event_name, j.destination, j.subscription_id, j.created_at AS job_created_at,
          e.source, e.context, e.data, e.sent_at, e.received_at, e.ingested_at, w.id AS webhook_id, w.url, w.secret
        FROM claimed c
        JOIN jobs j ON j.id = c.job_id
        JOIN events e ON e.id = j.event_id
        JOIN subscriptions s ON s.id = j.subscription_id
        LEFT JOIN webhooks w ON w.id = s.webhook_id`.pipe(Effect.mapError(unavailable))
      return rows.map(
        (r): ClaimedJob => ({
          job: toJob({ ...r, id: r.job_id, created_at: r.job_created_at }),
          event: toEvent({ ...r, id: r.event_id, name: r.event_name }),
          head: toTransition(r),
          webhook:
            r.webhook_id === null || r.url === null || r.secret === null
              ? null
              : { id: r.webhook_id, url: r.url, secret: r.secret }
        })
      )
    })

  const appendTransitions = (jobId: string, next: ReadonlyArray<Transition>) =>
    Effect.gen(function* () {
      const last = next.at(-1)
      if (last === undefined) return
      const pending = isPending(last.stateAfter)
      yield* sql`WITH tr AS (
          INSERT INTO transitions (job_id, seq, attempt, state_before, state_after, error, due_at, created_at)
          SELECT ${jobId}::uuid, v.seq, v.attempt, nullif(v.state_before, ''), v.state_after, nullif(v.error, ''),
            nullif(v.due_at, '')::timestamptz, v.created_at
          FROM unnest(
            ${next.map((t) => t.seq)}::int4[], ${next.map((t) => t.attempt)}::int4[],
            ${next.map((t) => t.stateBefore ?? "")}::text[], ${next.map((t) => t.stateAfter)}::text[],
            ${next.map((t) => t.error ?? "")}::text[], ${next.map((t) => iso(t.dueAt) ?? "")}::text[],
            ${next.map((t) => DateTime.formatIso(t.createdAt))}::timestamptz[]
          ) AS v(seq, attempt, state_before, state_after, error, due_at, created_at)
          RETURNING 1
        ), removed AS (
          DELETE FROM job_queue WHERE job_id = ${jobId} AND NOT ${pending}
        ), queued AS (
          INSERT INTO job_queue (job_id, destination, state, seq, attempt, due_at)
          SELECT j.id, j.destination, ${last.stateAfter}, ${last.seq}, ${last.attempt}, ${iso(last.dueAt)}::timestamptz
          FROM jobs j WHERE j.id = ${jobId} AND ${pending}
          ON CONFLICT (job_id) DO UPDATE SET state = excluded.state, seq = excluded.seq, attempt = excluded.attempt,
            due_at = excluded.due_at
        )
        SELECT count(*) FROM tr`.pipe(
        Effect.mapError((error): TransitionConflict | StoreUnavailable =>
          isUniqueViolation(error) ? new TransitionConflict({ jobId, seq: next[0]!.seq }) : unavailable(error)
        )
      )
    })

  const transitionsOf = (ids: ReadonlyArray<string>) =>
    sql<TransitionRow>`SELECT job_id, seq, attempt, state_before, state_after, error, due_at, created_at
      FROM transitions WHERE job_id = ANY(${[...ids]}::uuid[]) ORDER BY job_id, seq`.pipe(
      Effect.map((rows) => {
        const byJob = new Map<string, Array<Transition>>()
        for (const r of rows) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), toTransition(r)])
        return byJob
      }),
      Effect.mapError(unavailable)
    )

  const withTransitions = (jobs: ReadonlyArray<JobRow>) =>
    Effect.map(
      transitionsOf(jobs.map((j) => j.id)),
      (byJob): ReadonlyArray<JobView> => jobs.map((j) => ({ ...toJob(j), transitions: byJob.get(j.id) ?? [] }))
    )

  const get = (jobId: string) =>
    Effect.gen(function* () {
      const rows = yield* sql<JobRow>`SELECT id, event_id, event_name, destination, subscription_id, created_at
        FROM jobs WHERE id = ${jobId}`.pipe(Effect.mapError(unavailable))
      const [view] = yield* withTransitions(rows)
      return Option.fromNullishOr(view)
    })

  const list = (query: JobQuery) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const rows = yield* sql<JobRow>`SELECT j.id, j.event_id, j.event_name, j.destination, j.subscription_id,
          j.created_at
        FROM jobs j
        CROSS JOIN LATERAL (SELECT state_after, attempt FROM transitions t WHERE t.job_id = j.id
          ORDER BY seq DESC LIMIT 1) h
        WHERE ${query.destinations === null ? sql`true` : sql`j.destination = ANY(${[...query.destinations]}::text[])`}
          AND ${query.events === null ? sql`true` : sql`j.event_name = ANY(${[...query.events]}::text[])`}
          AND ${query.statusIn === null ? sql`true` : sql`h.state_after = ANY(${[...query.statusIn]}::text[])`}
          AND ${query.statusNotIn === null ? sql`true` : sql`h.state_after <> ALL(${[...query.statusNotIn]}::text[])`}
          AND ${query.maxAttempts === null ? sql`true` : sql`h.attempt <= ${query.maxAttempts}`}
          AND ${after === undefined ? sql`true` : sql`(j.created_at, j.id) > (${after.createdAt}, ${after.id})`}
        ORDER BY j.created_at, j.id LIMIT ${query.limit + 1}`.pipe(Effect.mapError(unavailable))
      const page = rows.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: yield* withTransitions(page),
        nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.created_at, last.id) : null
      }
    })

  const events = (ids: ReadonlyArray<string>) =>
    sql<EventRow>`SELECT id, source, name, context, data, sent_at, received_at, ingested_at FROM events
      WHERE id = ANY(${[...ids]}::uuid[]) ORDER BY id`.pipe(
      Effect.map((rows) => rows.map(toEvent)),
      Effect.mapError(unavailable)
    )

  const listEvents = (query: {
    readonly names: ReadonlyArray<EventName> | null
    readonly afterId: string | null
    readonly limit: number
  }) =>
    sql<EventRow>`SELECT id, source, name, context, data, sent_at, received_at, ingested_at FROM events
      WHERE ${query.names === null ? sql`true` : sql`name = ANY(${[...query.names]}::text[])`}
        AND ${query.afterId === null ? sql`true` : sql`id > ${query.afterId}`}
      ORDER BY id LIMIT ${query.limit}`.pipe(
      Effect.map((rows) => rows.map(toEvent)),
      Effect.mapError(unavailable)
    )

  // the only DELETE the triggers let through: this transaction says it is the retention job
  const pruneSucceeded = (before: DateTime.Utc, limit: number) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          yield* sql`SELECT set_config('tally.job_retention', 'on', true)`
          const [row] = yield* sql<{ pruned: number }>`WITH doomed AS (
              SELECT job_id FROM transitions WHERE state_after = 'succeeded' AND created_at < ${DateTime.formatIso(before)}::timestamptz
              ORDER BY created_at LIMIT ${limit}
            ), gone AS (
              DELETE FROM transitions WHERE job_id IN (SELECT job_id FROM doomed)
            ), jobs_gone AS (
              DELETE FROM jobs WHERE id IN (SELECT job_id FROM doomed) RETURNING 1
            )
            SELECT count(*)::int AS pruned FROM jobs_gone`
          return row?.pruned ?? 0
        })
      )
      .pipe(Effect.mapError(unavailable))

  const stats = (now: DateTime.Utc) =>
    Effect.gen(function* () {
      const counts = yield* sql<{ destination: string; state: string; count: number }>`
        SELECT j.destination, h.state_after AS state, count(*)::int AS count
        FROM jobs j CROSS JOIN LATERAL (SELECT state_after FROM transitions t WHERE t.job_id = j.id
          ORDER BY seq DESC LIMIT 1) h
        GROUP BY 1, 2`.pipe(Effect.mapError(unavailable))
      const [oldest] = yield* sql<{ due_at: Date | null }>`SELECT min(due_at) AS due_at FROM job_queue
        WHERE state = 'awaiting' AND due_at <= ${DateTime.formatIso(now)}::timestamptz`.pipe(
        Effect.mapError(unavailable)
      )
      return {
        counts: counts.map((c) => ({
          destination: c.destination as Destination,
          state: c.state as JobState,
          count: c.count
        })),
        oldestDueAt: oldest?.due_at == null ? null : utc(oldest.due_at)
      }
    })

  return JobStore.of({
    append,
    subscribe,
    claim,
    appendTransitions,
    get,
    list,
    events,
    listEvents,
    pruneSucceeded,
    stats
  })
})

export const layer = Layer.effect(JobStore, make)
