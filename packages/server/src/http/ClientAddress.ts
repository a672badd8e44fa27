// The client's address for RPC handlers, which see only headers: the socket's remote address, put in a request
// header. Used to throttle signup and login attempts per address (operations/AuthThrottle.ts). RPC merges a call's
// own headers over the request's, so the header's name is random per process: a client cannot send one that takes
// its place. HTTP handlers read the request's remote address themselves (http/Handlers.ts): other paths pass through
// untouched, without a copy of the request and its headers.
import { randomBytes } from "node:crypto"
import { Effect, Option } from "effect"
import { Headers, HttpRouter, HttpServerRequest } from "effect/http"
import { rpcPath } from "../rpc/Group.ts"

export const clientAddressHeader = `x-tally-client-address-${randomBytes(12).toString("hex")}`

/** A request to the RPC endpoint: `/rpc`, with or without a trailing slash (the RPC client sends `/rpc/`). */
export const isRpc = (url: string) => {
  const query = url.indexOf("?")
  const path = query < 0 ? url : url.slice(0, query)
  return path === rpcPath || path === `${rpcPath}/`
}

export const ClientAddressMiddleware = HttpRouter.middleware(
  Effect.succeed((httpEffect) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (!isRpc(request.url)) return yield* httpEffect
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
