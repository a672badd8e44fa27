// The bench end to end on the test PostgreSQL: a short in-process uniform run produces transfers, a clean
// invariant check and its report files. Behaviour only: no assertion on speed.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import { runBench } from "../src/Bench.ts"
import { pair, uniform, zipf } from "../src/Distribution.ts"
import { pgbenchScript } from "../src/PgbenchScript.ts"
import type { BenchResult } from "../src/Result.ts"
import { scenarioNamed } from "../src/Scenarios.ts"

describe("bench", () => {
  it("draws two distinct accounts in 1..n, whatever the distribution", () => {
    for (const distribution of [uniform, zipf(2)]) {
      for (let i = 0; i < 2000; i++) {
        const [debit, credit] = pair(distribution, 3)
        assert.notStrictEqual(debit, credit)
        assert.isTrue(debit >= 1 && debit <= 3 && credit >= 1 && credit <= 3)
      }
    }
  })

  it("writes a pgbench script that locks every account of a batch in one statement", () => {
    const small = pgbenchScript({ scenario: scenarioNamed("batch"), accounts: 50, batchSize: 2, uuidFunction: "x()" })
    assert.include(small, "k IN (:a1, :b1, :a2, :b2)")
    assert.strictEqual(small.match(/FOR UPDATE/g)?.length, 1)
    // beyond pgbench's 255 variables per statement the keys go through a temp table
    const large = pgbenchScript({
      scenario: scenarioNamed("batch"),
      accounts: 50,
      batchSize: 1000,
      uuidFunction: "x()"
    })
    assert.include(large, "CREATE TEMP TABLE batch_keys")
    assert.strictEqual(large.match(/FOR UPDATE/g)?.length, 1)
    assert.strictEqual(large.match(/INSERT INTO transfers/g)?.length, 1000)
  })

  it.live(
    "runs the in-process uniform scenario and finds the ledger clean",
    () =>
      Effect.gen(function* () {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-bench-test-"))
        const { result, files } = yield* runBench({
          scenario: scenarioNamed("uniform"),
          path: "inprocess",
          mode: "closed",
          concurrency: 4,
          rate: 100,
          maxInFlight: 100,
          durationSeconds: 2,
          transfersMax: undefined,
          accounts: 200,
          batchSize: 1,
          databaseUrl: inject("adminDatabaseUrl"),
          baselines: [],
          instances: 1,
          outDir,
          poolMax: 4,
          keepDatabase: false,
          progress: false,
          command: "bench.test.ts"
        })
        assert.isAbove(result.tally.transfersPosted, 0)
        assert.deepStrictEqual(result.tally.failures, {})
        assert.isTrue(result.invariants.ok, JSON.stringify(result.invariants))
        assert.isAbove(result.invariants.checks.length, 0)
        assert.strictEqual(result.ratio, null)
        const written = JSON.parse(fs.readFileSync(files[0]!, "utf8")) as BenchResult
        assert.strictEqual(written.tally.transfersPosted, result.tally.transfersPosted)
        assert.include(fs.readFileSync(files[1]!, "utf8"), "<svg")
        fs.rmSync(outDir, { recursive: true, force: true })
      }),
    120_000
  )
})
