// The cached FX rates cross-currency transfers use.
import type { FxQuote } from "@tally/domain/Fx"
import * as Fx from "@tally/domain/usecases/Fx"
import { Effect, Schema } from "effect"
import { operation } from "./Operation.ts"
import { iso } from "./Schemas.ts"

export const groups = {
  fx: { title: "FX", description: "Cached FX rates used by cross-currency transfers" }
}

export const FxRateJson = Schema.Struct({
  base: Schema.String,
  quote: Schema.String,
  rate: Schema.String,
  source: Schema.String,
  asOf: Schema.String
}).annotate({ identifier: "FxRate" })

const fxJson = (q: FxQuote): typeof FxRateJson.Type => ({
  base: q.base,
  quote: q.quote,
  rate: q.rate,
  source: q.source,
  asOf: iso(q.asOf)
})

export const rates = operation({
  name: "fx.rates",
  description: "The cached FX rates, optionally of one base and/or quote currency",
  payload: Schema.Struct({ base: Schema.optionalKey(Schema.String), quote: Schema.optionalKey(Schema.String) }),
  success: Schema.Struct({ rates: Schema.Array(FxRateJson) }),
  errors: [],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/fx/rates" },
  handle: ({ base, quote }) =>
    Effect.map(Fx.rates({ base: base ?? null, quote: quote ?? null }), (quotes) => ({ rates: quotes.map(fxJson) }))
})

export const operations = [rates] as const
