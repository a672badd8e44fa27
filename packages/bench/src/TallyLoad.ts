// The measured part of a run: Tally driven through the chosen path (in-process or a `tally serve` process),
// with progress lines, retries read before and after, and the CPU used during the window.
import type { PgClient } from "@effect/sql-pg"
import { type Config, Console, Effect, Fiber, Layer, Option } from "effect"
import type { BenchDatabaseShape } from "./BenchDatabase.ts"
import { describeActivity, sampleActivity } from "./DbActivity.ts"
import type { Driver } from "./Driver.ts"
import * as HttpDriver from "./HttpDriver.ts"
import * as InProcessDriver from "./InProcessDriver.ts"
import { runLoad } from "./LoadLoop.ts"
import type { BenchOptions } from "./Options.ts"
import { reportProgress } from "./Progress.ts"
import { Recorder } from "./Recorder.ts"
import { describeUsage, startSampling } from "./Resources.ts"
import { RetryProbe, retriesBetween } from "./Retries.ts"
import * as RpcDriver from "./RpcDriver.ts"
import { TallyProcess, type TallyProcessError } from "./TallyProcess.ts"
import type { Workload } from "./Workload.ts"

const say = (line: string) => Console.error(line)

/** The HTTP and RPC paths also leave TallyProcess in the context (read optionally, for its CPU figures). */
const driverLayer = (
  options: BenchOptions,
  db: BenchDatabaseShape
): Layer.Layer<Driver | RetryProbe, Config.ConfigError | TallyProcessError, PgClient.PgClient> =>
  options.path === "inprocess"
    ? Layer.merge(InProcessDriver.layer, RetryProbe.inProcess)
    : Layer.mergeAll(options.path === "http" ? HttpDriver.layer : RpcDriver.layer, RetryProbe.scraped).pipe(
        Layer.provideMerge(TallyProcess.layer({ databaseUrl: db.url, poolMax: options.poolMax }))
      )

export const loadTally = (options: BenchOptions, db: BenchDatabaseShape, workload: Workload) =>
  Effect.gen(function* () {
    const probe = yield* RetryProbe
    const before = yield* probe.read
    yield* say(`load: ${options.path}, ${options.mode} loop, ${options.transfersMax ?? `${options.durationSeconds} s`}`)
    const server = yield* Effect.serviceOption(TallyProcess)
    const activity = yield* sampleActivity(db.url)
    const sampling = startSampling({ servicePid: Option.getOrUndefined(server)?.pid, postmasterPid: db.postmasterPid })
    const recorder = new Recorder()
    const progress = options.progress ? yield* Effect.forkChild(reportProgress("tally", recorder)) : undefined
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
    const connections = yield* activity
    const after = yield* probe.read
    yield* say(`cpu during the load: ${describeUsage(resources)}`)
    yield* say(`database connections during the load: ${describeActivity(connections)}`)
    return {
      ...recorder.summary(),
      resources,
      connections,
      retries: before === undefined || after === undefined ? null : retriesBetween(before, after)
    }
  }).pipe(Effect.scoped, Effect.provide(driverLayer(options, db)))
