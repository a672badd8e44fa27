// The group-commit table of issue 11, measured: each row `--runs` times (default 3) with `npm run bench`, one
// run after another, and the medians printed as a Markdown table (with every run's figures below it, so a reader
// sees the spread). Ratios are taken within a run (Tally and its baselines share the run's minutes), then the
// median of those; cross-row ratios (hot / uniform, batch / single, 2 instances / 1) are ratios of medians.
//
//   node_modules/.bin/node scripts/bench-table.ts [--runs 3] [--duration 10] [--rows uniform-http,hot-http,...]
//
// Extra environment (e.g. TALLY_GROUP_COMMIT_ENABLED=false) reaches every `tally serve` the bench starts.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"

interface Row {
  readonly id: string
  readonly label: string
  readonly args: ReadonlyArray<string>
  /** Environment for this row's bench (and the `tally serve` it starts). */
  readonly env?: Readonly<Record<string, string>>
}

const rows: ReadonlyArray<Row> = [
  {
    id: "uniform-http",
    label: "uniform · http, 32 clients",
    args: ["--scenario", "uniform", "--path", "http", "--baseline", "pgbench,node-pg"]
  },
  {
    id: "hot-http",
    label: "hot (10 accounts) · http",
    args: ["--scenario", "hot", "--path", "http", "--baseline", "pgbench,node-pg"]
  },
  {
    id: "uniform-inprocess",
    label: "uniform · in-process",
    args: ["--scenario", "uniform", "--path", "inprocess", "--baseline", "pgbench"]
  },
  {
    id: "uniform-inprocess-off",
    label: "uniform · in-process, group commit off",
    args: ["--scenario", "uniform", "--path", "inprocess", "--baseline", "pgbench"],
    env: { TALLY_GROUP_COMMIT_ENABLED: "false" }
  },
  {
    id: "batch-1000",
    label: "batch of 1000 · in-process, concurrency 4",
    args: ["--scenario", "batch", "--batch-size", "1000", "--concurrency", "4", "--baseline", "pgbench"]
  },
  {
    id: "uniform-http-2",
    label: "uniform · http, `--instances 2`",
    args: ["--scenario", "uniform", "--path", "http", "--instances", "2", "--baseline", "pgbench"]
  }
]

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    duration: { type: "string", default: "10" },
    rows: { type: "string", default: rows.map((r) => r.id).join(",") }
  }
})
const runs = Number(values.runs)
const chosen = values.rows.split(",").map((id) => {
  const row = rows.find((r) => r.id === id)
  if (row === undefined) throw new Error(`unknown row ${id}; rows: ${rows.map((r) => r.id).join(", ")}`)
  return row
})

interface Phase {
  readonly transfersPerSecond: number
  readonly latencyMs: { readonly p50: number; readonly p99: number }
  readonly writeTransactions: number | null
  readonly transfersPosted: number
  readonly cpuMsPerTransfer: { readonly serverMs: number | null; readonly postgresMs: number | null }
  readonly groupSizes?: { readonly mean: number } | null
}
interface Result {
  readonly startedAt: string
  readonly tally: Phase
  readonly baseline: Phase | null
  readonly nodePg: Phase | null
  readonly ratio: number | null
  readonly ratioNodePg: number | null
}

const median = (xs: ReadonlyArray<number | null | undefined>): number | null => {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const m = Math.floor(v.length / 2)
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2
}
const fmt = (x: number | null, digits = 2) => (x === null ? "—" : x.toFixed(digits))
const perTxn = (p: Phase) => (p.writeTransactions ? p.transfersPosted / p.writeTransactions : null)

const results = new Map<string, Array<Result>>()
for (const row of chosen) {
  for (let i = 1; i <= runs; i++) {
    const args = ["run", "bench", "--", ...row.args, "--duration", values.duration]
    process.stderr.write(
      `[${new Date().toISOString().slice(11, 19)}] ${row.id} run ${i}/${runs}: npm ${args.join(" ")}\n`
    )
    const out = execFileSync("npm", args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...row.env },
      maxBuffer: 64 << 20
    })
    const file = /→ (\S+\.json)/.exec(out)?.[1]
    if (file === undefined) throw new Error(`no result file in the bench's output:\n${out}`)
    const result = JSON.parse(readFileSync(file, "utf8")) as Result
    results.set(row.id, [...(results.get(row.id) ?? []), result])
    process.stderr.write(
      `  ${result.tally.transfersPerSecond}/s · × pgbench ${fmt(result.ratio)} · × node-pg ${fmt(result.ratioNodePg)} · p99 ${result.tally.latencyMs.p99} ms\n`
    )
  }
}

const med = (id: string, f: (r: Result) => number | null | undefined) => median((results.get(id) ?? []).map(f))
const lines = [
  `| scenario · path | Tally transfers/s | × pgbench | × node-pg | p50 / p99 ms | transfers / transaction | mean group | cpu ms/transfer tally · postgres |`,
  "| --- | --- | --- | --- | --- | --- | --- | --- |"
]
for (const row of chosen) {
  const id = row.id
  lines.push(
    `| ${row.label} | ${fmt(
      med(id, (r) => r.tally.transfersPerSecond),
      0
    )} | ${fmt(med(id, (r) => r.ratio))} | ${fmt(med(id, (r) => r.ratioNodePg))} | ${fmt(
      med(id, (r) => r.tally.latencyMs.p50),
      0
    )} / ${fmt(
      med(id, (r) => r.tally.latencyMs.p99),
      0
    )} | ${fmt(
      med(id, (r) => perTxn(r.tally)),
      1
    )} | ${fmt(
      med(id, (r) => r.tally.groupSizes?.mean),
      1
    )} | ${fmt(med(id, (r) => r.tally.cpuMsPerTransfer.serverMs))} · ${fmt(
      med(id, (r) => r.tally.cpuMsPerTransfer.postgresMs)
    )} |`
  )
}
const tps = (id: string) => med(id, (r) => r.tally.transfersPerSecond)
const ratioOf = (a: string, b: string) => {
  const x = tps(a)
  const y = tps(b)
  return x === null || y === null ? null : x / y
}
lines.push("")
if (results.has("hot-http") && results.has("uniform-http")) {
  lines.push(`- hot / uniform over http (medians): ${fmt(ratioOf("hot-http", "uniform-http"))}`)
}
if (results.has("batch-1000")) {
  if (results.has("uniform-inprocess"))
    lines.push(
      `- batch of 1000 / single transfers in-process, group-committed (medians): ${fmt(ratioOf("batch-1000", "uniform-inprocess"))}`
    )
  if (results.has("uniform-inprocess-off"))
    lines.push(
      `- batch of 1000 / single transfers in-process, group commit off (medians): ${fmt(ratioOf("batch-1000", "uniform-inprocess-off"))}`
    )
  if (results.has("uniform-http"))
    lines.push(`- batch of 1000 / single transfers over http (medians): ${fmt(ratioOf("batch-1000", "uniform-http"))}`)
}
if (results.has("uniform-http-2") && results.has("uniform-http")) {
  lines.push(
    `- --instances 2 / --instances 1, uniform http (medians): ${fmt(ratioOf("uniform-http-2", "uniform-http"))}`
  )
}
lines.push("", "Every run:", "")
for (const row of chosen) {
  for (const r of results.get(row.id) ?? []) {
    lines.push(
      `- ${row.id} ${r.startedAt.slice(11, 19)} UTC: ${r.tally.transfersPerSecond}/s, × pgbench ${fmt(r.ratio)}` +
        `${r.nodePg ? `, × node-pg ${fmt(r.ratioNodePg)} (node-pg ${r.nodePg.transfersPerSecond}/s)` : ""}` +
        `${r.baseline ? `, pgbench ${r.baseline.transfersPerSecond}/s` : ""}, p99 ${r.tally.latencyMs.p99} ms`
    )
  }
}
process.stdout.write(`${lines.join("\n")}\n`)
