// Ledger metrics from a LedgerStore decorator: what `write` stored is counted only once the enclosing
// `transact` has committed (a rolled-back or retried attempt counts nothing), so no domain or adapter code
// changes. `tally_transfers_total{kind,status,reason}`, `tally_batch_size`; refused hold operations (which
// write nothing) are counted from the use case's span name. Also `tally_db_pool_connections{state}` and the
// polled `tally_holds_outstanding`.
import { PgClient } from "@effect/sql-pg"
import { transactionRetries } from "@tally/adapters/postgres/Transactions"
import { type Changes, LedgerStore } from "@tally/domain/ports/LedgerStore"
import { codes, type ResultCode } from "@tally/domain/ResultCode"
import type { Transfer } from "@tally/domain/Transfer"
import { Config, Context, Duration, Effect, Layer, Metric, Schedule } from "effect"
import { batchSize, dbPoolConnections, holdsOutstanding, transfers } from "./Definitions.ts"

export type TransferKind = "single" | "batch" | "hold_post" | "hold_void" | "hold_expire"

/** The changes written by the running transaction attempt; undefined outside `transact`. */
const Written = Context.Reference<Array<Changes> | undefined>("tally/server/metrics/Written", {
  defaultValue: () => undefined
})

const SETTLED: Partial<Record<Transfer["status"], TransferKind>> = {
  posted: "hold_post",
  voided: "hold_void",
  expired: "hold_expire"
}

/** The use cases' spans (Effect.fn names in packages/domain/src/usecases/Transfers.ts) for hold operations. */
const HOLD_SPANS: Readonly<Record<string, TransferKind>> = {
  "Transfers.post": "hold_post",
  "Transfers.void": "hold_void",
  "Transfers.expireDue": "hold_expire"
}

const isResultCode = (code: unknown): code is ResultCode =>
  typeof code === "string" && codes.includes(code as ResultCode)

const count = (tally: Map<string, number>, kind: TransferKind, status: string, reason: string) => {
  const key = `${kind}\u0000${status}\u0000${reason}`
  tally.set(key, (tally.get(key) ?? 0) + 1)
}

const flush = (tally: Map<string, number>) =>
  Effect.forEach(
    tally,
    ([key, n]) => {
      const [kind, status, reason] = key.split("\u0000") as [string, string, string]
      return Metric.update(Metric.withAttributes(transfers, { kind, status, reason }), n)
    },
    { discard: true }
  )

/** Counts what committed transactions wrote: inserted transfers (single or batch) and settled holds. */
export const recordCommitted = (written: ReadonlyArray<Changes>) =>
  Effect.suspend(() => {
    const tally = new Map<string, number>()
    const batches = new Map<string, number>()
    for (const changes of written) {
      for (const t of changes.inserted) {
        count(tally, t.batchId === null ? "single" : "batch", t.status, t.failureCode ?? "none")
        if (t.batchId !== null) batches.set(t.batchId, (batches.get(t.batchId) ?? 0) + 1)
      }
      for (const t of changes.updated) {
        const kind = SETTLED[t.status]
        if (kind !== undefined) count(tally, kind, t.status, "none")
      }
    }
    return Effect.andThen(
      flush(tally),
      Effect.forEach(batches.values(), (size) => Metric.update(batchSize, size), { discard: true })
    )
  })

/** A hold operation refused with a result code: nothing was written, the refusal still counts. */
const recordRefusedHold = (kind: TransferKind | undefined, error: unknown) => {
  if (kind === undefined || typeof error !== "object" || error === null) return Effect.void
  if (!("_tag" in error) || error._tag !== "TransferRefused" || !("code" in error)) return Effect.void
  const reason = isResultCode(error.code) ? error.code : "other"
  return Metric.update(Metric.withAttributes(transfers, { kind, status: "failed", reason }), 1)
}

const holdKind = Effect.currentSpan.pipe(
  Effect.map((span): TransferKind | undefined => HOLD_SPANS[span.name]),
  Effect.orElseSucceed(() => undefined)
)

type Store = LedgerStore["Service"]

/** Wraps a store: counts committed changes and the operations running outside a transaction (`in_use`). */
export const meter = (store: Store, inUse: { value: number }): Store => {
  const checkout = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Written, (written) =>
      written !== undefined
        ? effect // inside a transaction: its connection is already counted
        : Effect.acquireUseRelease(
            Effect.sync(() => inUse.value++),
            () => effect,
            () => Effect.sync(() => inUse.value--)
          )
    )
  const wrapped: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(store) as Array<[string, unknown]>) {
    if (Effect.isEffect(member)) wrapped[name] = checkout(member)
    else if (typeof member !== "function") wrapped[name] = member
    else {
      const call = member as (...args: Array<unknown>) => Effect.Effect<unknown, unknown, unknown>
      wrapped[name] = (...args: Array<unknown>) => checkout(call(...args))
    }
  }
  const transact: Store["transact"] = (effect) =>
    Effect.flatMap(Written, (outer) => {
      if (outer !== undefined) return store.transact(effect) // nested: the outer transaction counts
      const written: Array<Changes> = []
      const attempt = Effect.suspend(() => {
        written.length = 0 // a retried attempt starts over
        return effect
      }).pipe(Effect.provideService(Written, written))
      return Effect.flatMap(holdKind, (kind) =>
        checkout(store.transact(attempt)).pipe(
          Effect.tap(() => recordCommitted(written)),
          Effect.tapError((error) => recordRefusedHold(kind, error))
        )
      )
    })
  const write: Store["write"] = (changes) =>
    Effect.tap(checkout(store.write(changes)), () =>
      Effect.flatMap(Written, (written) =>
        written === undefined ? recordCommitted([changes]) : Effect.sync(() => written.push(changes))
      )
    )
  return LedgerStore.of({ ...(wrapped as unknown as Store), transact, write })
}

/** The reasons `retryReason` in packages/adapters/src/postgres/Transactions.ts names. */
const RETRY_REASONS = ["serialization", "deadlock", "lock_timeout", "connection"] as const

export interface LedgerMetricsOptions {
  /** How often `tally_holds_outstanding` is polled (default 5 s). */
  readonly holdsPollInterval?: Duration.Input
}

const countHolds = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM transfers WHERE status = 'pending'`
  yield* Metric.update(holdsOutstanding, row?.n ?? 0)
}).pipe(Effect.catchCause((cause) => Effect.logDebug("tally_holds_outstanding: poll failed", cause)))

/**
 * Decorates the LedgerStore below it (provide `PgLedgerStore.layer` to it) and polls the pool and hold gauges
 * for as long as the layer lives.
 */
export const ledgerMetricsLayer = (options: LedgerMetricsOptions = {}) =>
  Layer.effect(
    LedgerStore,
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const sql = yield* PgClient.PgClient
      const context = yield* Effect.context<never>()
      const inUse = { value: 0 }
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
      yield* gauge("in_use", () => inUse.value)
      yield* Metric.update(holdsOutstanding, 0)
      // present from the start (at 0) so dashboards show 0, not "no data", before the first event
      yield* Metric.value(batchSize)
      for (const reason of RETRY_REASONS) yield* Metric.update(Metric.withAttributes(transactionRetries, { reason }), 0)
      yield* countHolds.pipe(
        Effect.repeat(Schedule.spaced(Duration.fromInputUnsafe(options.holdsPollInterval ?? "5 seconds"))),
        Effect.forkScoped
      )
      return meter(store, inUse)
    })
  )

/** `ledgerMetricsLayer()` with the defaults. Requires LedgerStore and PgClient; provides LedgerStore. */
/** The decorator with its poll interval from TALLY_HOLDS_POLL_MS (default 5000). */
export const LedgerMetricsLive = Layer.unwrap(
  Effect.map(Config.Int("TALLY_HOLDS_POLL_MS").pipe(Config.withDefault(5000)), (ms) =>
    ledgerMetricsLayer({ holdsPollInterval: Duration.millis(ms) })
  )
)
