// One benchmark run: fresh database → seed → load through the chosen path → verify the ledger → node-pg and
// pgbench baselines on the same database and seeded accounts (each verified) → reports. Fails (after writing the
// reports) when an invariant is broken.
import * as os from "node:os"
import * as path from "node:path"
import { Console, Effect, Schema } from "effect"
import { runBaseline } from "./Baseline.ts"
import * as BenchDatabaseLayer from "./BenchDatabase.ts"
import { BenchDatabase } from "./BenchDatabase.ts"
import { runNodePg } from "./NodePgBaseline.ts"
import type { BenchOptions } from "./Options.ts"
import { findPgbench } from "./Pgbench.ts"
import { baseName, runStamp, writeReports } from "./ReportFiles.ts"
import { type BenchResult, ratioOf, scenarioLabel, textSummary } from "./Result.ts"
import { seedAccounts } from "./Seed.ts"
import { loadTally } from "./TallyLoad.ts"
import { checkLedger, describeReport } from "./Verify.ts"
import { makeWorkload } from "./Workload.ts"

export class InvariantsBroken extends Schema.TaggedError<InvariantsBroken>()("InvariantsBroken", {
  after: Schema.String,
  report: Schema.String
}) {
  override get message() {
    return `LEDGER INVARIANTS BROKEN after ${this.after}:\n${this.report}`
  }
}

const say = (line: string) => Console.error(line)

const measure = (options: BenchOptions, startedAt: string) =>
  Effect.gen(function* () {
    const db = yield* BenchDatabase
    const batchSize = options.scenario.batched ? options.batchSize : 1
    const accounts = options.accounts ?? options.scenario.accounts
    yield* say(`database ${db.name} (${db.server}, PostgreSQL ${db.serverVersion}); seeding ${accounts} accounts…`)
    const seeded = yield* seedAccounts(accounts)
    yield* say(`seeded in ${seeded.seconds.toFixed(1)} s`)
    const workload = makeWorkload(options.scenario, seeded.accountIds, batchSize)
    const tally = yield* loadTally(options, db, workload)
    const invariants = yield* checkLedger(`the ${options.path} run`)

    // the same scenario and seeded accounts, a fresh draw
    const nodePg = options.baselines.includes("node-pg")
      ? yield* runNodePg(options, db, makeWorkload(options.scenario, seeded.accountIds, batchSize))
      : null

    const label = options.scenario.batched ? `${options.scenario.name}-${batchSize}` : options.scenario.name
    const baseline = options.baselines.includes("pgbench")
      ? yield* runBaseline(options, db, {
          accounts,
          batchSize,
          scriptFile: path.join(options.outDir, `${runStamp(startedAt)}-${label}-pgbench.sql`)
        })
      : null

    const result: BenchResult = {
      kind: "tally-bench-result",
      formatVersion: 1,
      startedAt,
      command: options.command,
      machine: {
        cpus: os.availableParallelism(),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        postgres: db.serverVersion,
        database: db.server
      },
      scenario: {
        name: options.scenario.name,
        description: options.scenario.description,
        distribution: options.scenario.distribution.name,
        accounts,
        batchSize
      },
      plan: {
        path: options.path,
        mode: options.mode,
        concurrency: options.concurrency,
        rate: options.mode === "open" ? options.rate : null,
        maxInFlight: options.mode === "open" ? options.maxInFlight : null,
        durationSeconds: options.transfersMax === undefined ? options.durationSeconds : null,
        transfersMax: options.transfersMax ?? null,
        poolMax: options.poolMax,
        instances: options.path === "inprocess" ? 1 : options.instances,
        baselines: options.baselines
      },
      seeding: { method: seeded.method, accounts, seconds: Math.round(seeded.seconds * 10) / 10 },
      tally,
      invariants,
      baseline,
      nodePg,
      ratio: ratioOf(tally, baseline),
      ratioNodePg: ratioOf(tally, nodePg)
    }
    return result
  })

/** Runs one benchmark; returns its result and the files written. */
export const runBench = Effect.fn("Bench.runBench")(function* (options: BenchOptions) {
  if (options.baselines.includes("pgbench")) yield* findPgbench
  const startedAt = new Date().toISOString()
  const result = yield* measure(options, startedAt).pipe(
    Effect.provide(
      BenchDatabaseLayer.layer({
        serverUrl: options.databaseUrl,
        poolMax: options.poolMax,
        keep: options.keepDatabase
      })
    )
  )
  const files = yield* writeReports(options.outDir, result)
  yield* Console.log(textSummary(result, files))
  for (const [after, report] of [
    [`the ${options.path} run (${scenarioLabel(result)})`, result.invariants],
    ["the node-pg baseline", result.nodePg?.invariants],
    ["the pgbench baseline", result.baseline?.invariants]
  ] as const) {
    if (report !== undefined && !report.ok) {
      return yield* new InvariantsBroken({ after, report: describeReport(report) })
    }
  }
  return { result, files, name: baseName(result) }
})
