// Everything a run is told by the CLI (or by a test).
import type { Scenario } from "./Scenarios.ts"

export const paths = ["inprocess", "http", "rpc"] as const
export type BenchPath = (typeof paths)[number]

export const baselineNames = ["pgbench", "node-pg"] as const
export type BaselineName = (typeof baselineNames)[number]

export interface BenchOptions {
  readonly scenario: Scenario
  readonly path: BenchPath
  readonly mode: "closed" | "open"
  readonly concurrency: number
  /** Open loop: requests per second. */
  readonly rate: number
  /** Open loop: requests outstanding at most; more are dropped and counted. */
  readonly maxInFlight: number
  readonly durationSeconds: number
  /** Stop after this many transfers instead of after `durationSeconds`. */
  readonly transfersMax: number | undefined
  /** Accounts to seed; the scenario's own count when undefined. */
  readonly accounts: number | undefined
  /** Transfers per batch (batched scenarios only). */
  readonly batchSize: number
  /** A PostgreSQL server to create the run's database on; undefined: embedded PostgreSQL in a temp dir. */
  readonly databaseUrl: string | undefined
  /** Run after Tally on the same database and seeded accounts: pgbench, the node-pg server, both or neither. */
  readonly baselines: ReadonlyArray<BaselineName>
  /** `tally serve` processes on the HTTP and RPC paths; the load is spread across them. */
  readonly instances: number
  readonly outDir: string
  /** Connections in Tally's pool (in-process, and TALLY_DB_POOL_MAX of the HTTP service). */
  readonly poolMax: number
  readonly keepDatabase: boolean
  /** `--cpu-prof DIR`: each `tally serve` runs with node --cpu-prof into DIR (the http and rpc paths). */
  readonly cpuProfDir?: string | undefined
  readonly progress: boolean
  /** How the run was asked for, for the report. */
  readonly command: string
}
