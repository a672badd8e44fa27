// The node-pg baseline step of a run: the same transfers, drawn the same way over the same seeded accounts, sent
// by the same load loop over HTTP to a hand-written node:http + node-postgres server (NodePgServer.ts) with a
// pool as large as Tally's, on the same database; then the ledger it leaves is verified like Tally's.
import { Effect, Layer } from "effect"
import type { BenchDatabaseShape } from "./BenchDatabase.ts"
import * as HttpDriver from "./HttpDriver.ts"
import { NodePgProcess } from "./NodePgProcess.ts"
import type { BenchOptions } from "./Options.ts"
import { type PhaseResult, runPhase, ServerProcesses } from "./Phase.ts"
import { ServerMetrics } from "./ServerMetrics.ts"
import { checkLedger, type InvariantReport } from "./Verify.ts"
import type { Workload } from "./Workload.ts"

export interface NodePgResult extends PhaseResult {
  readonly poolMax: number
  readonly invariants: InvariantReport
}

const layer = (options: BenchOptions, db: BenchDatabaseShape) =>
  Layer.mergeAll(
    HttpDriver.nodePgLayer,
    ServerMetrics.none,
    Layer.effect(
      ServerProcesses,
      NodePgProcess.useSync((server) => ({ name: "node-pg server", pids: [server.pid] }))
    )
  ).pipe(Layer.provideMerge(NodePgProcess.layer({ databaseUrl: db.url, poolMax: options.poolMax })))

export const runNodePg = Effect.fn("NodePgBaseline.runNodePg")(function* (
  options: BenchOptions,
  db: BenchDatabaseShape,
  workload: Workload
) {
  const phase = yield* runPhase("node-pg", options, db, workload).pipe(
    Effect.scoped,
    Effect.provide(layer(options, db))
  )
  const invariants = yield* checkLedger("the node-pg baseline")
  return { ...phase, poolMax: options.poolMax, invariants } satisfies NodePgResult
})
