import { Context } from "effect"
import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "effect/http-api"
import { Unauthorized } from "./Problems.ts"

/** Who is calling: the admin key acts on any object; an owner's key on its owner's objects. */
export type Principal =
  | { readonly kind: "admin" }
  | { readonly kind: "owner"; readonly ownerId: string; readonly keyId: string }

export class CurrentPrincipal extends Context.Service<CurrentPrincipal, Principal>()("tally/server/CurrentPrincipal") {}

/** Declared in /openapi.json (components.securitySchemes.bearer), so /docs offers "Authorize" for a key. */
export const BearerApiKey = HttpApiSecurity.bearer.pipe(
  HttpApiSecurity.annotate(
    OpenApi.Description,
    "A Tally API key: `authorization: Bearer <key>`. The admin key is TALLY_ADMIN_API_KEY (or .data/admin-api-key); " +
      "POST /v1/api-keys issues owner keys."
  ),
  HttpApiSecurity.annotate(OpenApi.Format, "API key")
)

export class ApiKeyAuth extends HttpApiMiddleware.Service<ApiKeyAuth, { provides: CurrentPrincipal }>()(
  "tally/server/ApiKeyAuth",
  {
    requiredForClient: true,
    security: { bearer: BearerApiKey },
    error: Unauthorized
  }
) {}
