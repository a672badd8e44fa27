// A fresh database for every run, so runs never see each other's rows: created on the given server (or on an
// embedded PostgreSQL in a temp dir), migrated and seeded like production, dropped at the end.
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { PgClient } from "@effect/sql-pg"
import * as Database from "@tally/adapters/Database"
import * as EmbeddedPostgres from "@tally/adapters/EmbeddedPostgres"
import { defaultMigrationsDir, Migrator } from "@tally/adapters/Migrator"
import { Seeder } from "@tally/adapters/Seeds"
import { Context, Effect, Layer, Redacted } from "effect"

/**
 * lock_timeout of every connection the bench (and the `tally serve` it starts) opens. Under closed-loop load a
 * wait for a lock is part of what is measured, not a failure: 4 concurrent batches of 1000 on 10,000 accounts
 * queue on each other's locks for longer than the service's 2 s default (TALLY_DB_LOCK_TIMEOUT_MS), which would
 * turn the queue into lock_timeout retries. 30 s, like statement_timeout.
 */
export const benchLockTimeoutMs = 30_000

export interface BenchDatabaseShape {
  /** The run's own database. */
  readonly url: Redacted.Redacted
  readonly name: string
  readonly server: "embedded" | "external"
  readonly serverVersion: string
  /** The embedded server's postmaster (for CPU accounting); undefined for an external server. */
  readonly postmasterPid: number | undefined
}

export class BenchDatabase extends Context.Service<BenchDatabase, BenchDatabaseShape>()("tally/bench/BenchDatabase") {}

export interface BenchDatabaseOptions {
  /** A server to create the run's database on; undefined starts an embedded PostgreSQL in a temp dir. */
  readonly serverUrl: string | undefined
  readonly poolMax: number
  readonly keep: boolean
}

const withDatabase = (url: string, database: string) => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

const embeddedServer = Effect.gen(function* () {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-bench-pg-"))
      // PostgreSQL runs as the `postgres` user when we are root: it must be able to enter the dir
      fs.chmodSync(dir, 0o755)
      return dir
    }),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  const dataDir = path.join(dir, "data")
  const handle = yield* EmbeddedPostgres.start({ dataDir, port: 0 })
  yield* Effect.logInfo(`embedded PostgreSQL on 127.0.0.1:${handle.port} in ${dir}`)
  const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0])
  return { url: Redacted.value(handle.url), postmasterPid: Number.isInteger(pid) && pid > 0 ? pid : undefined }
})

const freshDatabase = (serverUrl: string, keep: boolean) =>
  Effect.gen(function* () {
    const name = `tally_bench_${new Date().toISOString().slice(0, 19).replace(/\D/g, "")}_${randomBytes(3).toString("hex")}`
    const admin = PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 })
    const run = <A extends object>(statement: string) =>
      Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe<A>(statement)).pipe(Effect.provide(admin))
    const [version] = yield* run<{ server_version: string }>("SHOW server_version")
    yield* Effect.acquireRelease(run(`CREATE DATABASE ${name}`), () =>
      keep
        ? Effect.logInfo(`kept database ${name}`)
        : run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)
    )
    return { name, url: withDatabase(serverUrl, name), serverVersion: version?.server_version ?? "unknown" }
  })

const migrateAndSeed = Layer.effectDiscard(
  Effect.gen(function* () {
    yield* (yield* Migrator).up
    yield* (yield* Seeder).run
  })
).pipe(Layer.provide(Layer.mergeAll(Migrator.layer(defaultMigrationsDir), Seeder.layer())))

/** BenchDatabase plus a connection pool (PgClient, SqlClient) on the run's migrated and seeded database. */
export const layer = (options: BenchDatabaseOptions) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const server =
        options.serverUrl === undefined ? yield* embeddedServer : { url: options.serverUrl, postmasterPid: undefined }
      const db = yield* freshDatabase(server.url, options.keep)
      const url = Redacted.make(db.url)
      return Layer.succeed(BenchDatabase, {
        url,
        name: db.name,
        server: options.serverUrl === undefined ? "embedded" : "external",
        serverVersion: db.serverVersion,
        postmasterPid: server.postmasterPid
      }).pipe(
        Layer.provideMerge(migrateAndSeed),
        Layer.provideMerge(Database.layerUrl(url, { poolMax: options.poolMax, lockTimeoutMs: benchLockTimeoutMs }))
      )
    })
  )
