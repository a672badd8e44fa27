// Rates from an HTTP provider (TALLY_FX_URL) publishing the ECB's daily reference rates XML (EcbXml.ts), e.g.
// https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml.
//
// Quotes carry the provider's as-of (the feed's date at the fixing time, FxFeed.referenceAsOf) and source
// `<host>:<date>`, never the fetch time, so a provider stuck on old rates shows as stale. Each request has a
// timeout; unavailable answers (timeouts, connection errors, 5xx) are retried with backoff; a circuit breaker
// fails fast after consecutive failed refreshes. A bad or partial document is refused whole: nothing is saved and
// the previous rates stay in place (docs/adr/0017-fx-provenance.md).
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { DateTime, Duration, Effect, Result, Schedule, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { CircuitBreaker } from "effect/persistence"
import { parseEcb } from "./EcbXml.ts"
import { crossRates, FxFeedInvalid, quotesOf, referenceAsOf } from "./FxFeed.ts"

export interface FxHttpOptions {
  readonly url: string
  /** Time limit of one request. */
  readonly timeout: Duration.Input
  /** Oldest feed date accepted, in days before today (weekends and holidays have no new fixing). */
  readonly feedMaxAgeDays: number
  /** Retries of an unavailable answer within one refresh. */
  readonly retries?: number
  /** First retry delay; doubles per retry, jittered. */
  readonly retryBase?: Duration.Input
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

/** One request: the document's text, or FxFeedUnavailable (retryable) / FxFeedInvalid (not). */
const request = (options: FxHttpOptions, source: string) =>
  Effect.gen(function* () {
    const client = HttpClient.filterStatusOk(yield* HttpClient.HttpClient)
    const response = yield* client.execute(
      HttpClientRequest.get(options.url).pipe(HttpClientRequest.accept("application/xml, text/xml"))
    )
    return yield* response.text
  }).pipe(
    Effect.timeout(options.timeout),
    Effect.catchTags({
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

/** Fetches and reads the provider's document, with retries; a document that does not read is not retried. */
export const fetchFeed = Effect.fn("FxHttp.fetchFeed")(function* (options: FxHttpOptions) {
  const source = sourceOf(options.url)
  const text = yield* request(options, source).pipe(
    Effect.retry({
      schedule: Schedule.exponential(options.retryBase ?? Duration.millis(200)).pipe(Schedule.jittered),
      times: options.retries ?? 2
    })
  )
  const parsed = parseEcb(text)
  if (Result.isFailure(parsed)) return yield* new FxFeedInvalid({ source, message: parsed.failure })
  return parsed.success
})

/**
 * Fetches the feed and saves every cross pair (an older feed never overwrites a newer rate: the stores keep the
 * quote with the later as-of); returns how many quotes were offered. Through `breaker` when given.
 */
export const load = Effect.fn("FxHttp.load")(function* (
  options: FxHttpOptions,
  breaker?: CircuitBreaker.CircuitBreaker
) {
  const store = yield* LedgerStore
  const source = sourceOf(options.url)
  const guarded =
    breaker === undefined
      ? fetchFeed(options)
      : fetchFeed(options).pipe(
          breaker.execute({ key: `fx:${source}` }),
          Effect.catchTag("CircuitBreakerError", (error) =>
            Effect.fail(new FxFeedUnavailable({ source, message: `not asked: ${error.message}` }))
          )
        )
  const feed = yield* guarded
  const now = yield* DateTime.now
  const feedMillis = Date.parse(`${feed.date}T00:00:00Z`)
  const ageDays = (DateTime.toEpochMillis(now) - feedMillis) / dayMillis
  if (Number.isNaN(feedMillis) || ageDays > options.feedMaxAgeDays + 1 || ageDays < -1) {
    return yield* new FxFeedInvalid({ source, message: `feed date ${feed.date} is not within the last days` })
  }
  const quotes = quotesOf(crossRates(feed), `${source}:${feed.date}`, referenceAsOf(feed.date))
  if (quotes.length === 0) return yield* new FxFeedInvalid({ source, message: "the feed lists no known currency" })
  yield* store.saveFxQuotes(quotes)
  return quotes.length
})
