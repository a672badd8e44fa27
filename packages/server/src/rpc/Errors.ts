// The errors an RPC client receives as typed values. Every one carries a stable `code` (the ledger's result
// codes are in docs/reference/result-codes.md, the others in docs/reference/rpc.md) and a human `detail`.
import { Schema } from "effect"

const Issue = Schema.Struct({
  path: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  message: Schema.String
})

const BatchItemError = Schema.Struct({ index: Schema.Number, code: Schema.String })

/** A transfer, post or void was refused; `transferId` names the stored failed transfer (or the hold). */
export class TransferRefused extends Schema.TaggedError<TransferRefused>()("TransferRefused", {
  code: Schema.String,
  transferId: Schema.String,
  detail: Schema.String
}) {}

/** No item of the batch was applied; `errors` names each failing item by its index. */
export class BatchRefused extends Schema.TaggedError<BatchRefused>()("BatchRefused", {
  code: Schema.Literal("batch_refused"),
  errors: Schema.Array(BatchItemError),
  detail: Schema.String
}) {}

/** The object does not exist, or belongs to another owner (which looks the same on purpose). */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  code: Schema.String,
  detail: Schema.String
}) {}

/** The request was well-formed but breaks a limit or rule checked before the ledger sees it. */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  code: Schema.String,
  detail: Schema.String,
  errors: Schema.optionalKey(Schema.Array(Issue))
}) {}

/** Missing, unknown or revoked API key. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  code: Schema.String,
  detail: Schema.String
}) {}

/** The key is valid but may not do this (e.g. `allowNegative` without the admin key). */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  code: Schema.String,
  detail: Schema.String
}) {}

/** A reused transfer id or idempotency key, or a request with the same key still running. */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  code: Schema.String,
  detail: Schema.String
}) {}

/** The ledger store did not answer; safe to retry (with the same id or idempotency key). */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  code: Schema.String,
  detail: Schema.String
}) {}

/** Every error an operation may answer with (besides `Unauthorized`, which the auth middleware adds). */
export const RpcError = Schema.Union([
  TransferRefused,
  BatchRefused,
  NotFound,
  ValidationFailed,
  Forbidden,
  Conflict,
  Unavailable
])
export type RpcError = typeof RpcError.Type
