import { DateTime, Schema } from "effect"
import type { CurrencyCode } from "./Money.ts"
import { exponentOf } from "./Money.ts"

/** Positive decimal string, e.g. "1.0834": one major unit of `base` buys `rate` major units of `quote`. */
export const FxRate = Schema.String.check(
  Schema.isPattern(/^[0-9]{1,18}(\.[0-9]{1,18})?$/u, { message: 'expected a decimal rate like "1.0834"' }),
  Schema.makeFilter((rate: string) => /[1-9]/.test(rate) || "expected a rate greater than 0")
)

export interface FxQuote {
  readonly base: CurrencyCode
  readonly quote: CurrencyCode
  readonly rate: string
  readonly source: string
  readonly asOf: DateTime.Utc
}

/** The rate as an exact fraction: "1.0834" → 10834 / 10000. Throws on a string `FxRate` would refuse. */
export const parseRate = (rate: string): { readonly numerator: bigint; readonly denominator: bigint } => {
  if (!Schema.is(FxRate)(rate)) throw new Error(`invalid FX rate ${JSON.stringify(rate)}`)
  const [whole = "", fraction = ""] = rate.split(".")
  return { numerator: BigInt(whole + fraction), denominator: 10n ** BigInt(fraction.length) }
}

/**
 * Converts minor units of `from` into minor units of `to`, exactly, with bigint rational arithmetic:
 * to = amount × rate × 10^exp(to) / 10^exp(from), rounded DOWN (towards zero).
 * Rounding down means the house never pays out more than it received: the sub-unit remainder stays with the
 * FX liquidity account instead of being created from nothing. For amounts ≥ 0 towards zero equals floor.
 */
export const convertMinor = (amountMinor: bigint, from: CurrencyCode, to: CurrencyCode, rate: string): bigint => {
  const { numerator, denominator } = parseRate(rate)
  const scaledNumerator = amountMinor * numerator * 10n ** BigInt(exponentOf(to))
  const scaledDenominator = denominator * 10n ** BigInt(exponentOf(from))
  return scaledNumerator / scaledDenominator // bigint division truncates towards zero
}

export const convert = (amountMinor: bigint, quote: FxQuote): bigint =>
  convertMinor(amountMinor, quote.base, quote.quote, quote.rate)

/** Age of the quote at `now` in milliseconds; a quote stamped slightly in the future (clock skew) has age 0. */
export const ageMillis = (quote: FxQuote, now: DateTime.Utc): number =>
  Math.max(0, DateTime.toEpochMillis(now) - DateTime.toEpochMillis(quote.asOf))

/** Stale when strictly older than `maxAgeSeconds`. */
export const isStale = (quote: FxQuote, now: DateTime.Utc, maxAgeSeconds: number): boolean =>
  ageMillis(quote, now) > maxAgeSeconds * 1000
