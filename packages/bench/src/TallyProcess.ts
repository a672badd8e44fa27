// The service for the HTTP and RPC paths: `tally serve` started as its own process on the run's database, the way
// an operator runs it (the bench never imports packages/server), stopped with SIGINT at the end. `--instances N`
// starts N of them on the same database (scale-out on one PostgreSQL), each with its own ports.
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Context, Duration, Effect, Layer, Redacted, Schema } from "effect"
import { benchLockTimeoutMs } from "./BenchDatabase.ts"

export class TallyProcessError extends Schema.TaggedError<TallyProcessError>()("TallyProcessError", {
  message: Schema.String
}) {}

export interface TallyProcessShape {
  readonly baseUrl: string
  readonly metricsUrl: string
  readonly adminKey: Redacted.Redacted
  readonly pid: number | undefined
}

export interface TallyProcessOptions {
  readonly databaseUrl: Redacted.Redacted
  /** TALLY_DB_POOL_MAX of each instance. */
  readonly poolMax: number
  readonly instances: number
  /** node --cpu-prof into this folder (written when the process exits). */
  readonly cpuProfDir?: string | undefined
}

/** The running `tally serve` instances (at least one), in start order. */
export class TallyProcesses extends Context.Service<TallyProcesses, ReadonlyArray<TallyProcessShape>>()(
  "tally/bench/TallyProcesses"
) {
  static readonly layer = (options: TallyProcessOptions) =>
    Layer.effect(
      TallyProcesses,
      // one after the other: each runs its start-up (migrations check, seeds) before the next begins
      Effect.forEach(Array.from({ length: options.instances }), () => start(options))
    )
}

const freePort = Effect.promise(
  () =>
    new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const port = (server.address() as net.AddressInfo).port
        server.close(() => resolve(port))
      })
    })
)

const healthy = (url: string) =>
  Effect.promise(() =>
    fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status === 200,
      () => false
    )
  )

const profiling = (dir: string | undefined) => (dir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`])

const start = (options: TallyProcessOptions) =>
  Effect.gen(function* () {
    const main = fileURLToPath(import.meta.resolve("@tally/server/main"))
    const [httpPort, metricsPort] = [yield* freePort, yield* freePort]
    const adminKey = `bench_${randomBytes(18).toString("base64url")}`
    const dataDir = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "tally-bench-server-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    )
    let output = ""
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const child = spawn(process.execPath, [...profiling(options.cpuProfDir), main, "serve"], {
          env: {
            ...process.env,
            DATABASE_URL: Redacted.value(options.databaseUrl),
            TALLY_HTTP_HOST: "127.0.0.1",
            TALLY_HTTP_PORT: String(httpPort),
            TALLY_METRICS_PORT: String(metricsPort),
            TALLY_ADMIN_API_KEY: adminKey,
            TALLY_DB_POOL_MAX: String(options.poolMax),
            TALLY_DB_LOCK_TIMEOUT_MS: String(benchLockTimeoutMs),
            TALLY_DATA_DIR: dataDir
          },
          stdio: ["ignore", "pipe", "pipe"]
        })
        const keep = (chunk: Buffer) => {
          output = (output + chunk.toString("utf8")).slice(-4000)
        }
        child.stdout.on("data", keep)
        child.stderr.on("data", keep)
        return child
      }),
      (child) =>
        Effect.callback<void>((resume) => {
          if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
          const timer = setTimeout(() => child.kill("SIGKILL"), 15_000)
          child.once("exit", () => {
            clearTimeout(timer)
            resume(Effect.void)
          })
          child.kill("SIGINT")
        })
    )
    const baseUrl = `http://127.0.0.1:${httpPort}`
    for (let attempt = 0; ; attempt++) {
      if (child.exitCode !== null) {
        return yield* new TallyProcessError({ message: `tally serve exited with ${child.exitCode}:\n${output}` })
      }
      if (yield* healthy(`${baseUrl}/healthz`)) break
      if (attempt > 300)
        return yield* new TallyProcessError({ message: `tally serve did not become healthy:\n${output}` })
      yield* Effect.sleep(Duration.millis(200))
    }
    yield* Effect.logInfo(`tally serve (pid ${child.pid}) on ${baseUrl}`)
    return {
      baseUrl,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      adminKey: Redacted.make(adminKey),
      pid: child.pid
    } satisfies TallyProcessShape
  })
