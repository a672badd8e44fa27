// One measured load window against one system (Tally through its path, or the node-pg baseline server): the
// load loop with progress lines, and around it what the window cost — CPU per process group, database
// connection states, write transactions, and the server's own metrics (retries, group sizes) read before and
// after.
import { Console, Context, Effect, Fiber } from "effect"
import type { BenchDatabaseShape } from "./BenchDatabase.ts"
import { type ActivityProfile, describeActivity, sampleActivity } from "./DbActivity.ts"
import { type GroupSizes, groupSizesBetween } from "./GroupCommit.ts"
import { runLoad } from "./LoadLoop.ts"
import type { BenchOptions } from "./Options.ts"
import { reportProgress } from "./Progress.ts"
import { type LoadSummary, Recorder } from "./Recorder.ts"
import { type CpuPerTransfer, cpuPerTransfer, describeUsage, type ResourceUsage, startSampling } from "./Resources.ts"
import { type RetryCounts, retriesBetween } from "./Retries.ts"
import { ServerMetrics } from "./ServerMetrics.ts"
import { round } from "./Stats.ts"
import type { Workload } from "./Workload.ts"

/** The server processes of the system under test, for their CPU; null when the bench process runs it itself. */
export class ServerProcesses extends Context.Service<
  ServerProcesses,
  { readonly name: string; readonly pids: ReadonlyArray<number | undefined> } | null
>()("tally/bench/ServerProcesses") {}

export interface PhaseResult extends LoadSummary {
  readonly resources: ResourceUsage
  readonly cpuMsPerTransfer: CpuPerTransfer
  readonly connections: ActivityProfile
  /** Database transactions that wrote (transaction ids assigned) during the window, and per second. */
  readonly writeTransactions: number | null
  readonly transactionsPerSecond: number | null
  /** null when they could not be read (no metrics endpoint). */
  readonly retries: RetryCounts | null
  /** null until the server exposes `tally_group_commit_size` (group commit, issue 11). */
  readonly groupSizes: GroupSizes | null
}

export const runPhase = (label: string, options: BenchOptions, db: BenchDatabaseShape, workload: Workload) =>
  Effect.gen(function* () {
    const metrics = yield* ServerMetrics
    const server = yield* ServerProcesses
    const before = yield* metrics.read
    yield* Console.error(
      `load: ${label}, ${options.mode} loop, ${options.transfersMax ?? `${options.durationSeconds} s`}`
    )
    const activity = yield* sampleActivity(db.url)
    const sampling = startSampling({ server: server ?? undefined, postmasterPid: db.postmasterPid })
    const recorder = new Recorder()
    const progress = options.progress ? yield* Effect.forkChild(reportProgress(label, recorder)) : undefined
    yield* runLoad(
      {
        mode: options.mode,
        concurrency: options.concurrency,
        rate: options.rate,
        maxInFlight: options.maxInFlight,
        durationSeconds: options.durationSeconds,
        transfersMax: options.transfersMax
      },
      workload,
      recorder
    )
    if (progress !== undefined) yield* Fiber.interrupt(progress)
    const resources = sampling()
    const window = yield* activity
    const after = yield* metrics.read
    const summary = recorder.summary()
    yield* Console.error(`cpu during the ${label} load: ${describeUsage(resources)}`)
    yield* Console.error(`database connections during the ${label} load: ${describeActivity(window.connections)}`)
    return {
      ...summary,
      resources,
      cpuMsPerTransfer: cpuPerTransfer(resources, summary.transfersPosted),
      connections: window.connections,
      writeTransactions: window.writeTransactions,
      transactionsPerSecond:
        window.writeTransactions === null || summary.elapsedSeconds === 0
          ? null
          : round(window.writeTransactions / summary.elapsedSeconds, 1),
      retries:
        before.retries === undefined || after.retries === undefined
          ? null
          : retriesBetween(before.retries, after.retries),
      groupSizes: groupSizesBetween(before.groupSizes, after.groupSizes)
    } satisfies PhaseResult
  }).pipe(Effect.scoped)
