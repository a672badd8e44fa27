// Wire shapes shared by the groups. Amounts travel as JSON strings of digits (minor units).
import { Schema, SchemaTransformation } from "effect"

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
  limit: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^[1-9][0-9]{0,8}$/u, { message: "expected a positive whole number" })).pipe(
      Schema.decodeTo(Schema.Number, SchemaTransformation.numberFromString)
    )
  )
}

/** Largest amount a balance column (int8) can hold. */
export const amountMaxMinor = 2n ** 63n - 1n

/** A request amount: digits only, minor units, at most int8 range. */
export const Amount = Schema.String.check(
  Schema.isPattern(/^[0-9]{1,19}$/u, { message: "expected a string of 1 to 19 digits (minor units)" }),
  // checks all run (errors: "all"), so this one must not assume the pattern held
  Schema.makeFilter(
    (s: string) => !/^[0-9]{1,19}$/.test(s) || BigInt(s) <= amountMaxMinor || "amount exceeds 9223372036854775807"
  )
).annotate({ description: 'Minor units as a string of digits, e.g. "1050" = 10.50 EUR', examples: ["1050"] })

/** Free text stored in a text column: 1…max characters, no NUL, no unpaired surrogate. */
export const Text = (max: number) =>
  Schema.String.check(
    Schema.isMinLength(1),
    Schema.isMaxLength(max),
    Schema.makeFilter((s: string) => (s.isWellFormed() && !s.includes("\u0000")) || "NUL or unpaired surrogate")
  )
