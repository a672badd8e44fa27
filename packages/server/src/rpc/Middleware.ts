// RPC middleware definitions (shared by server and clients); implementations are in MiddlewareLive.ts.
import { RpcMiddleware } from "effect/rpc"
import type { CurrentPrincipal } from "../api/Security.ts"
import { Unauthorized } from "./Errors.ts"

/**
 * Reads `authorization: Bearer <api key>` from the request headers (the HTTP request's over HTTP, the upgrade
 * request's over WebSocket, or the RPC message's own headers) and provides the caller's `CurrentPrincipal`.
 */
export class RpcAuth extends RpcMiddleware.Service<RpcAuth, { provides: CurrentPrincipal }>()(
  "tally/server/rpc/RpcAuth",
  {
    error: Unauthorized
  }
) {}

/** Counts and times every call (tally_rpc_calls_started_total, …_handled_total, tally_rpc_handling_seconds). */
export class RpcMetrics extends RpcMiddleware.Service<RpcMetrics>()("tally/server/rpc/RpcMetrics") {}
