// The scheduler: every periodic job of the service, each on its own cron (UTC), forked for the lifetime of the
// layer. Wire SchedulerLive next to the stores; it needs LedgerStore and the PostgreSQL client.
import type { PgClient } from "@effect/sql-pg"
import { FxRefresher } from "@tally/adapters/fx/FxRefresher"
import type { IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import { JobLock } from "@tally/adapters/postgres/JobLock"
import { LedgerVerifier } from "@tally/adapters/postgres/LedgerVerifier"
import { Reconciler } from "@tally/adapters/postgres/Reconciler"
import * as PgTicketingStore from "@tally/adapters/ticketing/PgTicketingStore"
import * as TicketCodes from "@tally/adapters/ticketing/TicketCodes"
import * as TicketingConfig from "@tally/adapters/ticketing/TicketingConfig"
import * as Uuid from "@tally/adapters/Uuid"
import type { JobStore } from "@tally/domain/ports/JobStore"
import type { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { Config, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { expireHolds } from "./ExpireHolds.ts"
import { expireReservations } from "./ExpireReservations.ts"
import { fxRefresh } from "./FxRefresh.ts"
import { cronConfig, scheduled } from "./Job.ts"
import { pruneIdempotency } from "./PruneIdempotency.ts"
import { pruneJobs } from "./PruneJobs.ts"
import { reconcile } from "./Reconcile.ts"

export const SchedulerConfig = Config.all({
  expireCron: cronConfig("TALLY_CRON_EXPIRE_RESERVATIONS", "* * * * *"),
  expireBatchMax: Config.Int("TALLY_EXPIRE_BATCH_MAX").pipe(Config.withDefault(500)),
  fxRefreshCron: cronConfig("TALLY_CRON_FX_REFRESH", "0 * * * *"),
  reconcileCron: cronConfig("TALLY_CRON_RECONCILE", "*/5 * * * *"),
  pruneCron: cronConfig("TALLY_CRON_IDEMPOTENCY_PRUNE", "17 * * * *"),
  retentionHours: Config.Int("TALLY_IDEMPOTENCY_RETENTION_HOURS").pipe(Config.withDefault(24)),
  jobRetentionCron: cronConfig("TALLY_CRON_JOB_RETENTION", "43 * * * *"),
  jobRetentionHours: Config.Int("TALLY_JOB_RETENTION_HOURS").pipe(Config.withDefault(168)),
  jobRetentionBatchMax: Config.Int("TALLY_JOB_RETENTION_BATCH_MAX").pipe(Config.withDefault(5000))
})

/** Forks every job; they stop when the layer's scope closes. */
export const JobsLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const config = yield* SchedulerConfig
    const jobs = [
      scheduled(expireHolds({ cron: config.expireCron, batchMax: config.expireBatchMax })),
      scheduled(expireReservations({ cron: config.expireCron })),
      scheduled(fxRefresh({ cron: config.fxRefreshCron })),
      scheduled(reconcile({ cron: config.reconcileCron })),
      scheduled(pruneIdempotency({ cron: config.pruneCron, retentionHours: config.retentionHours })),
      scheduled(
        pruneJobs({
          cron: config.jobRetentionCron,
          retentionHours: config.jobRetentionHours,
          batchMax: config.jobRetentionBatchMax
        })
      )
    ]
    for (const job of jobs) yield* Effect.forkScoped(job)
    yield* Effect.logInfo(
      "scheduler started: expire-holds, expire-reservations, fx-refresh, reconcile, prune-idempotency, prune-jobs"
    )
  })
)

/**
 * The scheduler with the services its jobs use; each cron tick runs on one instance of those sharing the database
 * (JobLock). Requires LedgerStore, JobStore, PgClient and IdempotencyStore.
 */
export const SchedulerLive: Layer.Layer<
  never,
  Config.ConfigError,
  LedgerStore | JobStore | PgClient.PgClient | IdempotencyStore
> = JobsLive.pipe(
  Layer.provide(
    Layer.mergeAll(
      LedgerVerifier.layer,
      Reconciler.layer,
      JobLock.layer,
      FxRefresher.layer.pipe(Layer.provide(FetchHttpClient.layer)),
      // expire-reservations: the ticketing store runs in the ledger store's transactions
      Layer.mergeAll(PgTicketingStore.layer, TicketingConfig.layer, TicketCodes.layer, Uuid.layer)
    )
  )
)
