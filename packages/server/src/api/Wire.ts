// Wire shapes shared by the groups. Amounts travel as JSON strings of digits (minor units).
import { Schema } from "effect"

export const Uuid = Schema.String.check(Schema.isUUID())

/** A balance may be negative on system accounts: an optional minus, then digits. */
export const SignedAmount = Schema.String.annotate({
  description: "Minor units as a string of digits, negative only on system accounts",
  examples: ["1050", "-250000"]
})

export const Metadata = Schema.Record(Schema.String, Schema.Unknown).annotate({
  description: "Free-form client data, stored and returned as given (at most TALLY_METADATA_BYTES_MAX bytes)"
})

export const PageQuery = {
  cursor: Schema.optionalKey(Schema.String),
  /** Capped by TALLY_PAGE_SIZE_MAX; defaults to TALLY_PAGE_SIZE_DEFAULT. */
  limit: Schema.optionalKey(Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)))
}

/** Largest amount a balance column (int8) can hold. */
export const amountMaxMinor = 2n ** 63n - 1n

/** A request amount: digits only, minor units, at most int8 range. */
export const Amount = Schema.String.check(
  Schema.isPattern(/^[0-9]{1,19}$/, { message: "expected a string of 1 to 19 digits (minor units)" }),
  // checks all run (errors: "all"), so this one must not assume the pattern held
  Schema.makeFilter(
    (s: string) => !/^[0-9]{1,19}$/.test(s) || BigInt(s) <= amountMaxMinor || "amount exceeds 9223372036854775807"
  )
).annotate({ description: 'Minor units as a string of digits, e.g. "1050" = 10.50 EUR', examples: ["1050"] })
