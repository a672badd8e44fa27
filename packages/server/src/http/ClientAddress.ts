// The client's address for RPC handlers, which see only headers: the socket's remote address, put in a request
// header. Used to throttle signup and login attempts per address (operations/AuthThrottle.ts). RPC merges a call's
// own headers over the request's, so the header's name is random per process: a client cannot send one that takes
// its place. A route middleware of the RPC routes only (Server.ts): HTTP handlers read the request's remote address
// themselves (http/Handlers.ts), so other requests are not copied with their headers (docs/adr/0032).
import { randomBytes } from "node:crypto"
import { Effect, Option } from "effect"
import { Headers, HttpRouter, HttpServerRequest } from "effect/http"

export const clientAddressHeader = `x-tally-client-address-${randomBytes(12).toString("hex")}`

export const ClientAddressMiddleware = HttpRouter.middleware((httpEffect) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const address = Option.getOrElse(request.remoteAddress, () => "unknown")
    return yield* Effect.provideService(
      httpEffect,
      HttpServerRequest.HttpServerRequest,
      request.modify({ headers: Headers.set(request.headers, clientAddressHeader, address) })
    )
  })
)
