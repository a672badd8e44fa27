// Global request handling at the edge: a request id (accepted from `x-request-id` or generated, returned
// as a header and put on every log line), the body size limit (TALLY_BODY_BYTES_MAX) → 413, 415 and an unknown path's
// 404 as problems, and 405 with `Allow` for a method a path does not serve.
import { randomUUID } from "node:crypto"
import { ByteSize, Effect, Layer } from "effect"
import {
  HttpIncomingMessage,
  HttpRouter,
  HttpServerRequest,
  HttpServerRespondable,
  HttpServerResponse
} from "effect/http"
import { ServerConfig } from "../Config.ts"
import { MethodNotAllowed, NotFound, PayloadTooLarge, UnsupportedMediaType } from "../operations/Errors.ts"
import { allowedMethods } from "./Methods.ts"

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

/** The router fails a path no route serves with RouteNotFound, which it renders as an empty 404. */
const isRouteNotFound = (error: unknown) =>
  typeof error === "object" &&
  error !== null &&
  (error as { _tag?: unknown })._tag === "HttpServerError" &&
  (error as { reason?: { _tag?: unknown } }).reason?._tag === "RouteNotFound"

const routeNotFound = (path: string) =>
  HttpServerRespondable.toResponse(
    new NotFound({ code: "route_not_found", detail: `no route serves ${path.slice(0, 200)} (see /openapi.json)` })
  )

const notAllowed = (method: string, allowed: ReadonlyArray<string>) =>
  Effect.map(
    HttpServerRespondable.toResponse(
      new MethodNotAllowed({
        code: "method_not_allowed",
        detail: `${method} is not served here; allowed: ${allowed.join(", ")}`
      })
    ),
    HttpServerResponse.setHeader("allow", allowed.join(", "))
  )

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

const pathOf = (url: string) => {
  const query = url.indexOf("?")
  return query < 0 ? url : url.slice(0, query)
}

/** The body limit for every request: a reference the server's layer provides once, not each request (Server.ts). */
export const BodyLimitLive = Layer.effect(
  HttpIncomingMessage.MaxBodySize,
  ServerConfig.useSync((config) => ByteSize.bytes(config.bodyBytesMax))
)

export const EdgeMiddleware = HttpRouter.middleware(
  Effect.gen(function* () {
    const { bodyBytesMax } = yield* ServerConfig
    return (httpEffect) => {
      // built once for all requests: an unknown path's RouteNotFound answered as a problem
      const app = Effect.catch(httpEffect, (error) =>
        isRouteNotFound(error)
          ? HttpServerRequest.HttpServerRequest.use((request) => routeNotFound(pathOf(request.url)))
          : Effect.fail(error)
      )
      return Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const headers = request.headers
        const given = headers["x-request-id"]
        const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID()
        const declared = Number(headers["content-length"] ?? "0")
        const allowed = allowedMethods(pathOf(request.url))
        const response =
          allowed.length > 0 && !allowed.includes(request.method)
            ? yield* notAllowed(request.method, allowed)
            : declared > bodyBytesMax
              ? yield* tooLarge(bodyBytesMax)
              : yield* Effect.annotateLogs(app, { requestId })
        const answer = yield* unsupported(response)
        return HttpServerResponse.setHeader(answer, "x-request-id", requestId)
      })
    }
  }),
  { global: true }
)
