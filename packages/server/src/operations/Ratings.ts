// Ratings of events by their ticket holders: append-only rating events and the histogram folded from them
// (docs/adr/0022-rating-histogram.md). A rating belongs to a user: the owner of the presenting key.
import type { EventId } from "@tally/domain/ticketing/Event"
import { type Histogram, summarize } from "@tally/domain/ticketing/Rating"
import * as Ratings from "@tally/domain/usecases/Ratings"
import { Effect, Schema } from "effect"
import { Forbidden } from "./Errors.ts"
import { operation } from "./Operation.ts"
import { Uuid } from "./Schemas.ts"
import { eventNotFound, notHolder, ratingOutOfRange, userKeyRequired } from "./TicketingErrors.ts"

export const groups = {
  ratings: {
    title: "Ratings",
    description: "Ticket holders rate events 1 to 5; the histogram is rebuilt from the events"
  }
}

const Count = Schema.Number
export const RatingsJson = Schema.Struct({
  eventId: Schema.String,
  histogram: Schema.Struct({ "1": Count, "2": Count, "3": Count, "4": Count, "5": Count }),
  count: Count,
  average: Schema.NullOr(Schema.Number).annotate({ description: "Rounded half up to hundredths; null when unrated" }),
  stats: Schema.Struct({
    median: Schema.NullOr(Schema.Number),
    standardDeviation: Schema.NullOr(Schema.Number).annotate({ description: "Population standard deviation" })
  })
}).annotate({ identifier: "EventRatings" })

const hundredths = (h: bigint | null) => (h === null ? null : Number(h) / 100)

export const ratingsJson = (eventId: string, summary: Ratings.Summary): typeof RatingsJson.Type => {
  const [c1, c2, c3, c4, c5] = summary.counts.map(Number) as [number, number, number, number, number]
  return {
    eventId,
    histogram: { "1": c1, "2": c2, "3": c3, "4": c4, "5": c5 },
    count: Number(summary.total),
    average: hundredths(summary.averageHundredths),
    stats: { median: hundredths(summary.medianHundredths), standardDeviation: hundredths(summary.stddevHundredths) }
  }
}

export const add = operation({
  name: "ratings.add",
  description: "Rate an event 1 to 5 (holders of a confirmed ticket; rating again replaces your rating)",
  payload: Schema.Struct({ eventId: Uuid, value: Schema.Int }),
  success: RatingsJson,
  errors: [eventNotFound, notHolder, ratingOutOfRange, userKeyRequired],
  access: "key",
  idempotent: false,
  http: { method: "POST", path: "/v1/events/:id/ratings", params: { id: "eventId" } },
  handle: ({ eventId, value }, { principal }) =>
    Effect.gen(function* () {
      if (principal.kind !== "owner") {
        return yield* new Forbidden({ code: "user_key_required", detail: "rate with a user's key, not the admin key" })
      }
      const summary = yield* Ratings.rate({ eventId: eventId as EventId, userId: principal.ownerId, value })
      return ratingsJson(eventId, summary)
    })
})

export const get = operation({
  name: "ratings.get",
  description: "An event's ratings: count per value, total, average, median and standard deviation",
  payload: Schema.Struct({ eventId: Uuid }),
  success: RatingsJson,
  errors: [eventNotFound],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/events/:id/ratings", params: { id: "eventId" } },
  handle: ({ eventId }) => Effect.map(Ratings.get(eventId as EventId), (s) => ratingsJson(eventId, s))
})

const histogramJson = (eventId: string, h: Histogram) => ratingsJson(eventId, summarize(h))

export const RebuiltJson = Schema.Struct({
  events: Schema.Array(
    Schema.Struct({ eventId: Schema.String, changed: Schema.Boolean, before: RatingsJson, after: RatingsJson })
  )
}).annotate({ identifier: "RatingsRebuilt" })

export const rebuild = operation({
  name: "ratings.rebuild",
  description: "Replay every rating event into the histograms (admin key); reports each event's before and after",
  payload: Schema.Struct({ eventId: Schema.optionalKey(Uuid) }),
  success: RebuiltJson,
  errors: [eventNotFound],
  access: "admin",
  idempotent: false,
  http: { method: "POST", path: "/v1/ratings/rebuild" },
  handle: ({ eventId }) =>
    Effect.gen(function* () {
      const rebuilt =
        eventId === undefined ? yield* Ratings.rebuild() : [yield* Ratings.rebuildEvent(eventId as EventId)]
      return {
        events: rebuilt.map((r) => ({
          eventId: r.eventId,
          changed: r.before.counts.some((c, i) => c !== r.after.counts[i]),
          before: histogramJson(r.eventId, r.before),
          after: histogramJson(r.eventId, r.after)
        }))
      }
    })
})

export const operations = [add, get, rebuild] as const
