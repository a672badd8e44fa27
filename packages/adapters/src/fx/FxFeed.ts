// A rates feed: `{ base, date, rates: { CODE: "1.23" } }`, one major unit of `base` buying `rate` units of CODE.
// The bundled snapshot and the HTTP provider speak the same shape. Every cross pair is derived exactly with
// bigint arithmetic, at a fixed scale, rounding down (as conversions do: the house never pays out extra).
import { type FxQuote, FxRate, parseRate } from "@tally/domain/Fx"
import { type CurrencyCode, currencies } from "@tally/domain/Money"
import { DateTime, Option, Schema } from "effect"

/** Currencies a feed may list: a bound on the pairs derived (n² − n). */
export const feedCurrenciesMax = 200

/** Fractional digits of a derived cross rate. */
export const crossRateScale = 10

export const FxFeed = Schema.Struct({
  base: Schema.String,
  date: Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/, { message: "expected a date like 2026-11-02" })),
  rates: Schema.Record(Schema.String, FxRate).check(Schema.isMaxProperties(feedCurrenciesMax))
})
export type FxFeed = typeof FxFeed.Type

export class FxFeedInvalid extends Schema.TaggedError<FxFeedInvalid>()("FxFeedInvalid", {
  source: Schema.String,
  message: Schema.String
}) {}

export interface CrossRate {
  readonly base: CurrencyCode
  readonly quote: CurrencyCode
  readonly rate: string
}

/** n × 10^scale / d, rounded down, as a decimal string with exactly `scale` fractional digits. */
const formatScaled = (scaled: bigint, scale: number): string => {
  const unit = 10n ** BigInt(scale)
  return `${scaled / unit}.${(scaled % unit).toString().padStart(scale, "0")}`
}

/**
 * Every ordered pair among the base and the listed currencies this ledger knows (unknown codes are skipped,
 * not an error: providers list more than we support). rate(A→B) = rate(base→B) / rate(base→A), exactly.
 */
export const crossRates = (feed: FxFeed, scale: number = crossRateScale): ReadonlyArray<CrossRate> => {
  const vsBase = new Map<CurrencyCode, { numerator: bigint; denominator: bigint }>()
  if (currencies.has(feed.base)) vsBase.set(feed.base as CurrencyCode, { numerator: 1n, denominator: 1n })
  for (const [code, rate] of Object.entries(feed.rates)) {
    if (code !== feed.base && currencies.has(code)) vsBase.set(code as CurrencyCode, parseRate(rate))
  }
  const unit = 10n ** BigInt(scale)
  const pairs: Array<CrossRate> = []
  for (const [from, a] of vsBase) {
    for (const [to, b] of vsBase) {
      if (from === to) continue
      const scaled = (b.numerator * a.denominator * unit) / (b.denominator * a.numerator)
      if (scaled > 0n) pairs.push({ base: from, quote: to, rate: formatScaled(scaled, scale) })
    }
  }
  return pairs
}

/**
 * When a day's reference rates hold: the ECB sets them at the daily concertation of central banks, 14:10 CET/CEST
 * (Frankfurt time), and publishes them about 16:00. A quote's as-of is this instant of its feed's date — the
 * provider's own time, never the time we fetched it (docs/adr/0017-fx-provenance.md).
 */
export const referenceAsOf = (date: string): DateTime.Utc =>
  DateTime.toUtc(
    Option.getOrThrowWith(
      DateTime.makeZoned(`${date}T14:10:00`, { timeZone: "Europe/Berlin", adjustForTimeZone: true }),
      () => new Error(`invalid feed date ${date}`)
    )
  )

export const quotesOf = (rates: ReadonlyArray<CrossRate>, source: string, asOf: DateTime.Utc): ReadonlyArray<FxQuote> =>
  rates.map((r) => ({ ...r, source, asOf }))
