// Self-contained HTML reports: one per run, and an index of every run in the output folder.

import { describeActivity } from "./DbActivity.ts"
import { describeGroupSizes } from "./GroupCommit.ts"
import type { LoadSummary } from "./Recorder.ts"
import { describePerTransfer, describeUsage, type ResourceUsage } from "./Resources.ts"
import { type BenchResult, describeTransactions, scenarioLabel } from "./Result.ts"
import { totalRetries } from "./Retries.ts"
import { barChart, lineChart } from "./Svg.ts"

const TALLY = "#2563eb"
const PGBENCH = "#9ca3af"
const NODE_PG = "#16a34a"
const P99 = "#dc2626"

const esc = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:760px;color:#111;line-height:1.4}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.9rem}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#15803d}.bad{color:#b91c1c;font-weight:bold}
code{font-size:.85rem;background:#f5f5f5;padding:.1rem .3rem}small{color:#555}
</style></head><body>
${body}
</body></html>
`

/** Latest result per scenario label and path, in a stable order. */
const latestPerScenario = (results: ReadonlyArray<BenchResult>) => {
  const latest = new Map<string, BenchResult>()
  for (const r of [...results].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    latest.set(`${scenarioLabel(r)} ${r.plan.path}`, r)
  }
  return [...latest].sort(([a], [b]) => a.localeCompare(b))
}

export const ratioChart = (results: ReadonlyArray<BenchResult>) => {
  // results written before the node-pg baseline existed have no ratioNodePg
  const withRatio = latestPerScenario(results).filter(([, r]) => r.ratio !== null || (r.ratioNodePg ?? null) !== null)
  return withRatio.length === 0
    ? "<p><small>No run with a baseline yet.</small></p>"
    : barChart(
        withRatio.map(([label, r]) => ({
          label,
          bars: [
            ...(r.ratio === null ? [] : [{ name: "tally/pgbench", color: TALLY, value: r.ratio }]),
            ...((r.ratioNodePg ?? null) === null
              ? []
              : [{ name: "tally/node-pg", color: NODE_PG, value: r.ratioNodePg ?? 0 }])
          ]
        })),
        { y: "transfers/s, tally ÷ baseline" },
        { value: 1, label: "baseline = 1" }
      )
}

/** One row of the summary table: Tally's value, then each baseline's present in the run. */
const row = (label: string, ...values: ReadonlyArray<string | number | undefined>) =>
  `<tr><td>${esc(label)}</td>${values
    .filter((v) => v !== undefined)
    .map((v) => `<td class="n">${esc(String(v))}</td>`)
    .join("")}</tr>`

const codes = (f: Readonly<Record<string, number>>) =>
  Object.keys(f).length === 0
    ? "none"
    : Object.entries(f)
        .map(([c, n]) => `${c} ${n}`)
        .join(", ")

interface Column extends LoadSummary {
  readonly resources: ResourceUsage
  readonly connections: Readonly<Record<string, number>>
  readonly writeTransactions: number | null
  readonly transactionsPerSecond: number | null
}

const summaryRows = (columns: ReadonlyArray<Column>) => {
  const each = (f: (c: Column) => string | number) => columns.map(f)
  return [
    row("transfers/s", ...each((c) => c.transfersPerSecond)),
    row("requests/s", ...each((c) => c.requestsPerSecond)),
    row("transactions/s (write transactions)", ...each((c) => describeTransactions(c))),
    row("transfers posted", ...each((c) => c.transfersPosted)),
    row("latency p50 ms", ...each((c) => c.latencyMs.p50)),
    row("latency p95 ms", ...each((c) => c.latencyMs.p95)),
    row("latency p99 ms", ...each((c) => c.latencyMs.p99)),
    row("latency max ms", ...each((c) => c.latencyMs.max)),
    row("failures", ...each((c) => codes(c.failures))),
    row("cpu", ...each((c) => describeUsage(c.resources))),
    row("cpu ms per transfer", ...each((c) => describePerTransfer(c.resources, c.transfersPosted))),
    row("db connections (avg backends by state)", ...each((c) => describeActivity(c.connections)))
  ].join("\n")
}

export const runReport = (r: BenchResult, all: ReadonlyArray<BenchResult>): string => {
  const b = r.baseline ?? undefined
  const n = r.nodePg ?? undefined
  const throughput = lineChart(
    [
      { name: `tally (${r.plan.path})`, color: TALLY, points: r.tally.perSecond.map((p) => [p.t, p.rate]) },
      ...(n === undefined
        ? []
        : [{ name: "node-pg", color: NODE_PG, points: n.perSecond.map((p) => [p.t, p.rate] as const) }]),
      ...(b === undefined
        ? []
        : [{ name: "pgbench", color: PGBENCH, points: b.perSecond.map((p) => [p.t, p.rate] as const) }])
    ],
    { x: "seconds", y: "transfers per second" }
  )
  const latencyOverTime = lineChart(
    [
      { name: "tally p50", color: TALLY, points: r.tally.perSecond.map((p) => [p.t, p.p50Ms]) },
      { name: "tally p99", color: P99, points: r.tally.perSecond.map((p) => [p.t, p.p99Ms]) }
    ],
    { x: "seconds", y: "latency ms (per request)" }
  )
  const percentiles = barChart(
    (["p50", "p95", "p99", "max"] as const).map((p) => ({
      label: p,
      bars: [
        { name: "tally", color: TALLY, value: r.tally.latencyMs[p] },
        ...(n === undefined ? [] : [{ name: "node-pg", color: NODE_PG, value: n.latencyMs[p] }]),
        ...(b === undefined ? [] : [{ name: "pgbench", color: PGBENCH, value: b.latencyMs[p] }])
      ]
    })),
    { y: "latency ms" }
  )
  const retries =
    r.tally.retries === null ? "n/a" : `${totalRetries(r.tally.retries)} ${JSON.stringify(r.tally.retries)}`
  const invariants = r.invariants.checks
    .map(
      (c) =>
        `<tr><td class="${c.violations === 0 ? "ok" : "bad"}">${c.violations === 0 ? "ok" : `${c.violations} ✗`}</td><td>${esc(c.name)}${c.examples.map((e) => `<br><small>${esc(e)}</small>`).join("")}</td></tr>`
    )
    .join("\n")
  return page(
    `tally bench ${scenarioLabel(r)} ${r.plan.path}`,
    `<h1>Tally bench · ${esc(scenarioLabel(r))} · ${esc(r.plan.path)}</h1>
<p><small>${esc(r.startedAt)} · <code>${esc(r.command)}</code><br>
${esc(r.scenario.description)} · ${r.scenario.accounts} accounts, ${esc(r.scenario.distribution)} ·
${r.plan.mode === "closed" ? `closed loop, ${r.plan.concurrency} workers` : `open loop, ${r.plan.rate} requests/s, at most ${r.plan.maxInFlight} in flight`}
· pool ${r.plan.poolMax} · PostgreSQL ${esc(r.machine.postgres)} (${r.machine.database}) · Node ${esc(r.machine.node)} · ${r.machine.cpus} CPUs</small></p>
${r.ratio === null ? "" : `<p style="font-size:1.3rem">ratio tally/pgbench: <b>${r.ratio}</b></p>`}
${n === undefined || r.ratioNodePg === null ? "" : `<p style="font-size:1.3rem">ratio tally/node-pg: <b>${r.ratioNodePg}</b></p>`}
<table><tr><th></th><th>tally${r.plan.path === "inprocess" ? "" : ` (${r.plan.instances} × tally serve)`}</th>${n === undefined ? "" : "<th>node-pg</th>"}${b === undefined ? "" : "<th>pgbench</th>"}</tr>
${summaryRows([r.tally, ...(n === undefined ? [] : [n]), ...(b === undefined ? [] : [b])])}
${row("transaction retries", retries, n === undefined ? undefined : "—", b === undefined ? undefined : "—")}
${row("group sizes (tally_group_commit_size)", describeGroupSizes(r.tally.groupSizes), n === undefined ? undefined : "—", b === undefined ? undefined : "—")}
${r.plan.mode === "open" ? row("dropped requests", r.tally.dropped, n?.dropped, b === undefined ? undefined : "—") : ""}
</table>
<h2>Throughput over time</h2>${throughput}
<h2>Latency over time</h2>${latencyOverTime}
<h2>Latency percentiles</h2>${percentiles}
<h2>Ratio to the baselines (latest run per scenario in this folder)</h2>${ratioChart(all)}
<h2>Invariants <small>(${esc(r.invariants.source)})</small></h2>
<table>${invariants}</table>
${n === undefined ? "" : `<p><small>node-pg: node:http + node-postgres, pool ${n.poolMax} (packages/bench/src/NodePgServer.ts); invariants after node-pg: ${n.invariants.ok ? "ok" : "BROKEN"}</small></p>`}
${b === undefined ? "" : `<p><small>pgbench: <code>${esc(b.command)}</code>, script <code>${esc(b.script)}</code>; invariants after pgbench: ${b.invariants.ok ? "ok" : "BROKEN"}</small></p>`}
<p><small>Seeding: ${esc(r.seeding.method)} (${r.seeding.accounts} accounts, ${r.seeding.seconds.toFixed(1)} s).
Latency is per request (a batch is one request), from its scheduled start to its answer.</small></p>`
  )
}

export const indexReport = (all: ReadonlyArray<BenchResult>): string => {
  const rows = [...all]
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .map(
      (r) =>
        `<tr><td>${esc(r.startedAt.slice(0, 19))}</td><td>${esc(scenarioLabel(r))}</td><td>${esc(r.plan.path)}</td><td>${r.plan.mode === "closed" ? `c=${r.plan.concurrency}` : `${r.plan.rate}/s`}</td><td class="n">${r.tally.transfersPerSecond}</td><td class="n">${r.tally.latencyMs.p50}</td><td class="n">${r.tally.latencyMs.p99}</td><td class="n">${r.baseline?.transfersPerSecond ?? "—"}</td><td class="n">${r.ratio ?? "—"}</td><td class="n">${r.nodePg?.transfersPerSecond ?? "—"}</td><td class="n">${r.ratioNodePg ?? "—"}</td><td class="${r.invariants.ok ? "ok" : "bad"}">${r.invariants.ok ? "ok" : "broken"}</td></tr>`
    )
    .join("\n")
  return page(
    "tally bench results",
    `<h1>Tally bench results</h1>
<h2>Ratio tally/pgbench and tally/node-pg per scenario (latest run of each)</h2>${ratioChart(all)}
<h2>All runs</h2>
<table><tr><th>started</th><th>scenario</th><th>path</th><th>load</th><th>transfers/s</th><th>p50 ms</th><th>p99 ms</th><th>pgbench/s</th><th>ratio</th><th>node-pg/s</th><th>ratio</th><th>invariants</th></tr>
${rows}</table>`
  )
}
