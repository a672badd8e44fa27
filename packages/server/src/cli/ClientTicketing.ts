// `tally events …`, `tally reservations …`, `tally ratings …`: the ticketing operations over RPC.
import { Flag } from "effect/cli"
import type { EventJson } from "../operations/Events.ts"
import type { RatingsJson } from "../operations/Ratings.ts"
import type { ReservationJson } from "../operations/Reservations.ts"
import { operationCommand } from "./ClientCommand.ts"
import { idArgument, idempotencyKey, page, some } from "./ClientFlags.ts"
import { lines, money } from "./ClientOutput.ts"

type Event = typeof EventJson.Type
type Reservation = typeof ReservationJson.Type
type Ratings = typeof RatingsJson.Type

const eventLine = (e: Event) =>
  [
    e.id,
    e.startsAt,
    e.status,
    `${money(e.price, e.currency)}/seat`,
    `seats ${e.seats.available} free, ${e.seats.held} held, ${e.seats.sold} sold of ${e.seats.capacity}`,
    e.title
  ].join("  ")

const reservationText = (r: Reservation) =>
  [
    `reservation ${r.id}  ${r.status}  ${r.quantity} seat(s)  event ${r.eventId}`,
    `  payer      ${r.payerAccountId}  amount ${r.amount} (minor units of the payer's currency)`,
    `  hold       ${r.transferId}${r.status === "held" ? `  expires ${r.expiresAt}` : ""}`,
    ...r.tickets.map((t) => `  ticket     ${t.id}  seat ${t.seat}  code ${t.verificationCode}`)
  ].join("\n")

const bar = (n: number, max: number) => "#".repeat(max === 0 ? 0 : Math.round((n / max) * 30))

export const ratingsText = (r: Ratings) => {
  const values = ["5", "4", "3", "2", "1"] as const
  const max = Math.max(...values.map((v) => r.histogram[v]))
  return [
    `event ${r.eventId}  ${r.count} rating(s)  average ${r.average ?? "-"}  median ${r.stats.median ?? "-"}  ` +
      `standard deviation ${r.stats.standardDeviation ?? "-"}`,
    ...values.map((v) => `  ${v}  ${String(r.histogram[v]).padStart(6)}  ${bar(r.histogram[v], max)}`)
  ].join("\n")
}

const eventFlags = {
  title: Flag.String("title").pipe(Flag.withDescription("What is sold")),
  startsAt: Flag.String("starts-at").pipe(Flag.withDescription("ISO 8601, e.g. 2027-03-01T19:30:00Z")),
  capacity: Flag.Int("capacity").pipe(Flag.withDescription("Seats for sale")),
  price: Flag.String("price").pipe(Flag.withDescription("Price of one seat in minor units, e.g. 2500 = 25.00 EUR"))
}

export const eventsCreate = operationCommand(
  "events.create",
  {
    organizer: Flag.String("organizer").pipe(Flag.withDescription("The organizer account (paid for every seat)")),
    ...eventFlags,
    idempotencyKey
  },
  (c) => ({
    organizerAccountId: c.organizer,
    title: c.title,
    startsAt: c.startsAt,
    capacity: c.capacity,
    price: c.price,
    ...some("idempotencyKey", c.idempotencyKey)
  }),
  eventLine
)

export const eventsList = operationCommand(
  "events.list",
  {
    ...page,
    upcoming: Flag.Boolean("upcoming").pipe(
      Flag.withDescription("Only scheduled events not yet started"),
      Flag.withDefault(false)
    ),
    organizer: Flag.String("organizer").pipe(Flag.withDescription("Only this organizer account's"), Flag.optional)
  },
  (c) => ({
    ...some("limit", c.limit),
    ...some("cursor", c.cursor),
    ...(c.upcoming ? { upcoming: "true" } : {}),
    ...some("organizerAccountId", c.organizer)
  }),
  (p) => lines(p.items, eventLine, p.nextCursor)
)

export const eventsGet = operationCommand(
  "events.get",
  { id: idArgument("id", "Event id") },
  (c) => ({ id: c.id }),
  eventLine
)

export const eventsUpdate = operationCommand(
  "events.update",
  {
    id: idArgument("id", "Event id"),
    title: eventFlags.title.pipe(Flag.optional),
    startsAt: eventFlags.startsAt.pipe(Flag.optional),
    capacity: eventFlags.capacity.pipe(Flag.optional),
    price: eventFlags.price.pipe(Flag.optional)
  },
  (c) => ({
    id: c.id,
    ...some("title", c.title),
    ...some("startsAt", c.startsAt),
    ...some("capacity", c.capacity),
    ...some("price", c.price)
  }),
  eventLine
)

export const eventsCancel = operationCommand(
  "events.cancel",
  { id: idArgument("id", "Event id"), idempotencyKey },
  (c) => ({ id: c.id, ...some("idempotencyKey", c.idempotencyKey) }),
  (r) =>
    `${eventLine(r.event)}\n  voided ${r.voided} hold(s), refunded ${r.refunded} reservation(s)` +
    (r.refundsRefused.length === 0 ? "" : `, refunds refused (retry): ${r.refundsRefused.join(", ")}`)
)

export const reservationsCreate = operationCommand(
  "reservations.create",
  {
    event: Flag.String("event").pipe(Flag.withDescription("Event id")),
    quantity: Flag.Int("quantity").pipe(Flag.withDescription("Seats"), Flag.withDefault(1)),
    payer: Flag.String("payer").pipe(Flag.withDescription("Account that pays (a hold until confirmed)")),
    idempotencyKey
  },
  (c) => ({
    eventId: c.event,
    quantity: c.quantity,
    payerAccountId: c.payer,
    ...some("idempotencyKey", c.idempotencyKey)
  }),
  reservationText
)

const byId = (name: "reservations.confirm" | "reservations.cancel") =>
  operationCommand(
    name,
    { id: idArgument("id", "Reservation id"), idempotencyKey },
    (c) => ({ id: c.id, ...some("idempotencyKey", c.idempotencyKey) }),
    reservationText
  )

export const reservationsConfirm = byId("reservations.confirm")
export const reservationsCancel = byId("reservations.cancel")
export const reservationsGet = operationCommand(
  "reservations.get",
  { id: idArgument("id", "Reservation id") },
  (c) => ({ id: c.id }),
  reservationText
)

export const ratingsAdd = operationCommand(
  "ratings.add",
  {
    event: Flag.String("event").pipe(Flag.withDescription("Event id")),
    value: Flag.Int("value").pipe(Flag.withDescription("1 to 5"))
  },
  (c) => ({ eventId: c.event, value: c.value }),
  ratingsText
)

export const ratingsGet = operationCommand(
  "ratings.get",
  { event: Flag.String("event").pipe(Flag.withDescription("Event id")) },
  (c) => ({ eventId: c.event }),
  ratingsText
)

export const ratingsRebuild = operationCommand(
  "ratings.rebuild",
  { event: Flag.String("event").pipe(Flag.withDescription("Only this event"), Flag.optional) },
  (c) => ({ ...some("eventId", c.event) }),
  (r) =>
    r.events.length === 0
      ? "no rated events"
      : r.events
          .map((e) => `${e.changed ? "rebuilt (it differed)" : "rebuilt (unchanged)"}\n${ratingsText(e.after)}`)
          .join("\n")
)
