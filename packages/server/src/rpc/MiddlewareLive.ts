import { Effect, Layer, Redacted } from "effect"
import { CurrentPrincipal } from "../api/Security.ts"
import { Authenticator } from "../http/Auth.ts"
import { trackRpc } from "../metrics/Rpc.ts"
import { Unauthorized } from "./Errors.ts"
import { RpcAuth, RpcMetrics } from "./Middleware.ts"

const BEARER = /^Bearer\s+(\S+)\s*$/i

const unauthorized = new Unauthorized({ code: "unauthorized", detail: "missing, unknown or revoked API key" })

/** The same key check as HTTP (http/Auth.ts `Authenticator`): the admin key or an owner's live key. */
export const RpcAuthLive = Layer.effect(
  RpcAuth,
  Effect.gen(function* () {
    const auth = yield* Authenticator
    return RpcAuth.of((effect, { headers }) => {
      const token = BEARER.exec(headers.authorization ?? "")?.[1]
      if (token === undefined) return Effect.fail(unauthorized)
      return auth.authenticate(Redacted.make(token)).pipe(
        Effect.mapError(() => unauthorized),
        Effect.flatMap((principal) => Effect.provideService(effect, CurrentPrincipal, principal))
      )
    })
  })
)

/** The metrics are defined and recorded by metrics/Rpc.ts (docs/reference/metrics.md). */
export const RpcMetricsLive = Layer.succeed(RpcMetrics)((effect, { rpc }) => trackRpc(rpc._tag, effect))
