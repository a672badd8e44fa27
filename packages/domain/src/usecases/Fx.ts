import { Effect } from "effect"
import { LedgerStore } from "../ports/LedgerStore.ts"

export interface RatesQuery {
  readonly base: string | null
  readonly quote: string | null
}

/** The cached rates, optionally for one base and/or quote currency. */
export const rates = Effect.fn("Fx.rates")(function* (query: RatesQuery) {
  const quotes = yield* (yield* LedgerStore).listFxQuotes
  return quotes.filter(
    (q) => (query.base === null || q.base === query.base) && (query.quote === null || q.quote === query.quote)
  )
})
