// RPC metrics, recorded for every RPC call by the operation runner (operations/Instrumentation.ts).
import { Cause, Effect, Exit, Metric, Option, Predicate } from "effect"
import { nameLabel, rpcCallsHandled, rpcCallsStarted, rpcHandlingSeconds } from "./Definitions.ts"

const CODE = /^[a-z][a-z0-9_]{0,63}$/

/**
 * The `code` label: `ok`, the typed failure's `code` (a result code or a code of operations/Errors.ts: code-defined,
 * so bounded), `interrupted`, or `internal` (a defect, or a failure without a code).
 */
export const rpcCode = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "ok"
  if (Cause.hasInterruptsOnly(exit.cause)) return "interrupted"
  const error = Cause.findErrorOption(exit.cause)
  return Option.isSome(error) &&
    Predicate.hasProperty(error.value, "code") &&
    Predicate.isString(error.value.code) &&
    CODE.test(error.value.code)
    ? error.value.code
    : "internal"
}

/**
 * Counts and times one RPC call: `tally_rpc_calls_started_total{method}`, then on exit
 * `tally_rpc_calls_handled_total{method,code}` and `tally_rpc_handling_seconds{method}`.
 */
export const trackRpc = <A, E, R>(method: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const label = nameLabel(method, "unknown")
    const startedAt = performance.now()
    return Metric.update(Metric.withAttributes(rpcCallsStarted, { method: label }), 1).pipe(
      Effect.andThen(effect),
      Effect.onExit((exit) =>
        Effect.andThen(
          Metric.update(Metric.withAttributes(rpcCallsHandled, { method: label, code: rpcCode(exit) }), 1),
          Metric.update(
            Metric.withAttributes(rpcHandlingSeconds, { method: label }),
            (performance.now() - startedAt) / 1000
          )
        )
      )
    )
  })
