// Field schemas shared by the operations. Amounts travel as JSON strings of digits (minor units).
import { DateTime, Schema } from "effect"

export const Uuid = Schema.String.check(Schema.isUUID())

/** The payload of an operation on one object: its id (a path parameter over HTTP). */
export const ById = Schema.Struct({ id: Uuid })

/** The payload of an operation that takes none. */
export const NoPayload = Schema.Struct({})

/** A balance may be negative on system accounts: an optional minus, then digits. */
export const SignedAmount = Schema.String.annotate({
  description: "Minor units as a string of digits, negative only on system accounts",
  examples: ["1050", "-250000"]
})

/** PostgreSQL text and jsonb refuse NUL characters and unpaired surrogates: such JSON is not storable. */
export const storableJson = (value: unknown): boolean => {
  if (typeof value === "string") return value.isWellFormed() && !value.includes("\u0000")
  if (Array.isArray(value)) return value.every(storableJson)
  if (value !== null && typeof value === "object") {
    return Object.entries(value).every(([k, v]) => storableJson(k) && storableJson(v))
  }
  return true
}

/**
 * The wire `code` a failing check answers with instead of `validation_failed` (read by the HTTP request guard
 * from the filter's annotations).
 */
export const codeAnnotation = "tally/code"

/** Metadata as stored and returned. */
export const Metadata = Schema.Record(Schema.String, Schema.Unknown).annotate({
  description: "Free-form client data, stored and returned as given (at most TALLY_METADATA_BYTES_MAX bytes)"
})

/** Metadata in a request: it must be storable (its size, a setting, is checked by the operation). */
export const MetadataInput = Metadata.check(
  Schema.makeFilter((m: Record<string, unknown>) => storableJson(m) || "NUL or unpaired surrogate in a key or string", {
    [codeAnnotation]: "metadata_not_storable"
  })
)

/** A page size: capped by TALLY_PAGE_SIZE_MAX; defaults to TALLY_PAGE_SIZE_DEFAULT. */
export const PageFields = {
  cursor: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)))
}

export const pageOf = <S extends Schema.Top>(item: S) =>
  Schema.Struct({ items: Schema.Array(item), nextCursor: Schema.NullOr(Schema.String) })

/** A page of a list a client may tail: `tailCursor` is where to ask again later (docs/concepts.md, Lists). */
export const tailPageOf = <S extends Schema.Top>(item: S) =>
  Schema.Struct({
    items: Schema.Array(item),
    nextCursor: Schema.NullOr(Schema.String),
    tailCursor: Schema.NullOr(Schema.String).annotate({
      description:
        "Cursor after the last item of this page (the cursor asked with when the page is empty): ask again with it " +
        "to get what commits later; a client following it never misses a committed row"
    })
  })

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

/**
 * Replays the first outcome for the same key and request (kept ≥ 24 h, scoped to the API key and operation);
 * without a transfer id, the id is derived from the key so a retry can never apply twice.
 */
export const IdempotencyKey = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(255)).annotate({
  description: "Replays the first response for the same key and request (kept ≥ 24 h); 409 while it runs"
})

/** A timestamp on the wire: ISO 8601, UTC. */
export const iso = (dt: DateTime.Utc | Date) => (dt instanceof Date ? dt.toISOString() : DateTime.formatIso(dt))
