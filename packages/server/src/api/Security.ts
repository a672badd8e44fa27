import { Context } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { Unauthorized } from "./Problems.ts"

/** Who is calling: the admin key acts on any object; an owner's key on its owner's objects. */
export type Principal =
  | { readonly kind: "admin" }
  | { readonly kind: "owner"; readonly ownerId: string; readonly keyId: string }

export class CurrentPrincipal extends Context.Service<CurrentPrincipal, Principal>()("tally/server/CurrentPrincipal") {}

export class ApiKeyAuth extends HttpApiMiddleware.Service<ApiKeyAuth, { provides: CurrentPrincipal }>()(
  "tally/server/ApiKeyAuth",
  {
    requiredForClient: true,
    security: { bearer: HttpApiSecurity.bearer },
    error: Unauthorized
  }
) {}
