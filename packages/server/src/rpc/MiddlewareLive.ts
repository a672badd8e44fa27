import { Cause, Effect, Exit, Layer, Metric, Option, Predicate, Redacted } from "effect"
import { CurrentPrincipal } from "../api/Security.ts"
import { Authenticator } from "../http/Auth.ts"
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

const callsStarted = Metric.counter("tally_rpc_calls_started_total", {
  description: "RPC calls received, by method",
  incremental: true
})

const callsHandled = Metric.counter("tally_rpc_calls_handled_total", {
  description: "RPC calls answered, by method and code (ok, a result or error code, internal)",
  incremental: true
})

const handlingSeconds = Metric.histogram("tally_rpc_handling_seconds", {
  description: "Wall time of RPC calls from decoded request to reply, by method",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
})

/** A bounded label: the error's stable `code` (result codes and the codes of rpc/Errors.ts). */
const codeOf = (exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) return "ok"
  if (Cause.hasInterruptsOnly(exit.cause)) return "interrupted"
  const error = Cause.findErrorOption(exit.cause)
  return Option.isSome(error) && Predicate.hasProperty(error.value, "code") && Predicate.isString(error.value.code)
    ? error.value.code
    : "internal"
}

export const RpcMetricsLive = Layer.succeed(RpcMetrics)((effect, { rpc }) =>
  Effect.suspend(() => {
    const attributes = { method: rpc._tag }
    const startedAt = performance.now()
    return Metric.update(Metric.withAttributes(callsStarted, attributes), 1).pipe(
      Effect.andThen(effect),
      Effect.onExit((exit) =>
        Effect.andThen(
          Metric.update(Metric.withAttributes(callsHandled, { ...attributes, code: codeOf(exit) }), 1),
          Metric.update(Metric.withAttributes(handlingSeconds, attributes), (performance.now() - startedAt) / 1000)
        )
      )
    )
  })
)
