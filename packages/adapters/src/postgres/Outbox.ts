// The transactional outbox as SQL: CTE parts that append events, fan them out to one job per matching
// subscription, and give each job its first two transitions and its queue row. Spliced into the statement
// that makes the change (the ledger write, an account insert), so the events cost no extra round trip.
import type { PgClient } from "@effect/sql-pg"
import type { NewEvent } from "@tally/domain/Event"
import { DateTime } from "effect"
import type { Statement } from "effect/sql"
import { uuidv7 } from "../Uuid.ts"

export interface OutboxEvent extends NewEvent {
  readonly id: string
}

/** Gives each event its id (UUIDv7: time-ordered, so inserts land at the right edge of the index). */
export const withIds = (events: ReadonlyArray<NewEvent>): ReadonlyArray<OutboxEvent> =>
  events.map((e) => ({ ...e, id: uuidv7(DateTime.toEpochMillis(e.sentAt)) }))

/**
 * `outbox_ev`, `outbox_jb`, `outbox_tr`, `outbox_q`: to follow `WITH … ,` in a data-modifying statement. Job times
 * are the event's `sentAt` (the domain clock), so the dispatcher's due times compare with the same clock. `guard`
 * is the condition under which the rest of the statement writes: when it writes nothing, no event is appended.
 */
export const outboxParts = (
  sql: PgClient.PgClient,
  events: ReadonlyArray<OutboxEvent>,
  guard: Statement.Fragment = sql`true`
): Statement.Fragment => sql`
  outbox_ev AS (
    INSERT INTO events (id, source, name, context, data, sent_at, received_at)
    SELECT v.id, v.source, v.name, v.context::jsonb, v.data::jsonb, v.sent_at, v.sent_at
    FROM unnest(
      ${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.source)}::text[], ${events.map((e) => e.name)}::text[],
      ${events.map((e) => JSON.stringify(e.context))}::text[], ${events.map((e) => JSON.stringify(e.data))}::text[],
      ${events.map((e) => DateTime.formatIso(e.sentAt))}::timestamptz[]
    ) AS v(id, source, name, context, data, sent_at)
    WHERE ${guard}
    RETURNING id, source, name, context, data, sent_at, received_at, ingested_at
  ), outbox_jb AS (
    INSERT INTO jobs (id, event_id, event_name, subscription_id, destination, created_at)
    SELECT gen_random_uuid(), e.id, e.name, s.id, s.destination, e.sent_at
    FROM outbox_ev e JOIN subscriptions s ON s.event_name = e.name OR s.event_name = '*'
    RETURNING id, destination, created_at
  ), outbox_tr AS (
    INSERT INTO transitions (job_id, seq, attempt, state_before, state_after, due_at, created_at)
    SELECT j.id, t.seq, 0, t.before, t.after, CASE WHEN t.seq = 1 THEN j.created_at END, j.created_at
    FROM outbox_jb j CROSS JOIN (VALUES (0, NULL::text, 'acknowledged'), (1, 'acknowledged', 'awaiting')) AS t(seq, before, after)
  ), outbox_q AS (
    INSERT INTO job_queue (job_id, destination, state, seq, attempt, due_at)
    SELECT id, destination, 'awaiting', 1, 0, created_at FROM outbox_jb
  )`
