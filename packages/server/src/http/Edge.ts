// Global request handling at the edge: a request id (accepted from `x-request-id` or generated, returned
// as a header and put on every log line), and the body size limit (TALLY_BODY_BYTES_MAX) → 413.
import { randomUUID } from "node:crypto"
import { ByteSize, Effect } from "effect"
import {
  HttpIncomingMessage,
  HttpRouter,
  HttpServerRequest,
  HttpServerRespondable,
  HttpServerResponse
} from "effect/http"
import { ServerConfig } from "../Config.ts"
import { PayloadTooLarge } from "../operations/Errors.ts"

const tooLarge = (limit: number) =>
  HttpServerRespondable.toResponse(
    new PayloadTooLarge({
      code: "body_too_large",
      detail: `request bodies are limited to ${limit} bytes (TALLY_BODY_BYTES_MAX)`
    })
  )

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export const EdgeMiddleware = HttpRouter.middleware(
  Effect.gen(function* () {
    const { bodyBytesMax } = yield* ServerConfig
    const limit = ByteSize.bytes(bodyBytesMax)
    return (httpEffect) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const given = request.headers["x-request-id"]
        const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID()
        const declared = Number(request.headers["content-length"] ?? "0")
        const response =
          declared > bodyBytesMax
            ? yield* tooLarge(bodyBytesMax)
            : yield* httpEffect.pipe(
                Effect.provideService(HttpIncomingMessage.MaxBodySize, limit),
                Effect.annotateLogs({ requestId })
              )
        return HttpServerResponse.setHeader(response, "x-request-id", requestId)
      })
  }),
  { global: true }
)
