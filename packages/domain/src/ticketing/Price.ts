import { parseRate } from "../Fx.ts"
import { type CurrencyCode, exponentOf } from "../Money.ts"

/**
 * What the payer is charged, in the payer's currency, for `totalMinor` of the event's currency at `rate`
 * (one major unit of the payer currency buys `rate` of the event currency): the least amount that the ledger's
 * conversion (rounding down, Fx.convertMinor) turns into at least `totalMinor`. So the organizer is never paid
 * less than the price and the payer is charged at most one payer minor unit more than the exact amount.
 */
export const payerAmountMinor = (
  totalMinor: bigint,
  payerCurrency: CurrencyCode,
  eventCurrency: CurrencyCode,
  rate: string
): bigint => {
  if (payerCurrency === eventCurrency) return totalMinor
  const { numerator, denominator } = parseRate(rate)
  // convertMinor(d) = ⌊d·num·10^e(event) / (den·10^e(payer))⌋ ≥ total ⇔ d ≥ total·den·10^e(payer) / (num·10^e(event))
  const top = totalMinor * denominator * 10n ** BigInt(exponentOf(payerCurrency))
  const bottom = numerator * 10n ** BigInt(exponentOf(eventCurrency))
  return (top + bottom - 1n) / bottom
}
