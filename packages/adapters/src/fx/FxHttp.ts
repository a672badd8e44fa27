// Rates from an HTTP provider (TALLY_FX_URL) answering with the snapshot's shape: `{ base, date, rates }`.
//
// A feed carries a date, not a time, so its quotes are stamped asOf = the fetch time (the provider vouches for
// them as current when asked); a feed whose date is more than feedMaxAgeDays old is refused instead, so a
// provider stuck on old rates cannot keep them looking fresh.
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { DateTime, Duration, Effect, Schema } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { crossRates, FxFeed, FxFeedInvalid, quotesOf } from "./FxFeed.ts"

export interface FxHttpOptions {
  readonly url: string
  readonly timeout: Duration.Input
  /** Oldest feed date accepted, in days before today (weekends and holidays have no new fixing). */
  readonly feedMaxAgeDays: number
}

export class FxFeedUnavailable extends Schema.TaggedError<FxFeedUnavailable>()("FxFeedUnavailable", {
  source: Schema.String,
  message: Schema.String
}) {}

/** The provider's host: names the source in quotes and logs without leaking a path or query (an API key). */
export const sourceOf = (url: string): string => {
  try {
    return new URL(url).host
  } catch {
    return "invalid-url"
  }
}

const dayMillis = 24 * 3600 * 1000

export const fetchFeed = Effect.fn("FxHttp.fetchFeed")(function* (options: FxHttpOptions) {
  const source = sourceOf(options.url)
  const client = HttpClient.filterStatusOk(yield* HttpClient.HttpClient)
  return yield* client.execute(HttpClientRequest.get(options.url).pipe(HttpClientRequest.acceptJson)).pipe(
    Effect.flatMap(HttpClientResponse.schemaBodyJson(FxFeed)),
    Effect.timeout(options.timeout),
    Effect.catchTags({
      SchemaError: (error) => Effect.fail(new FxFeedInvalid({ source, message: error.message })),
      TimeoutError: () =>
        Effect.fail(
          new FxFeedUnavailable({
            source,
            message: `no answer within ${Duration.format(Duration.fromInputUnsafe(options.timeout))}`
          })
        ),
      HttpClientError: (error) => Effect.fail(new FxFeedUnavailable({ source, message: error.message }))
    })
  )
})

/** Fetches the feed and saves every cross pair; returns how many quotes were saved. */
export const load = Effect.fn("FxHttp.load")(function* (options: FxHttpOptions) {
  const store = yield* LedgerStore
  const source = sourceOf(options.url)
  const feed = yield* fetchFeed(options)
  const now = yield* DateTime.now
  const feedMillis = Date.parse(`${feed.date}T00:00:00Z`)
  const ageDays = (DateTime.toEpochMillis(now) - feedMillis) / dayMillis
  if (Number.isNaN(feedMillis) || ageDays > options.feedMaxAgeDays + 1 || ageDays < -1) {
    return yield* new FxFeedInvalid({ source, message: `feed date ${feed.date} is not within the last days` })
  }
  const quotes = quotesOf(crossRates(feed), `${source}:${feed.date}`, now)
  if (quotes.length === 0) return yield* new FxFeedInvalid({ source, message: "the feed lists no known currency" })
  yield* store.saveFxQuotes(quotes)
  return quotes.length
})
