// Mounts the console's routes into the server's router. The routes' services (use cases' stores, sessions, the
// login limiter) are captured when the router is built and provided to every request; console routes are not
// API operations, so /openapi.json, RPC and the CLI do not list them.
import { Effect, Layer } from "effect"
import { HttpRouter, type HttpServerResponse } from "effect/http"
import { ConsoleConfig } from "./ConsoleConfig.ts"
import { LoginLimiter } from "./LoginLimiter.ts"
import { consoleRoutes } from "./Routes.ts"
import { Sessions } from "./Sessions.ts"

type Services = Exclude<HttpRouter.Route.Context<(typeof consoleRoutes)[number]>, HttpRouter.Provided>
type Handler = Effect.Effect<HttpServerResponse.HttpServerResponse, never, Services | HttpRouter.Provided>

const Routes = HttpRouter.use((router) =>
  Effect.gen(function* () {
    const context = yield* Effect.context<Services>()
    yield* router.addAll(
      consoleRoutes.map((r) => HttpRouter.route(r.method, r.path, Effect.provideContext(r.handler as Handler, context)))
    )
  })
)

export const ConsoleRoutes = Routes.pipe(
  Layer.provide(LoginLimiter.layer),
  Layer.provide(Layer.mergeAll(ConsoleConfig.layer, Sessions.layer))
)
