// The bundled rates snapshot (fx-snapshot.json): the default FX source when TALLY_FX_URL is unset.
//
// Its quotes are stamped asOf = the load time, not the snapshot's date. The snapshot is a development source:
// stamped with its (fixed, past) date every rate would be older than fxMaxAgeSeconds and each FX transfer refused
// as fx_rate_stale. The source, `snapshot:<date>`, still says where the rates come from and how old they are.
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { DateTime, Effect, Schema } from "effect"
import { crossRates, FxFeed, FxFeedInvalid, quotesOf } from "./FxFeed.ts"
import snapshot from "./fx-snapshot.json" with { type: "json" }

/** The snapshot, decoded and checked like any feed. */
export const feed = Schema.decodeUnknownEffect(FxFeed)(snapshot).pipe(
  Effect.mapError((error) => new FxFeedInvalid({ source: "snapshot", message: error.message }))
)

/** Saves every cross pair of the snapshot; returns how many quotes were saved. */
export const load = Effect.fn("FxSnapshot.load")(function* () {
  const store = yield* LedgerStore
  const decoded = yield* feed
  const quotes = quotesOf(crossRates(decoded), `snapshot:${decoded.date}`, yield* DateTime.now)
  yield* store.saveFxQuotes(quotes)
  return quotes.length
})
