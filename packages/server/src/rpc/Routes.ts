// RPC on the HTTP server's port, one path for both transports: `POST /rpc` is the HTTP transport (NDJSON
// request/response, one call or a batch per request) and `GET /rpc` upgrades to a WebSocket (JSON frames,
// many concurrent calls on one connection). The methods tell them apart.
import { Layer } from "effect"
import { RpcSerialization, RpcServer } from "effect/rpc"
import { rpcPath, TallyRpcs } from "./Group.ts"
import { RpcHandlers } from "./Handlers.ts"

/** Registers `POST /rpc` and `GET /rpc` (WebSocket) on the current `HttpRouter`; needs what the handlers need. */
export const RpcRoutes = Layer.mergeAll(
  RpcServer.layerHttp({ group: TallyRpcs, path: rpcPath, protocol: "http" }).pipe(
    Layer.provide(RpcSerialization.layerNdjson)
  ),
  RpcServer.layerHttp({ group: TallyRpcs, path: rpcPath, protocol: "websocket" }).pipe(
    Layer.provide(RpcSerialization.layerJson)
  )
).pipe(Layer.provide(RpcHandlers))
