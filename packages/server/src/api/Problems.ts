// Every error on the wire is an RFC 9457 problem with a stable, machine-readable `code`.
// docs/reference/result-codes.md lists the ledger codes; the rest are listed in docs/reference/errors.md.
import { Schema } from "effect"
import { HttpApiError } from "effect/http-api"

const Issue = Schema.Struct({
  path: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  message: Schema.String
})

export class ValidationFailed extends HttpApiError.Problem<ValidationFailed>()(
  "ValidationFailed",
  { type: "urn:tally:problem:validation-failed", status: 400, title: "Request validation failed" },
  { code: Schema.String, errors: Schema.optionalKey(Schema.Array(Issue)) }
) {}

export class Unauthorized extends HttpApiError.Problem<Unauthorized>()(
  "Unauthorized",
  { type: "urn:tally:problem:unauthorized", status: 401, title: "Missing, unknown or revoked API key" },
  { code: Schema.String }
) {}

export class Forbidden extends HttpApiError.Problem<Forbidden>()(
  "Forbidden",
  { type: "urn:tally:problem:forbidden", status: 403, title: "This API key may not do that" },
  { code: Schema.String }
) {}

export class NotFound extends HttpApiError.Problem<NotFound>()(
  "NotFound",
  { type: "urn:tally:problem:not-found", status: 404, title: "Not found" },
  { code: Schema.String }
) {}

export class Conflict extends HttpApiError.Problem<Conflict>()(
  "Conflict",
  { type: "urn:tally:problem:conflict", status: 409, title: "Conflict" },
  { code: Schema.String }
) {}

export class Unprocessable extends HttpApiError.Problem<Unprocessable>()(
  "Unprocessable",
  { type: "urn:tally:problem:unprocessable", status: 422, title: "The request was refused" },
  {
    code: Schema.String,
    transferId: Schema.optionalKey(Schema.String),
    errors: Schema.optionalKey(Schema.Array(Schema.Struct({ index: Schema.Number, code: Schema.String })))
  }
) {}

export class TooManyRequests extends HttpApiError.Problem<TooManyRequests>()(
  "TooManyRequests",
  { type: "urn:tally:problem:rate-limited", status: 429, title: "Too many requests" },
  { code: Schema.String, retryAfterSeconds: Schema.Number }
) {}

export class PayloadTooLarge extends HttpApiError.Problem<PayloadTooLarge>()(
  "PayloadTooLarge",
  { type: "urn:tally:problem:body-too-large", status: 413, title: "Request body too large" },
  { code: Schema.String }
) {}

export class Unavailable extends HttpApiError.Problem<Unavailable>()(
  "Unavailable",
  { type: "urn:tally:problem:unavailable", status: 503, title: "Service unavailable" },
  { code: Schema.String }
) {}
