// The bundled rates snapshot (fx-snapshot.json): the default FX source when TALLY_FX_URL is unset.
//
// Its quotes carry the snapshot's own as-of (its date, at the reference-rate fixing time) and source
// `snapshot:<date>`: a bundled file says nothing about today's rates, so under the default TALLY_FX_MAX_AGE_SECONDS
// every FX transfer priced from it is refused as fx_rate_stale. Same-currency transfers are unaffected
// (docs/adr/0017-fx-provenance.md).
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { Effect, Schema } from "effect"
import { crossRates, FxFeed, FxFeedInvalid, quotesOf, referenceAsOf } from "./FxFeed.ts"
import snapshot from "./fx-snapshot.json" with { type: "json" }

/** The snapshot, decoded and checked like any feed. */
export const feed = Schema.decodeUnknownEffect(FxFeed)(snapshot).pipe(
  Effect.mapError((error) => new FxFeedInvalid({ source: "snapshot", message: error.message }))
)

/** Saves every cross pair of the snapshot; returns how many quotes were saved. */
export const load = Effect.fn("FxSnapshot.load")(function* () {
  const store = yield* LedgerStore
  const decoded = yield* feed
  const quotes = quotesOf(crossRates(decoded), `snapshot:${decoded.date}`, referenceAsOf(decoded.date))
  yield* store.saveFxQuotes(quotes)
  return quotes.length
})
