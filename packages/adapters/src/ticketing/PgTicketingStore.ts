// Events, reservations, tickets and ratings on PostgreSQL, inside the ledger's transactions. The event row is
// the hot row of a popular event: it is changed by exactly one statement per transaction, the last before the
// ledger write and COMMIT, so its lock is held briefly (docs/adr/0021-seat-counting.md).
import { PgClient } from "@effect/sql-pg"
import { InvalidCursor, LedgerStore } from "@tally/domain/ports/LedgerStore"
import {
  type ListEvents,
  type SettleReservation,
  type TakeSeats,
  TicketingStore
} from "@tally/domain/ports/TicketingStore"
import type { Event, EventId } from "@tally/domain/ticketing/Event"
import type { Histogram, RatingEvent, RatingValue } from "@tally/domain/ticketing/Rating"
import type { HolderId, ReservationId, ReservationStatus } from "@tally/domain/ticketing/Reservation"
import { reservationEvent } from "@tally/domain/ticketing/ReservationEvents"
import { DateTime, Effect, Layer, Option } from "effect"
import { outboxParts, withIds } from "../postgres/Outbox.ts"
import { unavailable } from "../postgres/PgLedgerStore.ts"
import { toDate } from "../postgres/Rows.ts"
import {
  decodeEventCursor,
  type EventRow,
  encodeEventCursor,
  eventColumns,
  type HistogramRow,
  type RatingEventRow,
  type ReservationRow,
  reservationColumns,
  seatDeltas,
  type TicketRow,
  toEvent,
  toHistogram,
  toRatingEvent,
  toReservation,
  toTicket
} from "./TicketingRows.ts"

const histogramColumns = "count_1, count_2, count_3, count_4, count_5"

export const make = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  const ledger = yield* LedgerStore

  const createEvent = (event: Event) =>
    sql<EventRow>`INSERT INTO ticketed_events (id, organizer_account_id, title, starts_at, price, currency, status, capacity,
        held, sold, created_at, updated_at)
      VALUES (${event.id}, ${event.organizerAccountId}, ${event.title}, ${toDate(event.startsAt)}, ${event.priceMinor},
        ${event.currency}, ${event.status}, ${event.seats.capacity}, ${event.seats.held}, ${event.seats.sold},
        ${toDate(event.createdAt)}, ${toDate(event.updatedAt)})
      RETURNING ${sql.literal(eventColumns)}`.pipe(
      Effect.map((rows) => toEvent(rows[0]!)),
      Effect.mapError(unavailable)
    )

  const getEvent = (id: EventId) =>
    sql<EventRow>`SELECT ${sql.literal(eventColumns)} FROM ticketed_events WHERE id = ${id}`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toEvent)),
      Effect.mapError(unavailable)
    )

  const listEvents = (query: ListEvents) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeEventCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const rows = yield* sql<EventRow>`SELECT ${sql.literal(eventColumns)} FROM ticketed_events
        WHERE ${query.startingAfter === null ? sql`true` : sql`status = 'scheduled' AND starts_at > ${query.startingAfter}`}
          AND ${query.organizerAccountId === null ? sql`true` : sql`organizer_account_id = ${query.organizerAccountId}`}
          AND ${after === undefined ? sql`true` : sql`(starts_at, id) > (${after.startsAt}, ${after.id}::uuid)`}
        ORDER BY starts_at, id LIMIT ${query.limit + 1}`.pipe(Effect.mapError(unavailable))
      const page = rows.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: page.map(toEvent),
        nextCursor: rows.length > query.limit && last !== undefined ? encodeEventCursor(last.starts_at, last.id) : null
      }
    })

  const updateEvent = (event: Event) =>
    sql<{ updated: number; status: string | null; taken: number | null }>`
      WITH u AS (
        UPDATE ticketed_events SET title = ${event.title}, starts_at = ${toDate(event.startsAt)}, capacity = ${event.seats.capacity},
          price = ${event.priceMinor}, updated_at = ${toDate(event.updatedAt)}
        WHERE id = ${event.id} AND status = 'scheduled' AND held + sold <= ${event.seats.capacity}
        RETURNING id
      )
      SELECT (SELECT count(*) FROM u)::int AS updated, status, held + sold AS taken FROM ticketed_events WHERE id = ${event.id}`.pipe(
      Effect.map(([row]) =>
        row !== undefined && row.updated === 1
          ? ("updated" as const)
          : row?.status === "cancelled"
            ? ("event_cancelled" as const)
            : ("capacity_below_taken" as const)
      ),
      Effect.mapError(unavailable)
    )

  const markEventCancelled = (id: EventId, at: Date) =>
    sql`UPDATE ticketed_events SET status = 'cancelled', updated_at = ${at} WHERE id = ${id} AND status = 'scheduled'
      RETURNING id`.pipe(
      Effect.map((rows) => rows.length === 1),
      Effect.mapError(unavailable)
    )

  const takeSeats = ({ reservation: r, seatsHeldMax }: TakeSeats) =>
    sql<{ seat: number; cap: number; ins: number; status: string | null }>`
      WITH seat AS (
        UPDATE ticketed_events SET held = held + ${r.quantity}::int, updated_at = ${toDate(r.createdAt)}
        WHERE id = ${r.eventId} AND status = 'scheduled' AND held + sold + ${r.quantity}::int <= capacity
        RETURNING id
      ), cap AS (
        INSERT INTO seat_holders (holder_id, seats_held)
        SELECT ${r.holderId}::uuid, ${r.quantity}::int WHERE EXISTS (SELECT 1 FROM seat) AND ${r.quantity}::int <= ${seatsHeldMax}::int
        ON CONFLICT (holder_id) DO UPDATE SET seats_held = seat_holders.seats_held + excluded.seats_held
          WHERE seat_holders.seats_held + excluded.seats_held <= ${seatsHeldMax}::int
        RETURNING holder_id
      ), ins AS (
        INSERT INTO reservations (id, event_id, payer_account_id, holder_id, quantity, amount, hold_transfer_id,
          refund_transfer_id, status, expires_at, created_at, updated_at)
        SELECT ${r.id}::uuid, ${r.eventId}::uuid, ${r.payerAccountId}::uuid, ${r.holderId}::uuid, ${r.quantity}::int,
          ${r.amountMinor}::int8, ${r.holdTransferId}::uuid, ${r.refundTransferId}::uuid, ${r.status},
          ${toDate(r.expiresAt)}::timestamptz, ${toDate(r.createdAt)}::timestamptz, ${toDate(r.updatedAt)}::timestamptz
        WHERE EXISTS (SELECT 1 FROM cap)
        ON CONFLICT (id) DO NOTHING
        RETURNING id
      ), ${outboxParts(sql, withIds([reservationEvent(r, [])]), sql`EXISTS (SELECT 1 FROM ins)`)}
      SELECT (SELECT count(*) FROM seat)::int AS seat, (SELECT count(*) FROM cap)::int AS cap,
        (SELECT count(*) FROM ins)::int AS ins, (SELECT status FROM ticketed_events WHERE id = ${r.eventId}) AS status`.pipe(
      Effect.map(([row]) =>
        row === undefined || row.seat === 0
          ? row?.status == null
            ? ("event_not_found" as const)
            : row.status === "cancelled"
              ? ("event_cancelled" as const)
              : ("seats_sold_out" as const)
          : row.cap === 0
            ? ("seats_held_limit_exceeded" as const)
            : row.ins === 0
              ? ("reservation_exists" as const)
              : ("taken" as const)
      ),
      Effect.mapError(unavailable)
    )

  const getReservation = (id: ReservationId) =>
    sql<ReservationRow>`SELECT ${sql.literal(reservationColumns)} FROM reservations WHERE id = ${id}`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toReservation)),
      Effect.mapError(unavailable)
    )

  const lockReservation = (id: ReservationId) =>
    sql<ReservationRow>`SELECT ${sql.literal(reservationColumns)} FROM reservations WHERE id = ${id} FOR UPDATE`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toReservation)),
      Effect.mapError(unavailable)
    )

  const settleReservation = ({ reservation: r, from, seats, requireScheduled, tickets: t }: SettleReservation) => {
    const [heldDelta, soldDelta] = seatDeltas(seats)
    const released = heldDelta < 0 ? -heldDelta : 0
    return sql<{ r: number; e: number; h: number; t: number }>`
      WITH r AS (
        UPDATE reservations SET status = ${r.status}, updated_at = ${toDate(r.updatedAt)}
        WHERE id = ${r.id} AND status = ${from}
        RETURNING id
      ), e AS (
        UPDATE ticketed_events SET held = held + ${heldDelta}::int, sold = sold + ${soldDelta}::int, updated_at = ${toDate(r.updatedAt)}
        WHERE id = ${r.eventId} AND EXISTS (SELECT 1 FROM r) AND (NOT ${requireScheduled}::bool OR status = 'scheduled')
        RETURNING id
      ), h AS (
        UPDATE seat_holders SET seats_held = seats_held - ${released}::int
        WHERE holder_id = ${r.holderId} AND ${released}::int > 0 AND EXISTS (SELECT 1 FROM e)
        RETURNING 1
      ), t AS (
        INSERT INTO tickets (id, reservation_id, event_id, holder_id, seat, verification_code, issued_at)
        SELECT v.id, ${r.id}::uuid, ${r.eventId}::uuid, ${r.holderId}::uuid, v.seat, v.code, v.issued_at
        FROM unnest(${t.map((x) => x.id)}::uuid[], ${t.map((x) => x.seat)}::int[],
          ${t.map((x) => x.verificationCode)}::text[], ${t.map((x) => DateTime.formatIso(x.issuedAt))}::timestamptz[])
          AS v(id, seat, code, issued_at)
        WHERE EXISTS (SELECT 1 FROM e)
        RETURNING 1
      ), ${outboxParts(sql, withIds([reservationEvent(r, t)]), sql`EXISTS (SELECT 1 FROM e)`)}
      SELECT (SELECT count(*) FROM r)::int AS r, (SELECT count(*) FROM e)::int AS e,
        (SELECT count(*) FROM h)::int AS h, (SELECT count(*) FROM t)::int AS t`.pipe(
      Effect.mapError(unavailable),
      Effect.flatMap(([c]) => {
        if (c === undefined || c.r !== 1) {
          // the row was locked by this transaction (lockReservation) in state `from`: a bug, never a race
          return Effect.die(new Error(`reservation ${r.id} was not in state ${from}`))
        }
        if (c.e === 0) return Effect.succeed(false)
        if (c.h !== (released > 0 ? 1 : 0) || c.t !== t.length) {
          return Effect.die(new Error(`reservation settle mismatch: ${JSON.stringify(c)}`))
        }
        return Effect.succeed(true)
      })
    )
  }

  const dueReservations = (now: Date, limit: number) =>
    sql<{ id: string }>`SELECT id FROM reservations WHERE status = 'held' AND expires_at <= ${now}
      ORDER BY expires_at LIMIT ${limit}`.pipe(
      Effect.map((rows) => rows.map((r) => r.id as ReservationId)),
      Effect.mapError(unavailable)
    )

  const openReservations = (eventId: EventId, after: ReservationId | null, limit: number) =>
    sql<{ id: string }>`SELECT id FROM reservations
      WHERE event_id = ${eventId} AND status IN ('held', 'confirmed')
        AND ${after === null ? sql`true` : sql`id > ${after}`}
      ORDER BY id LIMIT ${limit}`.pipe(
      Effect.map((rows) => rows.map((r) => r.id as ReservationId)),
      Effect.mapError(unavailable)
    )

  const listTickets = (reservationId: ReservationId) =>
    sql<TicketRow>`SELECT id, reservation_id, event_id, holder_id, seat, verification_code, issued_at FROM tickets
      WHERE reservation_id = ${reservationId} ORDER BY seat`.pipe(
      Effect.map((rows) => rows.map(toTicket)),
      Effect.mapError(unavailable)
    )

  const findTicket = (verificationCode: string) =>
    sql<TicketRow & { status: string }>`SELECT t.id, t.reservation_id, t.event_id, t.holder_id, t.seat,
        t.verification_code, t.issued_at, r.status
      FROM tickets t JOIN reservations r ON r.id = t.reservation_id WHERE t.verification_code = ${verificationCode}`.pipe(
      Effect.map((rows) =>
        Option.map(Option.fromNullishOr(rows[0]), (row) => ({
          ticket: toTicket(row),
          status: row.status as ReservationStatus
        }))
      ),
      Effect.mapError(unavailable)
    )

  const seatsHeld = (holderId: HolderId) =>
    sql<{ seats_held: number }>`SELECT seats_held FROM seat_holders WHERE holder_id = ${holderId}`.pipe(
      Effect.map((rows) => Number(rows[0]?.seats_held ?? 0)),
      Effect.mapError(unavailable)
    )

  const isTicketHolder = (eventId: EventId, userId: HolderId) =>
    sql<{ holder: boolean }>`SELECT EXISTS (SELECT 1 FROM reservations
      WHERE holder_id = ${userId} AND event_id = ${eventId} AND status = 'confirmed') AS holder`.pipe(
      Effect.map((rows) => rows[0]?.holder === true),
      Effect.mapError(unavailable)
    )

  const lockHistogram = (eventId: EventId) =>
    // one statement that creates the row if need be and locks it either way
    sql<HistogramRow>`INSERT INTO rating_histograms (event_id) VALUES (${eventId})
      ON CONFLICT (event_id) DO UPDATE SET event_id = excluded.event_id
      RETURNING ${sql.literal(histogramColumns)}`.pipe(
      Effect.map((rows) => toHistogram(rows[0])),
      Effect.mapError(unavailable)
    )

  const latestRating = (eventId: EventId, userId: HolderId) =>
    sql<{ value: number }>`SELECT value FROM rating_events WHERE event_id = ${eventId} AND user_id = ${userId}
      ORDER BY seq DESC LIMIT 1`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), (r) => Number(r.value) as RatingValue)),
      Effect.mapError(unavailable)
    )

  const appendRating = (rating: Omit<RatingEvent, "seq">, histogram: Histogram) => {
    const [c1, c2, c3, c4, c5] = histogram.counts
    return sql<{ seq: bigint }>`
      WITH e AS (
        INSERT INTO rating_events (event_id, user_id, value, rated_at)
        VALUES (${rating.eventId}, ${rating.userId}, ${rating.value}, ${toDate(rating.ratedAt)})
        RETURNING seq
      )
      UPDATE rating_histograms SET count_1 = ${c1}, count_2 = ${c2}, count_3 = ${c3}, count_4 = ${c4},
        count_5 = ${c5}, last_seq = (SELECT seq FROM e), updated_at = ${toDate(rating.ratedAt)}
      WHERE event_id = ${rating.eventId}
      RETURNING last_seq AS seq`.pipe(
      Effect.mapError(unavailable),
      Effect.flatMap(([row]) =>
        row === undefined
          ? Effect.die(new Error(`no histogram row for event ${rating.eventId}: lockHistogram first`))
          : Effect.succeed({ ...rating, seq: BigInt(row.seq) })
      )
    )
  }

  const getHistogram = (eventId: EventId) =>
    sql<HistogramRow>`SELECT ${sql.literal(histogramColumns)} FROM rating_histograms WHERE event_id = ${eventId}`.pipe(
      Effect.map((rows) => toHistogram(rows[0])),
      Effect.mapError(unavailable)
    )

  const ratingEvents = (eventId: EventId) =>
    sql<RatingEventRow>`SELECT seq, event_id, user_id, value, rated_at FROM rating_events
      WHERE event_id = ${eventId} ORDER BY seq`.pipe(
      Effect.map((rows) => rows.map(toRatingEvent)),
      Effect.mapError(unavailable)
    )

  const ratedEvents = sql<{ event_id: string }>`SELECT DISTINCT event_id FROM rating_events ORDER BY event_id`.pipe(
    Effect.map((rows) => rows.map((r) => r.event_id as EventId)),
    Effect.mapError(unavailable)
  )

  const saveHistogram = (eventId: EventId, histogram: Histogram) => {
    const [c1, c2, c3, c4, c5] = histogram.counts
    return sql`INSERT INTO rating_histograms (event_id, count_1, count_2, count_3, count_4, count_5, last_seq)
      VALUES (${eventId}, ${c1}, ${c2}, ${c3}, ${c4}, ${c5},
        (SELECT coalesce(max(seq), 0) FROM rating_events WHERE event_id = ${eventId}))
      ON CONFLICT (event_id) DO UPDATE SET count_1 = excluded.count_1, count_2 = excluded.count_2,
        count_3 = excluded.count_3, count_4 = excluded.count_4, count_5 = excluded.count_5,
        last_seq = excluded.last_seq, updated_at = now()`.pipe(Effect.asVoid, Effect.mapError(unavailable))
  }

  return TicketingStore.of({
    transact: ledger.transact,
    createEvent,
    getEvent,
    listEvents,
    updateEvent,
    markEventCancelled,
    takeSeats,
    getReservation,
    lockReservation,
    settleReservation,
    dueReservations,
    openReservations,
    listTickets,
    findTicket,
    seatsHeld,
    isTicketHolder,
    lockHistogram,
    latestRating,
    appendRating,
    getHistogram,
    ratingEvents,
    ratedEvents,
    saveHistogram
  })
})

/** Needs the LedgerStore on the same PgClient: its transactions are this store's. */
export const layer = Layer.effect(TicketingStore, make)
