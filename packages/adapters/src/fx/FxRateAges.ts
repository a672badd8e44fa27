// How old the cached rates are, per currency: the age of the oldest quote naming it (base or quote), since
// that is the first one a transfer would find stale. Feeds tally_fx_rate_age_seconds{currency}.
import { PgClient } from "@effect/sql-pg"
import { DateTime, Effect } from "effect"
import { unavailable } from "../postgres/PgLedgerStore.ts"

export interface RateAge {
  readonly currency: string
  readonly ageSeconds: number
}

export const rateAges = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  const now = DateTime.toEpochMillis(yield* DateTime.now)
  const rows = yield* sql<{ currency: string; oldest: Date }>`
    SELECT currency, min(as_of) AS oldest
    FROM (SELECT base AS currency, as_of FROM fx_rates UNION ALL SELECT quote, as_of FROM fx_rates) AS r
    GROUP BY currency ORDER BY currency`.pipe(Effect.mapError(unavailable))
  return rows.map(
    (r): RateAge => ({ currency: r.currency, ageSeconds: Math.max(0, (now - r.oldest.getTime()) / 1000) })
  )
}).pipe(Effect.withSpan("FxRateAges.rateAges"))
