// Global request handling at the edge: a request id (accepted from `x-request-id` or generated, returned
// as a header and put on every log line), the body size limit (TALLY_BODY_BYTES_MAX) → 413, and 415 as a problem.
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
import { PayloadTooLarge, UnsupportedMediaType } from "../operations/Errors.ts"

const tooLarge = (limit: number) =>
  HttpServerRespondable.toResponse(
    new PayloadTooLarge({
      code: "body_too_large",
      detail: `request bodies are limited to ${limit} bytes (TALLY_BODY_BYTES_MAX)`
    })
  )

/** The API's own 415 is plain text: answered as a problem with a code, like every other refusal. */
const unsupported = (response: HttpServerResponse.HttpServerResponse) =>
  response.status === 415 && !String(response.headers["content-type"] ?? "").includes("problem+json")
    ? HttpServerRespondable.toResponse(
        new UnsupportedMediaType({
          code: "unsupported_media_type",
          detail: "request bodies are application/json"
        })
      )
    : Effect.succeed(response)

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
        return HttpServerResponse.setHeader(yield* unsupported(response), "x-request-id", requestId)
      })
  }),
  { global: true }
)
