import { HttpApiMiddleware } from "effect/http-api"
import { PayloadTooLarge, TooManyRequests, Unavailable, ValidationFailed } from "./Problems.ts"

/**
 * Applied to the whole API: turns request-decoding failures into `validation_failed` problems that
 * name the failing field, and declares the errors any endpoint may answer with.
 */
export class RequestGuard extends HttpApiMiddleware.Service<RequestGuard>()("tally/server/RequestGuard", {
  error: [ValidationFailed, PayloadTooLarge, TooManyRequests, Unavailable]
}) {}
