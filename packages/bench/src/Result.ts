// A run's result: the JSON file's shape and the text summary printed at the end.

import { type ActivityProfile, describeActivity } from "./DbActivity.ts"
import { describeGroupSizes } from "./GroupCommit.ts"
import type { NodePgResult } from "./NodePgBaseline.ts"
import type { BaselineName } from "./Options.ts"
import type { PgbenchResult } from "./Pgbench.ts"
import type { PhaseResult } from "./Phase.ts"
import type { LoadSummary } from "./Recorder.ts"
import { type CpuPerTransfer, describePerTransfer, describeUsage, type ResourceUsage } from "./Resources.ts"
import { totalRetries } from "./Retries.ts"
import type { InvariantReport } from "./Verify.ts"

export interface BenchResult {
  readonly kind: "tally-bench-result"
  readonly formatVersion: 1
  readonly startedAt: string
  readonly command: string
  readonly machine: {
    readonly cpus: number
    readonly node: string
    readonly platform: string
    readonly postgres: string
    readonly database: "embedded" | "external"
  }
  readonly scenario: {
    readonly name: string
    readonly description: string
    readonly distribution: string
    readonly accounts: number
    readonly batchSize: number
  }
  readonly plan: {
    readonly path: string
    readonly mode: "closed" | "open"
    readonly concurrency: number
    readonly rate: number | null
    readonly maxInFlight: number | null
    readonly durationSeconds: number | null
    readonly transfersMax: number | null
    readonly poolMax: number
    /** `tally serve` processes (1 on the in-process path, where none runs). */
    readonly instances: number
    readonly baselines: ReadonlyArray<BaselineName>
  }
  readonly seeding: { readonly method: string; readonly accounts: number; readonly seconds: number }
  readonly tally: PhaseResult
  readonly invariants: InvariantReport
  /** The pgbench baseline. */
  readonly baseline:
    | (PgbenchResult & {
        readonly script: string
        readonly resources: ResourceUsage
        readonly cpuMsPerTransfer: CpuPerTransfer
        readonly connections: ActivityProfile
        readonly writeTransactions: number | null
        readonly transactionsPerSecond: number | null
        readonly invariants: InvariantReport
      })
    | null
  /** The node-pg baseline (node:http + node-postgres, hand-written). */
  readonly nodePg: NodePgResult | null
  /** Tally's transfers/s over pgbench's: the headline. */
  readonly ratio: number | null
  /** Tally's transfers/s over the node-pg server's. */
  readonly ratioNodePg: number | null
}

export const ratioOf = (tally: LoadSummary, baseline: LoadSummary | null): number | null =>
  baseline === null || baseline.transfersPerSecond === 0
    ? null
    : Math.round((tally.transfersPerSecond / baseline.transfersPerSecond) * 1000) / 1000

/** "uniform", "batch-100": what a ratio is "per scenario" for. */
export const scenarioLabel = (r: BenchResult) =>
  r.scenario.batchSize > 1 || r.scenario.name === "batch"
    ? `${r.scenario.name}-${r.scenario.batchSize}`
    : r.scenario.name

const failures = (f: Readonly<Record<string, number>>) => {
  const entries = Object.entries(f)
  return entries.length === 0 ? "none" : entries.map(([code, n]) => `${code} ${n}`).join(", ")
}

const latency = (s: LoadSummary) =>
  `p50 ${s.latencyMs.p50} · p95 ${s.latencyMs.p95} · p99 ${s.latencyMs.p99} · max ${s.latencyMs.max}`

export const describeTransactions = (p: {
  readonly transactionsPerSecond: number | null
  readonly writeTransactions: number | null
  readonly transfersPosted: number
}) =>
  p.transactionsPerSecond === null || p.writeTransactions === null
    ? "n/a"
    : `${p.transactionsPerSecond}   (${p.writeTransactions} write transactions, ${
        p.writeTransactions === 0 ? "—" : (p.transfersPosted / p.writeTransactions).toFixed(2)
      } transfers per transaction)`

export const textSummary = (r: BenchResult, files: ReadonlyArray<string>): string => {
  const t = r.tally
  const plan =
    r.plan.mode === "closed" ? `closed loop, ${r.plan.concurrency} workers` : `open loop, ${r.plan.rate} requests/s`
  const instances = r.plan.path === "inprocess" ? "" : ` · ${r.plan.instances} × tally serve`
  const lines = [
    "",
    `tally bench · ${scenarioLabel(r)} (${r.scenario.accounts} accounts, ${r.scenario.distribution}) · ${r.plan.path}${instances} · ${plan} · ${t.elapsedSeconds} s`,
    `  transfers/s          ${t.transfersPerSecond}   (${t.transfersPosted} posted in ${t.requests} requests, ${t.requestsPerSecond} requests/s)`,
    `  transactions/s       ${describeTransactions(t)}`,
    `  group sizes          ${describeGroupSizes(t.groupSizes)}`,
    `  latency ms/request   ${latency(t)}`,
    `  retries              ${t.retries === null ? "n/a (no metrics endpoint)" : `${totalRetries(t.retries)} ${JSON.stringify(t.retries)}`}`,
    `  failures             ${failures(t.failures)}`,
    ...(r.plan.mode === "open" ? [`  dropped requests     ${t.dropped}`] : []),
    `  cpu                  ${describeUsage(t.resources)}`,
    `  cpu ms/transfer      ${describePerTransfer(t.resources, t.transfersPosted)}`,
    `  db connections       ${describeActivity(t.connections)}`,
    `  invariants           ${r.invariants.ok ? `ok (${r.invariants.checks.length} checks)` : "BROKEN"}`
  ]
  if (r.nodePg !== null) {
    const n = r.nodePg
    lines.push(
      `node-pg baseline · node:http + node-postgres, pool ${n.poolMax}, same load loop over HTTP · ${n.elapsedSeconds} s`,
      `  transfers/s          ${n.transfersPerSecond}   (${n.transfersPosted} posted in ${n.requests} requests)`,
      `  transactions/s       ${describeTransactions(n)}`,
      `  latency ms/request   ${latency(n)}`,
      `  failures             ${failures(n.failures)}`,
      `  cpu                  ${describeUsage(n.resources)}`,
      `  cpu ms/transfer      ${describePerTransfer(n.resources, n.transfersPosted)}`,
      `  db connections       ${describeActivity(n.connections)}`,
      `  invariants           ${n.invariants.ok ? "ok" : "BROKEN"}`
    )
  }
  if (r.baseline !== null) {
    const b = r.baseline
    lines.push(
      `pgbench baseline · same SQL transfer, ${r.plan.concurrency} clients · ${b.elapsedSeconds} s`,
      `  transfers/s          ${b.transfersPerSecond}   (${b.tps} tps)`,
      `  transactions/s       ${describeTransactions(b)}`,
      `  latency ms/txn       ${latency(b)}`,
      `  failures             ${failures(b.failures)}`,
      `  cpu                  ${describeUsage(b.resources)}`,
      `  cpu ms/transfer      ${describePerTransfer(b.resources, b.transfersPosted)}`,
      `  db connections       ${describeActivity(b.connections)}`,
      `  invariants           ${b.invariants.ok ? "ok" : "BROKEN"}`
    )
  }
  if (r.ratio !== null) lines.push(`ratio tally/pgbench    ${r.ratio}   (${scenarioLabel(r)}, ${r.plan.path})`)
  if (r.ratioNodePg !== null)
    lines.push(`ratio tally/node-pg    ${r.ratioNodePg}   (${scenarioLabel(r)}, ${r.plan.path})`)
  lines.push(...files.map((f) => `  → ${f}`), "")
  return lines.join("\n")
}
