import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "effect/http-api"

/** Declared in /openapi.json (components.securitySchemes.bearer), so /docs offers "Authorize" for a key. */
export const BearerApiKey = HttpApiSecurity.bearer.pipe(
  HttpApiSecurity.annotate(
    OpenApi.Description,
    "A Tally API key: `authorization: Bearer <key>`. The admin key is TALLY_ADMIN_API_KEY (or .data/admin-api-key); " +
      "POST /v1/api-keys issues owner keys."
  ),
  HttpApiSecurity.annotate(OpenApi.Format, "API key")
)

/**
 * Declares the bearer scheme (OpenAPI) on every endpoint whose operation needs a key. The key is checked by
 * the operation runner (operations/Runner.ts), the same for every surface: this middleware is on the documented
 * API only (`Api`), never run (the served routes come from `ServedApi`, http/Api.ts).
 */
export class ApiKeyAuth extends HttpApiMiddleware.Service<ApiKeyAuth>()("tally/server/ApiKeyAuth", {
  requiredForClient: true,
  security: { bearer: BearerApiKey }
}) {}

/** HTTP Basic `email:password` of a confirmed user (the `basic` access kind: POST /v1/api-keys). */
export const BasicUserCredentials = HttpApiSecurity.basic.pipe(
  HttpApiSecurity.annotate(
    OpenApi.Description,
    "A confirmed user's email and password (`authorization: Basic base64(email:password)`), throttled per address " +
      "and email"
  )
)

/** Declares the bearer and the Basic schemes on operations of `basic` access; checked by the runner too. */
export class KeyOrBasicAuth extends HttpApiMiddleware.Service<KeyOrBasicAuth>()("tally/server/KeyOrBasicAuth", {
  requiredForClient: true,
  security: { bearer: BearerApiKey, basic: BasicUserCredentials }
}) {}
