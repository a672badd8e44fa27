import { Schema, SchemaTransformation } from "effect"

/** ISO 4217 code → exponent (number of minor-unit digits). */
export const currencies: ReadonlyMap<string, number> = new Map([
  ["AED", 2],
  ["ARS", 2],
  ["AUD", 2],
  ["BGN", 2],
  ["BHD", 3],
  ["BRL", 2],
  ["CAD", 2],
  ["CHF", 2],
  ["CLF", 4],
  ["CLP", 0],
  ["CNY", 2],
  ["COP", 2],
  ["CZK", 2],
  ["DKK", 2],
  ["EGP", 2],
  ["EUR", 2],
  ["GBP", 2],
  ["HKD", 2],
  ["HUF", 2],
  ["IDR", 2],
  ["ILS", 2],
  ["INR", 2],
  ["IQD", 3],
  ["ISK", 0],
  ["JOD", 3],
  ["JPY", 0],
  ["KES", 2],
  ["KRW", 0],
  ["KWD", 3],
  ["LYD", 3],
  ["MAD", 2],
  ["MXN", 2],
  ["MYR", 2],
  ["NGN", 2],
  ["NOK", 2],
  ["NZD", 2],
  ["OMR", 3],
  ["PEN", 2],
  ["PHP", 2],
  ["PKR", 2],
  ["PLN", 2],
  ["RON", 2],
  ["SAR", 2],
  ["SEK", 2],
  ["SGD", 2],
  ["THB", 2],
  ["TND", 3],
  ["TRY", 2],
  ["TWD", 2],
  ["UAH", 2],
  ["UGX", 0],
  ["USD", 2],
  ["VND", 0],
  ["XAF", 0],
  ["XOF", 0],
  ["ZAR", 2]
])

/** A supported ISO 4217 code; decoding an unknown code fails with `unknown currency "XYZ"`. */
export const CurrencyCode = Schema.String.check(
  Schema.makeFilter((code: string) => currencies.has(code) || `unknown currency ${JSON.stringify(code)}`, {
    // documented as the list of supported codes (OpenAPI, RPC schemas)
    toJsonSchema: () => ({ enum: [...currencies.keys()] })
  })
).pipe(Schema.brand("CurrencyCode"))
export type CurrencyCode = typeof CurrencyCode.Type

export const exponentOf = (code: CurrencyCode): number => {
  const exponent = currencies.get(code)
  if (exponent === undefined) throw new Error(`unknown currency ${JSON.stringify(code)}`)
  return exponent
}

/** Most digits an amount may have on the wire; far beyond any int8 balance, but bounds parsing cost. */
export const amountDigitsMax = 30

/** Wire string of digits ⇄ bigint minor units: `"1050"` ⇄ `1050n`. No sign, no decimals, no blanks. */
export const AmountMinor = Schema.String.check(
  // the `u` flag lets the pattern be exported to JSON Schema
  Schema.isPattern(new RegExp(`^[0-9]{1,${amountDigitsMax}}$`, "u"), {
    message: `expected a string of 1 to ${amountDigitsMax} digits (minor units)`
  })
).pipe(Schema.decodeTo(Schema.BigInt, SchemaTransformation.bigintFromString))

export const PositiveAmountMinor = AmountMinor.check(
  Schema.isGreaterThanBigInt(0n, { message: "expected an amount greater than 0" })
)

/** Human rendering, e.g. `formatMinor(1050n, "EUR") === "10.50"`, `formatMinor(-5n, "EUR") === "-0.05"`. */
export const formatMinor = (amountMinor: bigint, currency: CurrencyCode): string => {
  const exponent = exponentOf(currency)
  const sign = amountMinor < 0n ? "-" : ""
  const digits = (amountMinor < 0n ? -amountMinor : amountMinor).toString()
  if (exponent === 0) return sign + digits
  const padded = digits.padStart(exponent + 1, "0")
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`
}
