// The client's address for every handler, RPC included (whose handlers see only headers): the socket's remote
// address, put in a request header. Used to throttle signup and login attempts per address
// (operations/AuthThrottle.ts). RPC merges a call's own headers over the request's, so the header's name is
// random per process: a client cannot send one that takes its place.
import { randomBytes } from "node:crypto"
import { Effect, Option } from "effect"
import { Headers, HttpRouter, HttpServerRequest } from "effect/http"

export const clientAddressHeader = `x-tally-client-address-${randomBytes(12).toString("hex")}`

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
