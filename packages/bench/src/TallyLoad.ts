// The measured part of a run: Tally driven through the chosen path (in-process, or `--instances` `tally serve`
// processes over HTTP or RPC).
import type { PgClient } from "@effect/sql-pg"
import { type Config, Effect, Layer } from "effect"
import type { BenchDatabaseShape } from "./BenchDatabase.ts"
import type { Driver } from "./Driver.ts"
import * as HttpDriver from "./HttpDriver.ts"
import * as InProcessDriver from "./InProcessDriver.ts"
import type { BenchOptions } from "./Options.ts"
import { runPhase, ServerProcesses } from "./Phase.ts"
import * as RpcDriver from "./RpcDriver.ts"
import { ServerMetrics } from "./ServerMetrics.ts"
import { type TallyProcessError, TallyProcesses } from "./TallyProcess.ts"
import type { Workload } from "./Workload.ts"

const driverLayer = (
  options: BenchOptions,
  db: BenchDatabaseShape
): Layer.Layer<Driver | ServerMetrics | ServerProcesses, Config.ConfigError | TallyProcessError, PgClient.PgClient> =>
  options.path === "inprocess"
    ? Layer.mergeAll(InProcessDriver.layer, ServerMetrics.inProcess, Layer.succeed(ServerProcesses, null))
    : Layer.mergeAll(
        options.path === "http" ? HttpDriver.layer : RpcDriver.layer,
        ServerMetrics.scraped,
        Layer.effect(
          ServerProcesses,
          TallyProcesses.useSync((servers) => ({ name: "tally serve", pids: servers.map((s) => s.pid) }))
        )
      ).pipe(
        Layer.provideMerge(
          TallyProcesses.layer({
            databaseUrl: db.url,
            poolMax: options.poolMax,
            instances: options.instances,
            cpuProfDir: options.cpuProfDir
          })
        )
      )

export const loadTally = (options: BenchOptions, db: BenchDatabaseShape, workload: Workload) =>
  runPhase("tally", options, db, workload).pipe(Effect.scoped, Effect.provide(driverLayer(options, db)))
