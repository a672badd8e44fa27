// The wire errors: every failure a client sees, as one set of values. Over HTTP each renders as an RFC 9457
// problem (its `status`, `type`, `title`); over RPC as a typed error told apart by its tag; the CLI prints its
// `code` and exits with `exitCodeOf(tag)`. Every one carries a stable `code` (docs/reference/errors.md; the ledger's
// result codes are in docs/reference/result-codes.md) and a human `detail`.
import { codes as resultCodes } from "@tally/domain/ResultCode"
import { Schema } from "effect"
import { HttpApiError } from "effect/http-api"

const Issue = Schema.Struct({
  path: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  message: Schema.String
})

/** A field is missing, malformed or out of range, or a limit checked before the ledger was exceeded. */
export class ValidationFailed extends HttpApiError.Problem<ValidationFailed>()(
  "ValidationFailed",
  { type: "urn:tally:problem:validation-failed", status: 400, title: "Request validation failed" },
  { code: Schema.String, errors: Schema.optionalKey(Schema.Array(Issue)) }
) {}

/** Missing, unknown or revoked API key. */
export class Unauthorized extends HttpApiError.Problem<Unauthorized>()(
  "Unauthorized",
  { type: "urn:tally:problem:unauthorized", status: 401, title: "Missing, unknown or revoked API key" },
  { code: Schema.String }
) {}

/** The key is valid but may not do this (e.g. `allowNegative` without the admin key). */
export class Forbidden extends HttpApiError.Problem<Forbidden>()(
  "Forbidden",
  { type: "urn:tally:problem:forbidden", status: 403, title: "This API key may not do that" },
  { code: Schema.String }
) {}

/** The object does not exist, or belongs to another owner (which looks the same on purpose). */
export class NotFound extends HttpApiError.Problem<NotFound>()(
  "NotFound",
  { type: "urn:tally:problem:not-found", status: 404, title: "Not found" },
  { code: Schema.String }
) {}

/** A reused transfer id, or a request with the same idempotency key still running. */
export class Conflict extends HttpApiError.Problem<Conflict>()(
  "Conflict",
  { type: "urn:tally:problem:conflict", status: 409, title: "Conflict" },
  { code: Schema.String }
) {}

/**
 * An idempotency key used with another request: 422 over HTTP (DESIGN.md), a `Conflict` over RPC, like the
 * other reuse errors (docs/adr/0010-operation-table.md).
 */
export class KeyReused extends HttpApiError.Problem<KeyReused>()(
  "Conflict",
  { type: "urn:tally:problem:idempotency-key-reused", status: 422, title: "The idempotency key was reused" },
  { code: Schema.Literal("idempotency_key_reused") }
) {}

/** A transfer, post or void was refused; `transferId` names the stored failed transfer (or the hold). */
export class TransferRefused extends HttpApiError.Problem<TransferRefused>()(
  "TransferRefused",
  { type: "urn:tally:problem:unprocessable", status: 422, title: "The request was refused" },
  { code: Schema.String, transferId: Schema.String }
) {}

/** A ticketing command was refused (docs/reference/result-codes.md, Ticketing); `id` names its event or reservation. */
export class TicketingRefused extends HttpApiError.Problem<TicketingRefused>()(
  "TicketingRefused",
  { type: "urn:tally:problem:ticketing-refused", status: 422, title: "The ticketing request was refused" },
  { code: Schema.String, id: Schema.String }
) {}

/** No item of the batch was applied; `errors` names each failing item by its index. */
export class BatchRefused extends HttpApiError.Problem<BatchRefused>()(
  "BatchRefused",
  { type: "urn:tally:problem:batch-refused", status: 422, title: "The batch was refused" },
  {
    code: Schema.Literal("batch_refused"),
    errors: Schema.Array(Schema.Struct({ index: Schema.Number, code: Schema.String }))
  }
) {}

/** A well-formed request the service will not act on (a used confirmation token, a private webhook URL). */
export class Refused extends HttpApiError.Problem<Refused>()(
  "Refused",
  { type: "urn:tally:problem:refused", status: 422, title: "The request was refused" },
  { code: Schema.String }
) {}

/** Answered by the HTTP edge before any operation runs. */
export class PayloadTooLarge extends HttpApiError.Problem<PayloadTooLarge>()(
  "PayloadTooLarge",
  { type: "urn:tally:problem:body-too-large", status: 413, title: "Request body too large" },
  { code: Schema.String }
) {}

/** Answered by the HTTP edge: a method the path does not serve (`Allow` names those it does). */
export class MethodNotAllowed extends HttpApiError.Problem<MethodNotAllowed>()(
  "MethodNotAllowed",
  { type: "urn:tally:problem:method-not-allowed", status: 405, title: "Method not allowed" },
  { code: Schema.String }
) {}

/** Answered by the HTTP edge: a request body that is not `application/json`. */
export class UnsupportedMediaType extends HttpApiError.Problem<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { type: "urn:tally:problem:unsupported-media-type", status: 415, title: "Unsupported media type" },
  { code: Schema.String }
) {}

/** Answered by the HTTP edge (rate limit per API key), or by signup and login throttling (AuthThrottle.ts). */
export class TooManyRequests extends HttpApiError.Problem<TooManyRequests>()(
  "TooManyRequests",
  { type: "urn:tally:problem:rate-limited", status: 429, title: "Too many requests" },
  { code: Schema.String, retryAfterSeconds: Schema.Number }
) {}

/** The ledger store did not answer; safe to retry (with the same id or idempotency key). */
export class Unavailable extends HttpApiError.Problem<Unavailable>()(
  "Unavailable",
  { type: "urn:tally:problem:unavailable", status: 503, title: "Service unavailable" },
  { code: Schema.String }
) {}

export type WireErrorClass =
  | typeof ValidationFailed
  | typeof Unauthorized
  | typeof Forbidden
  | typeof NotFound
  | typeof Conflict
  | typeof KeyReused
  | typeof TransferRefused
  | typeof BatchRefused
  | typeof Refused
  | typeof TicketingRefused
  | typeof PayloadTooLarge
  | typeof MethodNotAllowed
  | typeof UnsupportedMediaType
  | typeof TooManyRequests
  | typeof Unavailable

export type WireError = InstanceType<WireErrorClass>

/** Every wire error class: what a stored idempotent outcome or an RPC failure decodes against. */
export const wireErrorClasses: ReadonlyArray<WireErrorClass> = [
  ValidationFailed,
  Unauthorized,
  Forbidden,
  NotFound,
  Conflict,
  KeyReused,
  TransferRefused,
  BatchRefused,
  Refused,
  TicketingRefused,
  PayloadTooLarge,
  MethodNotAllowed,
  UnsupportedMediaType,
  TooManyRequests,
  Unavailable
]

const wireErrorSet = new Set<unknown>(wireErrorClasses)

export const isWireError = (u: unknown): u is WireError =>
  typeof u === "object" && u !== null && wireErrorSet.has(u.constructor)

/** A wire error class's tag: its RPC rendering. */
export const tagOf = (error: WireErrorClass): string => (error.prototype as { readonly _tag: string })._tag

/** A wire error class's HTTP status: its HTTP rendering. */
export const httpStatusOf = (error: WireErrorClass): number =>
  (error.ast.annotations as { readonly httpApiStatus: number }).httpApiStatus

/** The CLI's exit code: 2 when the server refused this request, 1 for trouble or no permission (key, server). */
export const exitCodeOf = (tag: string): 1 | 2 =>
  tag === "TransferRefused" ||
  tag === "BatchRefused" ||
  tag === "Refused" ||
  tag === "TicketingRefused" ||
  tag === "ValidationFailed" ||
  tag === "NotFound" ||
  tag === "Conflict"
    ? 2
    : 1

/** One entry of an operation's error list: a wire error class and the codes it answers with there. */
export interface Failure<C extends WireErrorClass = WireErrorClass> {
  readonly error: C
  readonly codes: ReadonlyArray<string>
}

export const failure = <C extends WireErrorClass>(error: C, ...codes: ReadonlyArray<string>): Failure<C> => ({
  error,
  codes
})

// --- the catalogue: each code, once, with its class ---------------------------------------------------------

export const validationFailed = failure(ValidationFailed, "validation_failed")
export const pageSizeTooLarge = failure(ValidationFailed, "page_size_too_large")
export const invalidCursor = failure(ValidationFailed, "invalid_cursor")
export const metadataTooLarge = failure(ValidationFailed, "metadata_too_large")
export const batchSizeOutOfRange = failure(ValidationFailed, "batch_size_out_of_range")
export const unauthorized = failure(Unauthorized, "unauthorized")
export const adminRequired = failure(Forbidden, "admin_required")
export const systemOwnerReserved = failure(Forbidden, "system_owner_reserved")
export const accountNotFound = failure(NotFound, "account_not_found")
export const transferNotFound = failure(NotFound, "transfer_not_found")
export const apiKeyNotFound = failure(NotFound, "api_key_not_found")
export const ownerNotFound = failure(NotFound, "owner_not_found")
export const transferIdReused = failure(Conflict, "transfer_id_reused")
export const keyInFlight = failure(Conflict, "idempotency_key_in_flight")
export const keyReused = failure(KeyReused, "idempotency_key_reused")
/** Any result code (docs/reference/result-codes.md). */
export const transferRefused = failure(
  TransferRefused,
  ...resultCodes.filter((code) => code !== "pending_transfer_not_found") // a NotFound on the wire
)
export const batchRefused = failure(BatchRefused, "batch_refused")
export const storeUnavailable = failure(Unavailable, "store_unavailable")
export const rateLimited = failure(TooManyRequests, "rate_limited")
export const notReady = failure(Unavailable, "not_ready")

// --- delivery: users, webhooks, jobs (docs/reference/errors.md) ----------------------------------------------

export const invalidSignup = failure(ValidationFailed, "invalid_email", "invalid_name", "weak_password")
export const emailTaken = failure(Conflict, "email_taken")
export const confirmationRefused = failure(
  Refused,
  "confirmation_token_unknown",
  "confirmation_token_used",
  "confirmation_token_expired"
)
export const invalidCredentials = failure(Unauthorized, "invalid_credentials")
export const userNotConfirmed = failure(Forbidden, "user_not_confirmed")
export const userNotFound = failure(NotFound, "user_not_found")
export const signupRateLimited = failure(TooManyRequests, "signup_rate_limited")
export const loginRateLimited = failure(TooManyRequests, "login_rate_limited")
export const invalidWebhook = failure(
  Refused,
  "webhook_url_invalid",
  "webhook_url_private",
  "webhook_url_unresolvable",
  "webhook_secret_invalid",
  "webhook_events_invalid"
)
export const jobNotFound = failure(NotFound, "job_not_found")
export const jobNotRetryable = failure(Conflict, "job_not_retryable")
export const jobBusy = failure(Conflict, "job_busy")
