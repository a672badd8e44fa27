// A 429 answered by an operation (signup and login throttling) carries `Retry-After`, as the edge's does.
import { Effect } from "effect"
import { HttpServerRespondable, HttpServerResponse } from "effect/http"
import type { WireError } from "../operations/Errors.ts"

export const withRetryAfter = <A, R>(effect: Effect.Effect<A, WireError, R>) =>
  Effect.catchIf(
    effect,
    (error) => error._tag === "TooManyRequests",
    (error) =>
      Effect.map(HttpServerRespondable.toResponse(error), (response) =>
        HttpServerResponse.setHeader(
          response,
          "retry-after",
          String((error as { readonly retryAfterSeconds: number }).retryAfterSeconds)
        )
      )
  )
