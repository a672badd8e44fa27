// Instrumentation of every operation, whichever surface carries it: one span per call, the operations in flight
// (read by `tally_db_pool_connections{state="in_use"}`), and for RPC calls the RPC metrics (metrics/Rpc.ts).
// HTTP requests are counted by the HTTP middleware (metrics/HttpMetrics.ts), which also sees the answers that
// never reach an operation (404, 413, 429).
import { Effect } from "effect"
import { trackRpc } from "../metrics/Rpc.ts"

export type Surface = "http" | "rpc"

/** Operations running right now on this instance. */
export const inFlight = { value: 0 }

export const instrument = <A, E, R>(surface: Surface, name: string, effect: Effect.Effect<A, E, R>) => {
  const counted = Effect.acquireUseRelease(
    Effect.sync(() => inFlight.value++),
    () => effect,
    () => Effect.sync(() => inFlight.value--)
  )
  return (surface === "rpc" ? trackRpc(name, counted) : counted).pipe(
    Effect.withSpan(`Operation ${name}`, { attributes: { "tally.operation": name, "tally.surface": surface } })
  )
}
