// Transactions with bounded, jittered retries on the failures a retry can cure. Each retry is counted in
// `tally_db_transaction_retries_total{reason}`; durations in `tally_db_transaction_duration_seconds`.
import type { PgClient } from "@effect/sql-pg"
import { StoreUnavailable } from "@tally/domain/ports/StoreError"
import { Cause, Config, Context, Duration, Effect, Layer, Metric, Option, Schedule } from "effect"
import { SqlClient, SqlError } from "effect/sql"

export type Isolation = "read_committed" | "serializable"

export interface TransactionConfigShape {
  readonly isolation: Isolation
  /** Retries after the first attempt; TALLY_DB_RETRIES_MAX. */
  readonly retriesMax: number
  /** First backoff; doubles each retry, with jitter; TALLY_DB_RETRY_BASE_MS. */
  readonly retryBaseMs: number
  /** Backoff cap; TALLY_DB_RETRY_MAX_DELAY_MS. */
  readonly retryMaxDelayMs: number
}

export class TransactionConfig extends Context.Service<TransactionConfig, TransactionConfigShape>()(
  "tally/adapters/TransactionConfig"
) {
  static readonly config = Config.all({
    isolation: Config.Literals(["read_committed", "serializable"], "TALLY_ISOLATION").pipe(
      Config.withDefault("read_committed" as const)
    ),
    // SERIALIZABLE turns every contended FOR UPDATE into a 40001 to retry: hot rows need many more retries
    retriesMax: Config.Int("TALLY_DB_RETRIES_MAX").pipe(Config.option),
    retryBaseMs: Config.Int("TALLY_DB_RETRY_BASE_MS").pipe(Config.withDefault(2)),
    retryMaxDelayMs: Config.Int("TALLY_DB_RETRY_MAX_DELAY_MS").pipe(Config.withDefault(200))
  })
  static readonly layer = Layer.effect(
    TransactionConfig,
    Effect.map(TransactionConfig.config, (c) =>
      TransactionConfig.of({
        ...c,
        retriesMax: Option.getOrElse(c.retriesMax, () => (c.isolation === "serializable" ? 100 : 10))
      })
    )
  )
}

export const transactionRetries = Metric.counter("tally_db_transaction_retries_total", {
  description: "Database transactions retried after a retryable failure, by reason",
  incremental: true
})

export const transactionDuration = Metric.histogram("tally_db_transaction_duration_seconds", {
  description: "Wall time of ledger transactions including retries",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
})

/** The SQL failure under a StoreUnavailable (or the SqlError itself), when a retry may cure it. */
export const retryReason = (error: unknown): string | undefined => {
  const sqlError = error instanceof StoreUnavailable ? error.cause : SqlError.isSqlError(error) ? error : undefined
  if (!SqlError.isSqlError(sqlError) || !sqlError.isRetryable) return undefined
  switch (sqlError.reason._tag) {
    case "SerializationError":
      return "serialization"
    case "DeadlockError":
      return "deadlock"
    case "LockTimeoutError":
      return "lock_timeout"
    case "ConnectionError":
      return "connection"
    default:
      return sqlError.reason._tag
  }
}

const BEGIN_SERIALIZABLE = "BEGIN ISOLATION LEVEL SERIALIZABLE"

export const withRetries = <A, E, R>(
  sql: PgClient.PgClient,
  config: TransactionConfigShape,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | StoreUnavailable, R> => {
  const unavailable = (error: SqlError.SqlError) =>
    new StoreUnavailable({ message: `database: ${error.message}`, cause: error })
  const once = (sql.withTransaction(effect) as Effect.Effect<A, E | SqlError.SqlError | StoreUnavailable, R>).pipe(
    // A connection lost mid-transaction makes the ROLLBACK (or the COMMIT's cleanup) fail as well, and effect/sql
    // reports that as a defect. It is still a lost connection: surface it as the retryable failure it is.
    Effect.catchCause((cause) => {
      const lost = cause.reasons.find(
        (r) => Cause.isDieReason(r) && SqlError.isSqlError(r.defect) && r.defect.isRetryable
      )
      return lost !== undefined && Cause.isDieReason(lost)
        ? Effect.fail(unavailable(lost.defect as SqlError.SqlError))
        : Effect.failCause(cause)
    }),
    Effect.mapError((error) => (SqlError.isSqlError(error) ? unavailable(error) : error))
  ) as Effect.Effect<A, E | StoreUnavailable, R>
  const isolated =
    config.isolation === "serializable"
      ? Effect.provideService(once, SqlClient.BeginTransaction, BEGIN_SERIALIZABLE)
      : once
  const cap = Duration.millis(config.retryMaxDelayMs)
  const schedule = Schedule.exponential(Duration.millis(config.retryBaseMs)).pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, cap))),
    Schedule.jittered
  )
  return Effect.suspend(() => {
    const startedAt = performance.now()
    return isolated.pipe(
      Effect.tapError((error) => {
        const reason = retryReason(error)
        return reason === undefined
          ? Effect.void
          : Metric.update(Metric.withAttributes(transactionRetries, { reason }), 1)
      }),
      Effect.retry({ schedule, times: config.retriesMax, while: (error) => retryReason(error) !== undefined }),
      Effect.ensuring(Effect.suspend(() => Metric.update(transactionDuration, (performance.now() - startedAt) / 1000)))
    )
  })
}
