// Instrumentation of every operation, whichever surface carries it: one span per call, the operations in flight
// (read by `tally_db_pool_connections{state="in_use"}`), and for RPC calls the RPC metrics (metrics/Rpc.ts).
// HTTP requests are counted by the HTTP middleware (metrics/HttpMetrics.ts), which also sees the answers that
// never reach an operation (404, 413, 429).
import { Effect, Tracer } from "effect"
import { trackRpc } from "../metrics/Rpc.ts"

export type Surface = "http" | "rpc"

/** Operations running right now on this instance. */
export const inFlight = { value: 0 }

const done = Effect.sync(() => {
  inFlight.value--
})

export const instrument = <A, E, R>(surface: Surface, name: string, effect: Effect.Effect<A, E, R>) => {
  // incremented and its decrement registered in one step: nothing can interrupt between them
  const counted = Effect.suspend(() => {
    inFlight.value++
    return Effect.ensuring(effect, done)
  })
  const tracked = surface === "rpc" ? trackRpc(name, counted) : counted
  // The span only when a tracer would export it: the native tracer has no backend, so its spans are unobservable,
  // and making one (its stack trace, its context) is a measurable part of a request (docs/adr/0032).
  return Effect.withFiber<A, E, R>((fiber) =>
    fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer
      ? tracked
      : Effect.withSpan(tracked, `Operation ${name}`, {
          attributes: { "tally.operation": name, "tally.surface": surface }
        })
  )
}
