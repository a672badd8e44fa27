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
import { describeGroupSizes, groupSizesBetween, parseExposition } from "../src/GroupCommit.ts"
import type { BenchOptions } from "../src/Options.ts"
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

  it("reads the group-size histogram from a Prometheus exposition, and nothing when it is absent", () => {
    const exposition = (groups: number, transfers: number, buckets: ReadonlyArray<readonly [string, number]>) =>
      [
        "# TYPE tally_group_commit_size histogram",
        ...buckets.map(([le, n]) => `tally_group_commit_size_bucket{le="${le}"} ${n}`),
        `tally_group_commit_size_sum ${transfers}`,
        `tally_group_commit_size_count ${groups}`,
        "tally_batch_size_count 3"
      ].join("\n")
    const before = parseExposition(
      exposition(2, 3, [
        ["1", 1],
        ["8", 2],
        ["+Inf", 2]
      ])
    )
    const after = parseExposition(
      exposition(12, 63, [
        ["1", 2],
        ["8", 8],
        ["+Inf", 12]
      ])
    )
    const sizes = groupSizesBetween(before, after)
    assert.deepStrictEqual(sizes, {
      groups: 10,
      transfers: 60,
      mean: 6,
      p50AtMost: 8,
      p99AtMost: Number.POSITIVE_INFINITY,
      buckets: [
        [1, 1],
        [8, 5],
        [Number.POSITIVE_INFINITY, 4]
      ]
    })
    assert.include(describeGroupSizes(sizes), "10 groups")
    const without = parseExposition("tally_batch_size_count 3\ntally_db_transaction_retries_total 0")
    assert.isUndefined(without)
    assert.isNull(groupSizesBetween(without, without))
    // the histogram appears with its first group: missing before the load only, it counts from zero
    assert.strictEqual(groupSizesBetween(undefined, after)?.groups, after!.count)
    assert.include(describeGroupSizes(null), "n/a")
  })

  const options = (outDir: string, overrides: Partial<BenchOptions>): BenchOptions => ({
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
    command: "bench.test.ts",
    ...overrides
  })

  it.live(
    "runs the in-process uniform scenario and finds the ledger clean",
    () =>
      Effect.gen(function* () {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-bench-test-"))
        const { result, files } = yield* runBench(options(outDir, {}))
        assert.isAbove(result.tally.transfersPosted, 0)
        assert.deepStrictEqual(result.tally.failures, {})
        assert.isTrue(result.invariants.ok, JSON.stringify(result.invariants))
        assert.isAbove(result.invariants.checks.length, 0)
        assert.strictEqual(result.ratio, null)
        assert.strictEqual(result.ratioNodePg, null)
        assert.strictEqual(result.nodePg, null)
        assert.isAbove(result.tally.writeTransactions ?? 0, 0)
        const written = JSON.parse(fs.readFileSync(files[0]!, "utf8")) as BenchResult
        assert.strictEqual(written.tally.transfersPosted, result.tally.transfersPosted)
        assert.include(fs.readFileSync(files[1]!, "utf8"), "<svg")
        fs.rmSync(outDir, { recursive: true, force: true })
      }),
    120_000
  )

  it.live(
    "runs the node-pg baseline on the same database and reports Tally's ratio to it",
    () =>
      Effect.gen(function* () {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-bench-test-"))
        const { result, files } = yield* runBench(options(outDir, { baselines: ["node-pg"] }))
        const nodePg = result.nodePg
        assert.isNotNull(nodePg)
        if (nodePg === null) return
        assert.isAbove(nodePg.transfersPosted, 0)
        assert.deepStrictEqual(nodePg.failures, {})
        assert.isTrue(nodePg.invariants.ok, JSON.stringify(nodePg.invariants))
        assert.isAbove(nodePg.invariants.checks.length, 0)
        assert.strictEqual(nodePg.poolMax, 4)
        // every hand-written transfer is one write transaction
        assert.isAtLeast(nodePg.writeTransactions ?? 0, nodePg.transfersPosted)
        assert.strictEqual(nodePg.resources.server, "node-pg server")
        assert.strictEqual(
          result.ratioNodePg,
          Math.round((result.tally.transfersPerSecond / nodePg.transfersPerSecond) * 1000) / 1000
        )
        assert.strictEqual(result.ratio, null)
        assert.isTrue(result.invariants.ok, JSON.stringify(result.invariants))
        const written = JSON.parse(fs.readFileSync(files[0]!, "utf8")) as BenchResult
        assert.strictEqual(written.ratioNodePg, result.ratioNodePg)
        assert.strictEqual(written.nodePg?.transfersPosted, nodePg.transfersPosted)
        assert.deepStrictEqual(written.plan.baselines, ["node-pg"])
        const html = fs.readFileSync(files[1]!, "utf8")
        assert.include(html, "ratio tally/node-pg")
        assert.include(html, "<th>node-pg</th>")
        fs.rmSync(outDir, { recursive: true, force: true })
      }),
    120_000
  )
})
