// Payload fields shared by the RPC groups. Result shapes are the HTTP API's (api/*.ts), so both transports
// speak the same JSON: amounts are strings of digits in minor units.
import { Schema } from "effect"
import { Uuid } from "../api/Wire.ts"

/** Capped by TALLY_PAGE_SIZE_MAX; defaults to TALLY_PAGE_SIZE_DEFAULT. */
export const Page = {
  cursor: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)))
}

/**
 * Replays the first outcome for the same key and payload (kept ≥ 24 h, scoped to the API key and operation);
 * without a transfer id, the id is derived from the key so a retry can never apply twice.
 */
export const IdempotencyKey = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(255))

export const ById = { id: Uuid }

export const pageOf = <S extends Schema.Top>(item: S) =>
  Schema.Struct({ items: Schema.Array(item), nextCursor: Schema.NullOr(Schema.String) })
