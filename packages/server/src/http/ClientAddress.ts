// The client's address for every handler, RPC included (whose handlers see only the request's headers): the
// socket's remote address, written over any `x-tally-client-address` the client sent. Used to throttle signup
// and login attempts per address (operations/AuthThrottle.ts).
import { Effect, Option } from "effect"
import { Headers, HttpRouter, HttpServerRequest } from "effect/http"

export const clientAddressHeader = "x-tally-client-address"

export const ClientAddressMiddleware = HttpRouter.middleware(
  Effect.succeed((httpEffect) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const address = Option.getOrElse(request.remoteAddress, () => "unknown")
      return yield* Effect.provideService(
        httpEffect,
        HttpServerRequest.HttpServerRequest,
        request.modify({ headers: Headers.set(request.headers, clientAddressHeader, address) })
      )
    })
  ),
  { global: true }
)
