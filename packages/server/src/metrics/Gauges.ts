// Gauges read from the running service: `tally_db_pool_connections{state}` (the pool's maximum, and the
// operations in flight, each holding at most one connection at a time) and the polled `tally_holds_outstanding`.
// Counters that should read 0 rather than "no data" before their first event are created here at start.
import { PgClient } from "@effect/sql-pg"
import { transactionRetries } from "@tally/adapters/postgres/Transactions"
import { Config, Duration, Effect, Layer, Metric, Schedule } from "effect"
import { inFlight } from "../operations/Instrumentation.ts"
import { batchSize, dbPoolConnections, holdsOutstanding, seatsHeld } from "./Definitions.ts"
import { initReservationMetrics } from "./Ticketing.ts"

/** The reasons `retryReason` in packages/adapters/src/postgres/Transactions.ts names. */
const RETRY_REASONS = ["serialization", "deadlock", "lock_timeout", "connection"] as const

const holds = (kind: "transfer" | "reservation") => Metric.withAttributes(holdsOutstanding, { kind })

const countHolds = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  // a reservation's hold is pending exactly while the reservation is held (one transaction changes both)
  const [row] = yield* sql<{ pending: number; reservation: number; seats: number }>`
    SELECT (SELECT count(*) FROM transfers WHERE status = 'pending')::int AS pending,
      (SELECT count(*) FROM reservations WHERE status = 'held')::int AS reservation,
      (SELECT coalesce(sum(held), 0) FROM ticketed_events WHERE status = 'scheduled')::int AS seats`
  const reservation = row?.reservation ?? 0
  yield* Metric.update(holds("transfer"), Math.max(0, (row?.pending ?? 0) - reservation))
  yield* Metric.update(holds("reservation"), reservation)
  yield* Metric.update(seatsHeld, row?.seats ?? 0)
}).pipe(Effect.catchCause((cause) => Effect.logDebug("tally_holds_outstanding: poll failed", cause)))

/** The gauges for as long as the layer lives; the holds poll every TALLY_HOLDS_POLL_MS (default 5000). */
export const GaugesLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const pollMs = yield* Config.Int("TALLY_HOLDS_POLL_MS").pipe(Config.withDefault(5000))
    const sql = yield* PgClient.PgClient
    const context = yield* Effect.context<never>()
    const max = (sql.config as PgClient.PgPoolConfig).maxConnections ?? 10 // sql-pg's default
    const gauge = (state: string, read: () => number) => {
      const registration = Metric.registerUnsafe(Metric.withAttributes(dbPoolConnections, { state }), context, {
        get: () => ({ value: read() }),
        update: () => {},
        modify: () => {}
      })
      return Effect.addFinalizer(() => Effect.sync(() => registration.remove()))
    }
    yield* gauge("max", () => max)
    yield* gauge("in_use", () => Math.min(inFlight.value, max))
    yield* Metric.update(holds("transfer"), 0)
    yield* Metric.update(holds("reservation"), 0)
    yield* Metric.update(seatsHeld, 0)
    yield* initReservationMetrics
    yield* Metric.value(batchSize)
    for (const reason of RETRY_REASONS) yield* Metric.update(Metric.withAttributes(transactionRetries, { reason }), 0)
    yield* countHolds.pipe(Effect.repeat(Schedule.spaced(Duration.millis(pollMs))), Effect.forkScoped)
  })
)
