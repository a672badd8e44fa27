// RPC metrics for the RpcMetrics middleware: `(effect, { rpc }) => trackRpc(rpc._tag, effect)`.
import { Cause, Effect, Exit, Metric } from "effect"
import { nameLabel, rpcCallsHandled, rpcCallsStarted, rpcHandlingSeconds } from "./Definitions.ts"

/**
 * The `code` label: `ok`, the error's `_tag` (a typed failure), `defect` or `interrupted`. Error tags come
 * from the RPC group's schemas, so the set stays bounded; anything else is `error`.
 */
export const rpcCode = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "ok"
  const failure = exit.cause.reasons.find(Cause.isFailReason)
  if (failure !== undefined) {
    const error = failure.error
    return nameLabel(typeof error === "object" && error !== null && "_tag" in error ? error._tag : undefined, "error")
  }
  if (exit.cause.reasons.some(Cause.isDieReason)) return "defect"
  return "interrupted"
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
