// `npm run bench -- …`: the flags, turned into BenchOptions.
import * as path from "node:path"
import { Config, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { runBench } from "./Bench.ts"
import { type BaselineName, baselineNames, paths } from "./Options.ts"
import { scenarioNamed, scenarioNames } from "./Scenarios.ts"
import { runTicketRush } from "./TicketRush.ts"

const positive = (n: number) => (Number.isInteger(n) && n > 0 ? Option.some(n) : Option.none())

const flags = {
  scenario: Flag.Literals("scenario", [...scenarioNames, "ticket-rush"]).pipe(
    Flag.withDescription(
      "Workload: uniform (10,000 accounts), hot (10), zipf (s=2 over 10,000), batch; ticket-rush: --accounts buyers " +
        "(default 2000) reserve one seat each of one event of --seats seats over HTTP"
    ),
    Flag.withDefault("uniform")
  ),
  path: Flag.Literals("path", paths).pipe(
    Flag.withDescription(
      "inprocess: the use cases on PostgreSQL; http / rpc: a `tally serve` process over HTTP or RPC (WebSocket)"
    ),
    Flag.withDefault("inprocess" as const)
  ),
  mode: Flag.Literals("mode", ["closed", "open"] as const).pipe(
    Flag.withDescription("closed: --concurrency workers; open: --rate requests per second"),
    Flag.withDefault("closed" as const)
  ),
  concurrency: Flag.Int("concurrency").pipe(
    Flag.withDescription("Closed loop workers (and pgbench clients)"),
    Flag.filterMap(positive, () => "must be a positive integer"),
    Flag.withDefault(32)
  ),
  rate: Flag.Int("rate").pipe(
    Flag.withDescription("Open loop: requests started per second"),
    Flag.filterMap(positive, () => "must be a positive integer"),
    Flag.withDefault(500)
  ),
  maxInFlight: Flag.Int("max-in-flight").pipe(
    Flag.withDescription("Open loop: requests outstanding at most; further ones are dropped and counted"),
    Flag.filterMap(positive, () => "must be a positive integer"),
    Flag.withDefault(1024)
  ),
  duration: Flag.Int("duration").pipe(
    Flag.withDescription("Seconds of load (ignored with --transfers)"),
    Flag.filterMap(positive, () => "must be a positive integer"),
    Flag.withDefault(20)
  ),
  transfers: Flag.Int("transfers").pipe(
    Flag.withDescription("Stop after this many transfers instead of after --duration"),
    Flag.filterMap(positive, () => "must be a positive integer"),
    Flag.optional
  ),
  accounts: Flag.Int("accounts").pipe(
    Flag.withDescription("Accounts to seed, overriding the scenario's"),
    Flag.filterMap(
      (n) => (Number.isInteger(n) && n >= 2 ? Option.some(n) : Option.none()),
      () => "must be ≥ 2"
    ),
    Flag.optional
  ),
  batchSize: Flag.Int("batch-size").pipe(
    Flag.withDescription("Transfers per batch for --scenario batch (1 to 1000)"),
    Flag.filterMap(
      (n) => (Number.isInteger(n) && n >= 1 && n <= 1000 ? Option.some(n) : Option.none()),
      () => "must be 1…1000"
    ),
    Flag.withDefault(100)
  ),
  databaseUrl: Flag.String("database-url").pipe(
    Flag.withDescription("PostgreSQL server to create the run's database on (default DATABASE_URL, else embedded)"),
    Flag.withFallbackConfig(Config.String("DATABASE_URL")),
    Flag.optional
  ),
  baseline: Flag.String("baseline").pipe(
    Flag.withDescription(
      "none, pgbench, node-pg or pgbench,node-pg: the same transfer as plain SQL (pgbench) and/or hand-written with " +
        "node:http + node-postgres (node-pg), on the same database; reports tally's ratio to each"
    ),
    Flag.filterMap(
      (text) => {
        const names = text === "none" ? [] : text.split(",").map((name) => name.trim())
        return names.every((name): name is BaselineName => (baselineNames as ReadonlyArray<string>).includes(name))
          ? Option.some([...new Set(names)])
          : Option.none()
      },
      () => `must be none or a comma-separated list of ${baselineNames.join(", ")}`
    ),
    Flag.withDefault([] as ReadonlyArray<BaselineName>)
  ),
  instances: Flag.Int("instances").pipe(
    Flag.withDescription(
      "`tally serve` processes on the run's database (http and rpc paths); workers spread over them"
    ),
    Flag.filterMap(positive, () => "must be a positive integer"),
    Flag.withDefault(1)
  ),
  out: Flag.String("out").pipe(
    Flag.withDescription("Folder for the JSON and HTML reports"),
    Flag.withDefault("bench-results")
  ),
  poolMax: Flag.Int("pool-max").pipe(
    Flag.withDescription("Tally's database pool size (in-process, and the HTTP service's TALLY_DB_POOL_MAX)"),
    Flag.filterMap(positive, () => "must be a positive integer"),
    Flag.withDefault(20)
  ),
  seats: Flag.Int("seats").pipe(
    Flag.withDescription("ticket-rush: the event's capacity (≪ buyers)"),
    Flag.filterMap(positive, () => "must be a positive integer"),
    Flag.withDefault(100)
  ),
  keepDatabase: Flag.Boolean("keep-database").pipe(
    Flag.withDescription("Keep the run's database instead of dropping it"),
    Flag.withDefault(false)
  ),
  cpuProf: Flag.String("cpu-prof").pipe(
    Flag.withDescription("Start each `tally serve` with node --cpu-prof, writing its profile into this folder"),
    Flag.optional
  )
}

const command = () => ["npm run bench --", ...process.argv.slice(2)].join(" ")

export const bench = Command.make("bench", flags, (f) =>
  Effect.gen(function* () {
    if (f.scenario === "ticket-rush") {
      yield* runTicketRush({
        buyers: Option.getOrUndefined(f.accounts) ?? 2000,
        seats: f.seats,
        concurrency: f.concurrency,
        poolMax: f.poolMax,
        databaseUrl: Option.getOrUndefined(f.databaseUrl),
        keepDatabase: f.keepDatabase,
        outDir: path.resolve(f.out),
        command: command()
      })
      return
    }
    yield* runBench({
      scenario: scenarioNamed(f.scenario),
      path: f.path,
      mode: f.mode,
      concurrency: f.concurrency,
      rate: f.rate,
      maxInFlight: f.maxInFlight,
      durationSeconds: f.duration,
      transfersMax: Option.getOrUndefined(f.transfers),
      accounts: Option.getOrUndefined(f.accounts),
      batchSize: f.batchSize,
      databaseUrl: Option.getOrUndefined(f.databaseUrl),
      baselines: f.baseline,
      instances: f.instances,
      outDir: path.resolve(f.out),
      poolMax: f.poolMax,
      keepDatabase: f.keepDatabase,
      cpuProfDir: Option.getOrUndefined(Option.map(f.cpuProf, (dir) => path.resolve(dir))),
      progress: true,
      command: command()
    })
  })
).pipe(Command.withDescription("Tally load benchmark: transfers/s, latency, invariants, pgbench and node-pg baselines"))
