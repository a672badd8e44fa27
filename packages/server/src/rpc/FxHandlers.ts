import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { Effect } from "effect"
import { fxJson } from "../http/Wire.ts"
import { FxRpcs } from "./FxRpcs.ts"
import { storeDown } from "./Refusals.ts"

export const FxHandlers = FxRpcs.toLayer({
  "fx.rates": ({ base, quote }) =>
    Effect.gen(function* () {
      const quotes = yield* (yield* LedgerStore).listFxQuotes
      const rates = quotes.filter(
        (q) => (base === undefined || q.base === base) && (quote === undefined || q.quote === quote)
      )
      return { rates: rates.map(fxJson) }
    }).pipe(Effect.catchTag("StoreUnavailable", storeDown))
})
