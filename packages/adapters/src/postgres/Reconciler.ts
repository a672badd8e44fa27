// Resolves transfers left in 'initiated' (a decision that never finished, e.g. the process crashed) to a
// terminal state. An initiated transfer has changed no balance: a decision writes the transfer's final state,
// its balances and its entries in one transaction. So failing it is safe, and it is what its client sees.
import { PgClient } from "@effect/sql-pg"
import type { StoreUnavailable } from "@tally/domain/ports/StoreError"
import { Config, Context, DateTime, Effect, Layer } from "effect"
import { unavailable } from "./PgLedgerStore.ts"
import { TransactionConfig, withRetries } from "./Transactions.ts"

/**
 * The failure code of a transfer the reconciler gave up on. Not (yet) in ResultCode.ts: no command is refused
 * with it, the reconciler alone writes it.
 */
export const reconciledAbandoned = "reconciled_abandoned"

export interface ReconcilerOptions {
  /** How long a transfer may stay initiated before it counts as abandoned. */
  readonly graceSeconds: number
  /** Transfers resolved per run at most (each in its own transaction). */
  readonly batchMax: number
}

export const ReconcilerConfig = Config.all({
  graceSeconds: Config.Int("TALLY_RECONCILE_GRACE_SECONDS").pipe(Config.withDefault(300)),
  batchMax: Config.Int("TALLY_RECONCILE_BATCH_MAX").pipe(Config.withDefault(500))
})

export const make = (options: ReconcilerOptions) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const txConfig = yield* TransactionConfig

    /** Fails one transfer if it is still initiated once locked and has no entries; true when it did. */
    const resolve = (id: string, cutoff: Date, now: Date) =>
      withRetries(
        sql,
        txConfig,
        Effect.gen(function* () {
          const locked = yield* sql`SELECT id FROM transfers
            WHERE id = ${id} AND status = 'initiated' AND created_at < ${cutoff} FOR UPDATE`
          if (locked.length === 0) return false // decided meanwhile, or another reconciler got there first
          const failed = yield* sql`UPDATE transfers SET status = 'failed', failure_code = ${reconciledAbandoned},
              updated_at = ${now}
            WHERE id = ${id} AND NOT EXISTS (SELECT 1 FROM entries WHERE transfer_id = ${id})
            RETURNING id`
          if (failed.length === 0) {
            // entries on an initiated transfer are a bug to look at, not something to paper over
            yield* Effect.logWarning(`reconciler: initiated transfer ${id} has entries; left for the verifier`)
          }
          return failed.length === 1
        }).pipe(Effect.mapError(unavailable))
      )

    const reconcile = Effect.gen(function* () {
      const now = DateTime.toDateUtc(yield* DateTime.now)
      const cutoff = new Date(now.getTime() - options.graceSeconds * 1000)
      const stuck = yield* sql<{ id: string }>`SELECT id FROM transfers
        WHERE status = 'initiated' AND created_at < ${cutoff}
        ORDER BY created_at, id LIMIT ${options.batchMax}`.pipe(Effect.mapError(unavailable))
      let resolved = 0
      for (const { id } of stuck) {
        if (yield* resolve(id, cutoff, now)) resolved++
      }
      if (resolved > 0) yield* Effect.logWarning(`reconciler: failed ${resolved} abandoned initiated transfer(s)`)
      return resolved
    }).pipe(Effect.withSpan("Reconciler.reconcile"))

    return Reconciler.of({ reconcile })
  })

export class Reconciler extends Context.Service<
  Reconciler,
  {
    /** Fails the initiated transfers older than the grace period; returns how many. */
    readonly reconcile: Effect.Effect<number, StoreUnavailable>
  }
>()("tally/adapters/Reconciler") {
  /** Options from TALLY_RECONCILE_*; isolation and retries from TransactionConfig (TALLY_ISOLATION, …). */
  static readonly layer = Layer.effect(Reconciler, Effect.flatMap(ReconcilerConfig, make)).pipe(
    Layer.provide(TransactionConfig.layer)
  )
  static readonly layerWith = (options: Partial<ReconcilerOptions>) =>
    Layer.effect(
      Reconciler,
      Effect.flatMap(ReconcilerConfig, (config) => make({ ...config, ...options }))
    ).pipe(Layer.provide(TransactionConfig.layer))
}
