// What the run's database connections were doing, sampled from pg_stat_activity every 100 ms on a connection
// of its own: running, waiting for a row lock, flushing WAL, or idle inside a transaction (holding its locks
// while the client thinks or its answer travels). Averaged into "backends in each state"; idle connections
// (outside any transaction) are left out.
//
// It also counts the write transactions of the window: transaction ids assigned (the xid counter read at both
// ends), i.e. every transaction that wrote or locked a row, committed or not. Group commit shows as more
// transfers/s than transactions/s. pg_stat_database.xact_commit would count read-only transactions too but lags:
// a connection that goes idle within a second of its last stats flush keeps its counts for up to 10 s
// (PGSTAT_IDLE_INTERVAL), so the window's last second, or the previous phase's, would land in the wrong window.
// On an external server the counter is the whole cluster's.
import { PgClient } from "@effect/sql-pg"
import { Context, Duration, Effect, Fiber, Layer, type Redacted } from "effect"
import { round } from "./Stats.ts"

/** Average number of client backends in each state over the window, busiest first. */
export type ActivityProfile = Readonly<Record<string, number>>

export interface DbWindow {
  readonly connections: ActivityProfile
  /** Transaction ids assigned during the window (write transactions); null if it could not be read. */
  readonly writeTransactions: number | null
}

interface Row {
  readonly state: string | null
  readonly wait_event_type: string | null
  readonly wait_event: string | null
  readonly n: string
}

const category = (row: Row): string => {
  if (row.state === "idle in transaction") return "idle in transaction"
  if (row.wait_event_type === null) return "running"
  if (row.wait_event_type === "Lock") return `lock wait (${row.wait_event})`
  return `${row.wait_event_type}: ${row.wait_event}`
}

/** Starts sampling for the life of the scope; the returned effect stops it and gives the profile. */
export const sampleActivity = (url: Redacted.Redacted, applicationName?: string) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(PgClient.layer({ url, maxConnections: 1 }))
    const sql = Context.get(context, PgClient.PgClient)
    const totals = new Map<string, number>()
    let samples = 0
    const record = (rows: ReadonlyArray<Row>) => {
      samples++
      for (const row of rows) totals.set(category(row), (totals.get(category(row)) ?? 0) + Number(row.n))
    }
    const filter = applicationName === undefined ? sql`true` : sql`application_name = ${applicationName}`
    const sample = sql<Row>`SELECT state, wait_event_type, wait_event, count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
        AND state <> 'idle' AND ${filter}
      GROUP BY 1, 2, 3`.pipe(Effect.map(record), Effect.ignore)
    const nextXid = sql<{ next: string }>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next`.pipe(
      Effect.map((rows) => Number(rows[0]?.next)),
      Effect.orElseSucceed(() => Number.NaN)
    )
    const firstXid = yield* nextXid
    const fiber = yield* Effect.forkScoped(Effect.forever(Effect.andThen(sample, Effect.sleep(Duration.millis(100)))))
    return Effect.gen(function* () {
      yield* Fiber.interrupt(fiber)
      const lastXid = yield* nextXid
      const connections: ActivityProfile = Object.fromEntries(
        [...totals]
          .map(([k, v]) => [k, round(v / Math.max(1, samples), 1)] as const)
          .filter(([, v]) => v > 0)
          .sort(([, a], [, b]) => b - a)
      )
      const writes = lastXid - firstXid
      return { connections, writeTransactions: Number.isFinite(writes) ? writes : null } satisfies DbWindow
    })
  })

export const describeActivity = (profile: ActivityProfile): string =>
  Object.entries(profile)
    .map(([state, n]) => `${state} ${n}`)
    .join(" · ") || "no samples"
