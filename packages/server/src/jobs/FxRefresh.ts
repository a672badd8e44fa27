// fx-refresh: reloads the FX rates from the configured source (snapshot or TALLY_FX_URL), at start and on its
// cron, then publishes how old the cached rates are.
import type { PgClient } from "@effect/sql-pg"
import { rateAges } from "@tally/adapters/fx/FxRateAges"
import { FxRefresher } from "@tally/adapters/fx/FxRefresher"
import { type Cron, Effect, Metric } from "effect"
import type { Job } from "./Job.ts"

export const fxRateAge = Metric.gauge("tally_fx_rate_age_seconds", {
  description: "Age of the oldest cached FX rate naming the currency"
})

/** Sets tally_fx_rate_age_seconds{currency} from the database (also done by the reconcile job, every 5 min). */
export const publishRateAges = Effect.gen(function* () {
  for (const { currency, ageSeconds } of yield* rateAges) {
    yield* Metric.update(Metric.withAttributes(fxRateAge, { currency }), ageSeconds)
  }
})

export const fxRefresh = (options: { readonly cron: Cron.Cron }): Job<FxRefresher | PgClient.PgClient> => ({
  name: "fx-refresh",
  cron: options.cron,
  runAtStart: true,
  run: Effect.gen(function* () {
    const refresher = yield* FxRefresher
    const saved = yield* refresher.refresh
    yield* Effect.logInfo(`refreshed ${saved} FX rate(s) from ${refresher.source}`)
    yield* publishRateAges
  })
})
