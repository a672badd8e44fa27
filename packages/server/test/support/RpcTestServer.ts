// TestServer with the RPC routes: the HTTP API (ApiRoutes) plus RpcRoutes, composed like Server.ts AppLive.
// Once Server.ts merges RpcRoutes into ApiRoutes, `TestServer()` alone serves /rpc and this file can go.
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { EmptyDatabase } from "@tally/adapters/test/support/TestDatabase"
import { Effect, Layer, Redacted } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { ServerConfig } from "../../src/Config.ts"
import { Authenticator } from "../../src/http/Auth.ts"
import { RpcRoutes } from "../../src/rpc/Routes.ts"
import { ApiRoutes, MigrateAtStart, SchemaLive, StoresLive } from "../../src/Server.ts"
import { ADMIN_KEY, BaseUrl } from "./TestServer.ts"

export const RpcTestServer = () =>
  Layer.effect(
    BaseUrl,
    Effect.gen(function* () {
      const address = (yield* HttpServer.HttpServer).address
      if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
      return `http://127.0.0.1:${address.port}`
    })
  ).pipe(
    Layer.provideMerge(
      HttpRouter.serve(Layer.mergeAll(ApiRoutes, RpcRoutes)).pipe(
        Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 }))
      )
    ),
    Layer.provide(MigrateAtStart),
    Layer.provideMerge(Authenticator.layer),
    Layer.provideMerge(Layer.mergeAll(SchemaLive, StoresLive)),
    Layer.provideMerge(ServerConfig.layerWith({ adminApiKey: Redacted.make(ADMIN_KEY) })),
    Layer.provideMerge(EmptyDatabase())
  )
