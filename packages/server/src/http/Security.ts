import { Layer } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"

/**
 * Declares the bearer scheme (OpenAPI) on every endpoint whose operation needs a key. The key is checked by
 * the operation runner (operations/Runner.ts), the same for every surface, so this middleware passes through.
 */
export class ApiKeyAuth extends HttpApiMiddleware.Service<ApiKeyAuth>()("tally/server/ApiKeyAuth", {
  requiredForClient: true,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

export const ApiKeyAuthLive = Layer.succeed(ApiKeyAuth, ApiKeyAuth.of({ bearer: (effect) => effect }))
