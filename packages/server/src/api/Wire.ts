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
