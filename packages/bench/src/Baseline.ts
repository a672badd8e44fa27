// The pgbench baseline step of a run: write the script into the output folder, run it on the run's database
// with the same clients, duration (or rate) and account draw, and verify the ledger it leaves.
import * as fs from "node:fs"
import * as path from "node:path"
import { Console, Effect } from "effect"
import type { BenchDatabaseShape } from "./BenchDatabase.ts"
import { describeActivity, sampleActivity } from "./DbActivity.ts"
import type { BenchOptions } from "./Options.ts"
import { runPgbench } from "./Pgbench.ts"
import { pgbenchScript } from "./PgbenchScript.ts"
import { cpuPerTransfer, describeUsage, startSampling } from "./Resources.ts"
import type { BenchResult } from "./Result.ts"
import { round } from "./Stats.ts"
import { checkLedger } from "./Verify.ts"

export interface BaselineRun {
  readonly accounts: number
  readonly batchSize: number
  readonly scriptFile: string
}

export const runBaseline = Effect.fn("Baseline.runBaseline")(function* (
  options: BenchOptions,
  db: BenchDatabaseShape,
  run: BaselineRun
) {
  const major = Number(db.serverVersion.split(/\D/)[0])
  fs.mkdirSync(path.dirname(run.scriptFile), { recursive: true })
  fs.writeFileSync(
    run.scriptFile,
    pgbenchScript({
      scenario: options.scenario,
      accounts: run.accounts,
      batchSize: run.batchSize,
      uuidFunction: major >= 18 ? "uuidv7()" : "gen_random_uuid()"
    })
  )
  yield* Console.error(`baseline: pgbench, ${options.concurrency} clients, script ${run.scriptFile}`)
  const activity = yield* sampleActivity(db.url, "pgbench")
  const sampling = startSampling({ client: "pgbench", postmasterPid: db.postmasterPid })
  const result = yield* runPgbench({
    databaseUrl: db.url,
    scriptFile: run.scriptFile,
    clients: options.concurrency,
    durationSeconds: options.durationSeconds,
    transactionsMax: options.transfersMax === undefined ? undefined : Math.ceil(options.transfersMax / run.batchSize),
    rate: options.mode === "open" ? options.rate : undefined,
    transfersPerTransaction: run.batchSize
  })
  const resources = sampling()
  const window = yield* activity
  yield* Console.error(`cpu during pgbench: ${describeUsage(resources)}`)
  yield* Console.error(`database connections during pgbench: ${describeActivity(window.connections)}`)
  const invariants = yield* checkLedger("the pgbench baseline")
  return {
    ...result,
    script: run.scriptFile,
    resources,
    cpuMsPerTransfer: cpuPerTransfer(resources, result.transfersPosted),
    connections: window.connections,
    writeTransactions: window.writeTransactions,
    transactionsPerSecond:
      window.writeTransactions === null || result.elapsedSeconds === 0
        ? null
        : round(window.writeTransactions / result.elapsedSeconds, 1),
    invariants
  } satisfies NonNullable<BenchResult["baseline"]>
}, Effect.scoped)
