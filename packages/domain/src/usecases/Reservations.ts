// Reservations: seats and the payer's hold in one ledger transaction (docs/adr/0021-seat-counting.md).
// Lock order everywhere: reservation → hold transfer → accounts (ascending) → event row (last, one statement).
import { DateTime, Effect, Option } from "effect"
import type { AccountId, OwnerId } from "../Account.ts"
import { Ids } from "../ports/Ids.ts"
import { type Changes, LedgerStore } from "../ports/LedgerStore.ts"
import { TicketCodes } from "../ports/TicketCodes.ts"
import { TicketingStore } from "../ports/TicketingStore.ts"
import type { TransferId } from "../Transfer.ts"
import { type Event, type EventId, free } from "../ticketing/Event.ts"
import { payerAmountMinor } from "../ticketing/Price.ts"
import {
  decide,
  expiresAtFor,
  isDue,
  type Reservation,
  type ReservationAction,
  type ReservationId
} from "../ticketing/Reservation.ts"
import type { Ticket, TicketId } from "../ticketing/Ticket.ts"
import { TicketingLimits, TicketingRefused } from "./Ticketing.ts"
import { askedBy } from "./TransferSteps.ts"
import * as Transfers from "./Transfers.ts"

export interface ReserveCommand {
  readonly id: ReservationId
  readonly eventId: EventId
  readonly payerAccountId: AccountId
  readonly quantity: number
}

export interface Confirmed {
  readonly reservation: Reservation
  readonly tickets: ReadonlyArray<Ticket>
}

const refuse = (code: string, id: string) => Effect.fail(new TicketingRefused({ code, id }))

/** `viewer` null = the admin or the system. Another holder's reservation reads as absent. */
const visible = (reservation: Reservation | undefined, viewer: OwnerId | null) =>
  reservation !== undefined && (viewer === null || reservation.holderId === viewer) ? reservation : undefined

const sameRequest = (stored: Reservation, cmd: ReserveCommand) =>
  stored.eventId === cmd.eventId && stored.payerAccountId === cmd.payerAccountId && stored.quantity === cmd.quantity

/** Refusals known from the event alone, in precedence order; the seat count here is a snapshot, re-checked on write. */
const checkEvent = (event: Event | undefined, quantity: number, now: DateTime.Utc): string | Event => {
  if (event === undefined) return "event_not_found"
  if (event.status === "cancelled") return "event_cancelled"
  if (DateTime.toEpochMillis(event.startsAt) <= DateTime.toEpochMillis(now)) return "event_already_started"
  if (!Number.isSafeInteger(quantity) || quantity < 1) return "quantity_must_be_positive"
  if (quantity > event.seats.capacity) return "quantity_exceeds_capacity"
  if (quantity > free(event.seats)) return "seats_sold_out"
  return event
}

/** A reservation by the same id as a stored one: its first outcome, or a refusal when the content differs. */
const replay = (stored: Reservation, cmd: ReserveCommand, viewer: OwnerId | null) =>
  visible(stored, viewer) !== undefined && sameRequest(stored, cmd)
    ? Effect.succeed(stored)
    : refuse("reservation_id_reused", cmd.id)

class ReservationIdTaken {
  readonly _tag = "ReservationIdTaken"
}

/**
 * Takes `quantity` seats and holds price × quantity on the payer (converted when currencies differ), both or
 * neither. Statements: BEGIN, read event, lock payer + organizer, [FX route], write the hold, take the seats
 * (the event row's only lock, held until COMMIT), COMMIT.
 */
export const reserve = Effect.fn("Reservations.reserve")(function* (cmd: ReserveCommand, viewer: OwnerId | null) {
  const tickets = yield* TicketingStore
  const ledger = yield* LedgerStore
  const ids = yield* Ids
  const limits = yield* TicketingLimits
  const holdTransferId = (yield* ids.next) as TransferId
  const refundTransferId = (yield* ids.next) as TransferId
  return yield* tickets
    .transact(
      Effect.gen(function* () {
        const now = yield* DateTime.now
        const stored = Option.getOrUndefined(yield* tickets.getReservation(cmd.id))
        if (stored !== undefined) return yield* replay(stored, cmd, viewer)
        const checked = checkEvent(Option.getOrUndefined(yield* tickets.getEvent(cmd.eventId)), cmd.quantity, now)
        if (typeof checked === "string") return yield* refuse(checked, cmd.id)
        const event = checked
        const locked = yield* ledger.lockAccounts([cmd.payerAccountId, event.organizerAccountId])
        const payer = locked.get(cmd.payerAccountId)
        if (payer === undefined || (viewer !== null && payer.ownerId !== viewer)) {
          return yield* refuse("payer_account_not_found", cmd.id)
        }
        const totalMinor = event.priceMinor * BigInt(cmd.quantity)
        let amountMinor = totalMinor
        if (payer.currency !== event.currency) {
          const [route] = yield* ledger.fxRoutes([[payer.currency, event.currency]])
          if (route?.fx == null) return yield* refuse("fx_rate_not_found", cmd.id)
          amountMinor = payerAmountMinor(totalMinor, payer.currency, event.currency, route.fx.rate)
        }
        const decision = yield* Transfers.decideLocked(
          {
            id: holdTransferId,
            debitAccountId: payer.id,
            creditAccountId: event.organizerAccountId,
            amountMinor,
            pending: true,
            timeoutSeconds: limits.ttlSeconds,
            metadata: { reservationId: cmd.id, eventId: event.id },
            batchId: null
          },
          locked,
          viewer
        )
        if (decision._tag === "Refused") return yield* refuse(decision.code, cmd.id)
        yield* ledger
          .write({
            inserted: askedBy(viewer, [decision.transfer]),
            updated: [],
            accounts: decision.accounts,
            entries: decision.entries
          })
          .pipe(Effect.catchTag("TransferIdTaken", Effect.die)) // a fresh id from Ids
        const reservation: Reservation = {
          id: cmd.id,
          eventId: event.id,
          payerAccountId: payer.id,
          holderId: payer.ownerId ?? payer.id,
          quantity: cmd.quantity,
          amountMinor,
          holdTransferId,
          refundTransferId,
          status: "held",
          expiresAt: expiresAtFor(now, limits.ttlSeconds),
          createdAt: now,
          updatedAt: now
        }
        const taken = yield* tickets.takeSeats({ reservation, seatsHeldMax: limits.seatsHeldMax })
        if (taken === "reservation_exists") return yield* Effect.fail(new ReservationIdTaken())
        if (taken !== "taken") return yield* refuse(taken, cmd.id)
        return reservation
      })
    )
    .pipe(
      // a concurrent request with the same id committed first: this one rolled back and replays it
      Effect.catchTag("ReservationIdTaken", () =>
        Effect.flatMap(tickets.getReservation(cmd.id), (found) =>
          Option.isNone(found)
            ? Effect.die(new Error("taken reservation id vanished"))
            : replay(found.value, cmd, viewer)
        )
      )
    )
})

type Settle = ReservationAction | "eventCancelled"

const issueTickets = (reservation: Reservation, now: DateTime.Utc) =>
  Effect.gen(function* () {
    const ids = yield* Ids
    const codes = yield* TicketCodes
    const issued: Array<Ticket> = []
    for (let seat = 1; seat <= reservation.quantity; seat++) {
      issued.push({
        id: (yield* ids.next) as TicketId,
        reservationId: reservation.id,
        eventId: reservation.eventId,
        holderId: reservation.holderId,
        seat,
        verificationCode: yield* codes.next,
        issuedAt: now
      })
    }
    return issued
  })

/** The hold's part of a settle: decided and written by the ledger's own logic (Transfers.decideHoldLocked). */
const settleHold = (reservation: Reservation, action: "confirm" | "cancel" | "expire") =>
  Effect.gen(function* () {
    const ledgerAction: Transfers.HoldAction =
      action === "confirm"
        ? { _tag: "post", amountMinor: undefined }
        : { _tag: action === "cancel" ? "void" : "expire" }
    const { transfer, decision } = yield* Transfers.decideHoldLocked(reservation.holdTransferId, ledgerAction, null)
    if (decision._tag === "Applied") {
      const changes: Changes = {
        inserted: [],
        updated: askedBy(null, [decision.transfer]),
        accounts: decision.accounts,
        entries: decision.entries
      }
      return changes
    }
    // the ledger's own hold-expiry job got there first: the funds are free already, only the seats remain
    if (action !== "confirm" && transfer?.status === "expired") return null
    return yield* refuse(
      decision.code === "pending_transfer_expired" ? "reservation_expired" : decision.code,
      reservation.id
    )
  })

/** Pays back a confirmed reservation of a cancelled event: an ordinary transfer organizer → payer, id fixed up front. */
const refundHold = (reservation: Reservation, event: Event) =>
  Effect.gen(function* () {
    const ledger = yield* LedgerStore
    const [hold] = yield* ledger.getTransfers([reservation.holdTransferId], null)
    if (hold?.creditAmountMinor == null)
      return yield* Effect.die(new Error(`reservation ${reservation.id} has no hold`))
    const locked = yield* ledger.lockAccounts([event.organizerAccountId, reservation.payerAccountId])
    const decision = yield* Transfers.decideLocked(
      {
        id: reservation.refundTransferId,
        debitAccountId: event.organizerAccountId,
        creditAccountId: reservation.payerAccountId,
        amountMinor: hold.creditAmountMinor,
        pending: false,
        timeoutSeconds: null,
        metadata: { reservationId: reservation.id, eventId: event.id, refund: true },
        batchId: null
      },
      locked,
      null
    )
    // refused (e.g. the organizer spent the money): roll back, so a later retry can still refund it once
    if (decision._tag === "Refused") return yield* refuse(decision.code, reservation.id)
    const changes: Changes = {
      inserted: askedBy(null, [decision.transfer]),
      updated: [],
      accounts: decision.accounts,
      entries: decision.entries
    }
    return changes
  })

const settledBy = (requested: Settle, status: Reservation["status"]): boolean =>
  requested === "eventCancelled"
    ? status === "cancelled" || status === "expired" || status === "refunded"
    : status === { confirm: "confirmed", cancel: "cancelled", expire: "expired", refund: "refunded" }[requested]

const settle = (id: ReservationId, requested: Settle, viewer: OwnerId | null) =>
  Effect.gen(function* () {
    const tickets = yield* TicketingStore
    const ledger = yield* LedgerStore
    let attempt = 0
    return yield* tickets.transact(
      Effect.gen(function* () {
        attempt++
        const now = yield* DateTime.now
        const reservation = visible(Option.getOrUndefined(yield* tickets.lockReservation(id)), viewer)
        // a retried confirm (its first COMMIT unanswered, or a double click) returns the tickets it issued
        if (requested === "confirm" && reservation?.status === "confirmed") {
          return { reservation, tickets: yield* tickets.listTickets(id) } satisfies Confirmed
        }
        // a transaction retried after a connection lost around COMMIT may find its own first attempt committed
        if (attempt > 1 && reservation !== undefined && settledBy(requested, reservation.status)) {
          return { reservation, tickets: [] } satisfies Confirmed
        }
        const action: ReservationAction =
          requested !== "eventCancelled"
            ? requested
            : reservation?.status === "confirmed"
              ? "refund"
              : reservation !== undefined && isDue(reservation, now)
                ? "expire"
                : "cancel"
        const decision = decide(reservation, action, now, requested === "eventCancelled")
        if (decision._tag === "Refused") return yield* refuse(decision.code, id)
        const next = decision.reservation
        let changes: Changes | null
        if (action === "refund") {
          const event = Option.getOrUndefined(yield* tickets.getEvent(next.eventId))
          if (event === undefined) return yield* Effect.die(new Error(`reservation ${id} has no event`))
          changes = yield* refundHold(reservation!, event)
        } else {
          changes = yield* settleHold(reservation!, action)
        }
        const issued = action === "confirm" ? yield* issueTickets(next, now) : []
        // the refund id is fixed per reservation and the reservation was still confirmed: it cannot be taken
        if (changes !== null) yield* ledger.write(changes).pipe(Effect.catchTag("TransferIdTaken", Effect.die))
        // the event row is locked here, as late as possible: one statement, then COMMIT (or ROLLBACK when refused)
        const settled = yield* tickets.settleReservation({
          reservation: next,
          from: reservation!.status,
          seats: decision.seats,
          requireScheduled: action === "confirm",
          tickets: issued
        })
        if (!settled) return yield* refuse("event_cancelled", id)
        return { reservation: next, tickets: issued } satisfies Confirmed
      })
    )
  })

/** Posts the hold and issues one ticket per seat. A retry of a confirmed reservation returns its tickets. */
export const confirm = Effect.fn("Reservations.confirm")(function* (id: ReservationId, viewer: OwnerId | null) {
  return yield* settle(id, "confirm", viewer)
})

/** Voids the hold and frees the seats. */
export const cancel = Effect.fn("Reservations.cancel")(function* (id: ReservationId, viewer: OwnerId | null) {
  return (yield* settle(id, "cancel", viewer)).reservation
})

/** Voids (or refunds, when confirmed) one reservation of a cancelled event; refused when nothing is left to do. */
export const settleForCancelledEvent = Effect.fn("Reservations.settleForCancelledEvent")(function* (id: ReservationId) {
  return (yield* settle(id, "eventCancelled", null)).reservation
})

/**
 * The expiry job: expires at most `expireBatchMax` held reservations past their deadline, oldest first, each in
 * its own transaction (hold expired, seats freed). Idempotent: a reservation confirmed, cancelled or expired
 * since it was listed is skipped. Returns how many expired; a full batch means more may be due.
 */
export const expireDue = Effect.fn("Reservations.expireDue")(function* () {
  const tickets = yield* TicketingStore
  const limits = yield* TicketingLimits
  const now = yield* DateTime.now
  const due = yield* tickets.dueReservations(DateTime.toDateUtc(now), limits.expireBatchMax)
  let expired = 0
  for (const id of due) {
    const done = yield* settle(id, "expire", null).pipe(
      Effect.as(true),
      Effect.catchTag("TicketingRefused", () => Effect.succeed(false))
    )
    if (done) expired++
  }
  return expired
})

export const get = Effect.fn("Reservations.get")(function* (id: ReservationId, viewer: OwnerId | null) {
  const tickets = yield* TicketingStore
  const reservation = visible(Option.getOrUndefined(yield* tickets.getReservation(id)), viewer)
  if (reservation === undefined) return yield* refuse("reservation_not_found", id)
  return { reservation, tickets: yield* tickets.listTickets(id) } satisfies Confirmed
})
