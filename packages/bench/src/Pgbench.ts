// Runs the baseline script with pgbench against the run's database and reads its per-transaction log, so the
// baseline gets the same figures (throughput per second, exact latency percentiles) as Tally.
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Redacted, Schema } from "effect"
import type { LoadSummary, SecondPoint } from "./Recorder.ts"
import { roundSummary } from "./Recorder.ts"
import { round, summarize } from "./Stats.ts"

export class PgbenchError extends Schema.TaggedError<PgbenchError>()("PgbenchError", {
  message: Schema.String
}) {}

const candidates = [
  "pgbench",
  "/usr/bin/pgbench",
  ...["18", "17", "16", "15"].map((v) => `/usr/lib/postgresql/${v}/bin/pgbench`)
]

/** The pgbench binary and its version line, or a PgbenchError telling how to install it. */
export const findPgbench = Effect.suspend(() => {
  for (const candidate of candidates) {
    try {
      const version = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim()
      return Effect.succeed({ path: candidate, version })
    } catch {
      // try the next one
    }
  }
  return Effect.fail(
    new PgbenchError({
      message:
        "--baseline pgbench needs the pgbench binary, which was not found on PATH or in /usr/lib/postgresql/*/bin. " +
        "On Debian/Ubuntu: apt-get install -y postgresql-client-15 (or postgresql-15); on macOS: brew install libpq."
    })
  )
})

export interface PgbenchRun {
  readonly databaseUrl: Redacted.Redacted
  readonly scriptFile: string
  readonly clients: number
  readonly durationSeconds: number
  /** Transactions in all instead of a duration (split over the clients). */
  readonly transactionsMax: number | undefined
  /** Open loop: transactions per second (pgbench --rate). */
  readonly rate: number | undefined
  readonly transfersPerTransaction: number
}

export interface PgbenchResult extends LoadSummary {
  readonly version: string
  readonly command: string
  readonly tps: number
  readonly failedTransactions: number
}

const connectionArgs = (url: URL) => [
  "-h",
  url.hostname,
  "-p",
  url.port === "" ? "5432" : url.port,
  "-U",
  decodeURIComponent(url.username),
  "-d",
  decodeURIComponent(url.pathname.slice(1))
]

const spawnPgbench = (binary: string, args: ReadonlyArray<string>, password: string) =>
  Effect.callback<{ code: number | null; stdout: string; stderr: string }, PgbenchError>((resume) => {
    const child = spawn(binary, args, { env: { ...process.env, PGPASSWORD: password } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
    })
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8")
      stderr += text
      // progress lines (-P 1) go straight to our stderr
      for (const line of text.split("\n")) if (line.startsWith("progress:")) process.stderr.write(`[pgbench] ${line}\n`)
    })
    child.on("error", (cause) =>
      resume(Effect.fail(new PgbenchError({ message: `pgbench failed to start: ${cause}` })))
    )
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGINT"))
  })

interface LogLine {
  readonly latencyMs: number
  readonly endMs: number
}

const readLogs = (dir: string): Array<LogLine> =>
  fs
    .readdirSync(dir)
    .filter((f) => f.startsWith("pgbench_log"))
    .flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f), "utf8")
        .split("\n")
        .flatMap((line) => {
          // client_id transaction_no time script_no time_epoch time_us [schedule_lag] …
          const fields = line.trim().split(/\s+/)
          if (fields.length < 6) return []
          const latencyUs = Number(fields[2])
          const endMs = Number(fields[4]) * 1000 + Number(fields[5]) / 1000
          return Number.isFinite(latencyUs) && Number.isFinite(endMs) ? [{ latencyMs: latencyUs / 1000, endMs }] : []
        })
    )

const perSecond = (
  lines: ReadonlyArray<LogLine>,
  startMs: number,
  elapsedSeconds: number,
  transfers: number
): Array<SecondPoint> => {
  const buckets: Array<Array<number>> = []
  for (const l of lines) {
    const second = Math.max(0, Math.floor((l.endMs - startMs) / 1000))
    while (buckets.length <= second) buckets.push([])
    buckets[second]!.push(l.latencyMs)
  }
  return buckets.map((latencies, t) => {
    const s = summarize(latencies)
    return {
      t,
      transfers: latencies.length * transfers,
      rate: round((latencies.length * transfers) / Math.min(1, Math.max(0.001, elapsedSeconds - t)), 1),
      requests: latencies.length,
      errors: 0,
      p50Ms: round(s.p50),
      p99Ms: round(s.p99)
    }
  })
}

export const runPgbench = Effect.fn("Pgbench.runPgbench")(function* (run: PgbenchRun) {
  const pgbench = yield* findPgbench
  const url = new URL(Redacted.value(run.databaseUrl))
  const logDir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "tally-bench-pgbench-"))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  const threads = Math.max(1, Math.min(run.clients, os.availableParallelism()))
  const limit =
    run.transactionsMax === undefined
      ? ["-T", String(run.durationSeconds)]
      : ["-t", String(Math.max(1, Math.ceil(run.transactionsMax / run.clients)))]
  const args = [
    ...connectionArgs(url),
    "-n",
    "-M",
    "prepared",
    "-f",
    run.scriptFile,
    "-c",
    String(run.clients),
    "-j",
    String(threads),
    ...limit,
    ...(run.rate === undefined ? [] : ["-R", String(run.rate)]),
    "-P",
    "1",
    "-l",
    `--log-prefix=${path.join(logDir, "pgbench_log")}`
  ]
  const command = `pgbench ${args.join(" ")}`
  const output = yield* spawnPgbench(pgbench.path, args, decodeURIComponent(url.password))
  const lines = readLogs(logDir)
  const aborted = (output.stderr.match(/client \d+ aborted/g) ?? []).length
  if (output.code !== 0 && lines.length === 0) {
    return yield* new PgbenchError({ message: `pgbench exited ${output.code}:\n${output.stderr.slice(-2000)}` })
  }
  const tps = Number(/tps = ([\d.]+)/.exec(output.stdout)?.[1] ?? 0)
  const failedTransactions = Number(/number of failed transactions: (\d+)/.exec(output.stdout)?.[1] ?? 0)
  const startMs = lines.reduce((min, l) => Math.min(min, l.endMs - l.latencyMs), Number.POSITIVE_INFINITY)
  const endMs = lines.reduce((max, l) => Math.max(max, l.endMs), 0)
  const elapsed = lines.length === 0 ? 0 : (endMs - startMs) / 1000
  const b = run.transfersPerTransaction
  const failures: Record<string, number> = {}
  if (aborted > 0) failures.pgbench_client_aborted = aborted
  if (failedTransactions > 0) failures.pgbench_failed_transaction = failedTransactions
  return {
    version: pgbench.version,
    command,
    tps: round(tps, 1),
    failedTransactions,
    elapsedSeconds: round(elapsed, 3),
    requests: lines.length,
    transfersPosted: lines.length * b,
    transfersFailed: failedTransactions * b,
    transfersPerSecond: round(tps * b, 1),
    requestsPerSecond: round(tps, 1),
    latencyMs: roundSummary(summarize(lines.map((l) => l.latencyMs))),
    failures,
    dropped: 0,
    perSecond: perSecond(lines, startMs, elapsed, b)
  } satisfies PgbenchResult
}, Effect.scoped)
