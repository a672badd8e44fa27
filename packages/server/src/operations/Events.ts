// Events: what is sold. Anyone with a key may list and read them; only the organizer (or the admin) changes or
// cancels one (docs/adr/0021-seat-counting.md).
import type { AccountId } from "@tally/domain/Account"
import { Ids } from "@tally/domain/ports/Ids"
import { type Event, type EventId, free } from "@tally/domain/ticketing/Event"
import * as Events from "@tally/domain/usecases/Events"
import { DateTime, Effect, Schema } from "effect"
import { viewerOf } from "../Auth.ts"
import { invalidCursor, pageSizeTooLarge } from "./Errors.ts"
import { pageSize } from "./Limits.ts"
import { operation } from "./Operation.ts"
import { Amount, ById, iso, PageFields, pageOf, Uuid } from "./Schemas.ts"
import { eventChangeRefused, eventNotFound, invalidEvent, notOrganizer, organizerNotFound } from "./TicketingErrors.ts"
import { derivedId } from "./TransferCommand.ts"

export const groups = {
  events: { title: "Events", description: "Events with a number of seats at a price, paid through the ledger" }
}

/** An instant on the wire: ISO 8601 with a time zone, e.g. 2027-03-01T19:30:00Z. */
export const Timestamp = Schema.String.check(
  Schema.makeFilter(
    (s: string) =>
      (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) &&
        !Number.isNaN(Date.parse(s))) ||
      "expected an ISO 8601 date-time with a time zone, e.g. 2027-03-01T19:30:00Z"
  )
).annotate({ description: "ISO 8601 date-time with a time zone", examples: ["2027-03-01T19:30:00Z"] })

const toUtc = (s: string) => DateTime.makeUnsafe(new Date(Date.parse(s)))

export const EventJson = Schema.Struct({
  id: Schema.String,
  organizerAccountId: Schema.String,
  title: Schema.String,
  startsAt: Schema.String,
  price: Schema.String,
  currency: Schema.String,
  status: Schema.Literals(["scheduled", "cancelled"]),
  seats: Schema.Struct({
    capacity: Schema.Number,
    available: Schema.Number,
    held: Schema.Number,
    sold: Schema.Number
  }),
  createdAt: Schema.String,
  updatedAt: Schema.String
}).annotate({ identifier: "Event" })

export const eventJson = (e: Event): typeof EventJson.Type => ({
  id: e.id,
  organizerAccountId: e.organizerAccountId,
  title: e.title,
  startsAt: iso(e.startsAt),
  price: e.priceMinor.toString(),
  currency: e.currency,
  status: e.status,
  seats: { capacity: e.seats.capacity, available: free(e.seats), held: e.seats.held, sold: e.seats.sold },
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt)
})

const Capacity = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

export const CreateEvent = Schema.Struct({
  organizerAccountId: Uuid.annotate({ description: "The account paid for every seat; its currency is the event's" }),
  title: Schema.String,
  startsAt: Timestamp,
  capacity: Capacity,
  price: Amount.annotate({ description: "Price of one seat in minor units of the organizer account's currency" })
}).annotate({ identifier: "CreateEvent" })

export const create = operation({
  name: "events.create",
  description: "Create an event selling `capacity` seats at `price` (the organizer account must be the caller's)",
  payload: CreateEvent,
  success: EventJson,
  errors: [organizerNotFound, invalidEvent],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/events", status: 201 },
  handle: (payload, { principal, idempotencyKey, idempotency }) =>
    Effect.gen(function* () {
      // with an idempotency key the id is derived from it: a retry after a lost answer finds the same event
      const id =
        idempotency === undefined ? yield* (yield* Ids).next : derivedId(principal, idempotency, "events.create", 0)
      if (idempotencyKey !== undefined) {
        const first = yield* Events.get(id as EventId).pipe(
          Effect.catchTag("TicketingRefused", () => Effect.succeed(undefined))
        )
        if (first?.organizerAccountId === payload.organizerAccountId) return eventJson(first)
      }
      const event = yield* Events.create(
        {
          id: id as EventId,
          organizerAccountId: payload.organizerAccountId as AccountId,
          title: payload.title,
          startsAt: toUtc(payload.startsAt),
          capacity: payload.capacity,
          priceMinor: BigInt(payload.price)
        },
        viewerOf(principal)
      )
      return eventJson(event)
    })
})

export const get = operation({
  name: "events.get",
  description: "An event and its seats: available, held (reserved, not yet paid) and sold",
  payload: ById,
  success: EventJson,
  errors: [eventNotFound],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/events/:id" },
  handle: ({ id }) => Effect.map(Events.get(id as EventId), eventJson)
})

export const list = operation({
  name: "events.list",
  description: "Events by start time; `upcoming=true`: only scheduled ones not yet started",
  payload: Schema.Struct({
    ...PageFields,
    upcoming: Schema.optionalKey(Schema.Literals(["true", "false"])),
    organizerAccountId: Schema.optionalKey(Uuid)
  }),
  success: pageOf(EventJson),
  errors: [pageSizeTooLarge, invalidCursor],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/events" },
  handle: (query) =>
    Effect.gen(function* () {
      const page = yield* Events.list({
        upcoming: query.upcoming === "true",
        organizerAccountId: (query.organizerAccountId ?? null) as AccountId | null,
        cursor: query.cursor ?? null,
        limit: yield* pageSize(query.limit)
      })
      return { items: page.items.map(eventJson), nextCursor: page.nextCursor }
    })
})

export const update = operation({
  name: "events.update",
  description: "Change an event's title, start, capacity (not below the seats taken) or price (organizer or admin)",
  payload: Schema.Struct({
    id: Uuid,
    title: Schema.optionalKey(Schema.String),
    startsAt: Schema.optionalKey(Timestamp),
    capacity: Schema.optionalKey(Capacity),
    price: Schema.optionalKey(Amount)
  }),
  success: EventJson,
  errors: [eventNotFound, notOrganizer, invalidEvent, eventChangeRefused],
  access: "key",
  idempotent: false,
  http: { method: "PATCH", path: "/v1/events/:id" },
  handle: (payload, { principal }) =>
    Effect.map(
      Events.update(
        payload.id as EventId,
        {
          title: payload.title,
          startsAt: payload.startsAt === undefined ? undefined : toUtc(payload.startsAt),
          capacity: payload.capacity,
          priceMinor: payload.price === undefined ? undefined : BigInt(payload.price)
        },
        viewerOf(principal)
      ),
      eventJson
    )
})

export const CancellationJson = Schema.Struct({
  event: EventJson,
  voided: Schema.Number,
  refunded: Schema.Number,
  refundsRefused: Schema.Array(Schema.String)
}).annotate({ identifier: "EventCancellation" })

export const cancel = operation({
  name: "events.cancel",
  description:
    "Cancel an event: every open hold is voided, every confirmed ticket refunded (organizer or admin; a retry finishes what is left)",
  payload: ById,
  success: CancellationJson,
  errors: [eventNotFound, notOrganizer],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/events/:id/cancel" },
  handle: ({ id }, { principal }) =>
    Effect.gen(function* () {
      const done = yield* Events.cancel(id as EventId, viewerOf(principal))
      return {
        event: eventJson(yield* Events.get(id as EventId)),
        voided: done.voided,
        refunded: done.refunded,
        refundsRefused: [...done.refundsRefused]
      }
    })
})

export const operations = [create, list, get, update, cancel] as const
