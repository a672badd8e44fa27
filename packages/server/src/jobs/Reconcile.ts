// reconcile: resolves transfers stuck in 'initiated', then verifies the whole ledger, logging every problem
// and publishing the per-currency imbalance (which must stay 0).
import type { PgClient } from "@effect/sql-pg"
import { LedgerNotClean, LedgerVerifier } from "@tally/adapters/postgres/LedgerVerifier"
import { Reconciler } from "@tally/adapters/postgres/Reconciler"
import { type Cron, Effect, Metric } from "effect"
import { publishRateAges } from "./FxRefresh.ts"
import type { Job } from "./Job.ts"

export const ledgerImbalance = Metric.gauge("tally_ledger_imbalance_minor", {
  description: "Σ credits − Σ debits of all entries in the currency, in minor units; anything but 0 is a bug"
})

export const reconcile = (options: {
  readonly cron: Cron.Cron
}): Job<Reconciler | LedgerVerifier | PgClient.PgClient> => ({
  name: "reconcile",
  cron: options.cron,
  runAtStart: false,
  run: Effect.gen(function* () {
    yield* (yield* Reconciler).reconcile
    const report = yield* (yield* LedgerVerifier).verify
    for (const { currency, imbalanceMinor } of report.imbalances) {
      yield* Metric.update(Metric.withAttributes(ledgerImbalance, { currency }), Number(imbalanceMinor))
    }
    yield* publishRateAges
    for (const problem of report.problems) {
      yield* Effect.logError(`ledger check ${problem.check} failed: ${problem.detail}`).pipe(
        Effect.annotateLogs({ check: problem.check, rows: JSON.stringify(problem.rows.slice(0, 10)) })
      )
    }
    // the run then counts as a failure: tally_scheduler_runs_total{job="reconcile",outcome="failure"}
    if (report.problems.length > 0) {
      return yield* new LedgerNotClean({ checks: report.problems.map((p) => p.check) })
    }
  })
})
