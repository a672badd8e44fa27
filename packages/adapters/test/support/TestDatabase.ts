// A database of its own for each test file, on the run's PostgreSQL (see globalSetup.ts),
// migrated and seeded like production, dropped at the end.
import { randomBytes } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { inject } from "vitest"
import * as Database from "../../src/Database.ts"
import { defaultMigrationsDir, Migrator } from "../../src/Migrator.ts"
import { Seeder } from "../../src/Seeds.ts"

export const adminUrl = () => inject("adminDatabaseUrl")

const withDatabase = (url: string, database: string) => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** Creates a fresh database and returns its URL; drops it when the scope closes. */
export const freshDatabaseUrl = Effect.gen(function* () {
  const name = `tally_t_${randomBytes(6).toString("hex")}`
  const admin = PgClient.layer({ url: Redacted.make(adminUrl()), maxConnections: 1 })
  const run = (statement: string) =>
    Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe(statement)).pipe(Effect.provide(admin), Effect.orDie)
  yield* Effect.acquireRelease(run(`CREATE DATABASE ${name}`), () =>
    run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)
  )
  return withDatabase(adminUrl(), name)
})

/** A connection to a fresh, empty database (no migrations). */
export interface TestDatabaseOptions {
  readonly poolMax?: number
  readonly lockTimeoutMs?: number
  readonly statementTimeoutMs?: number
}

export const EmptyDatabase = (options: TestDatabaseOptions = {}) =>
  Layer.unwrap(
    Effect.map(freshDatabaseUrl, (url) =>
      Database.layerUrl(Redacted.make(url), {
        poolMax: options.poolMax ?? 10,
        ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
        ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs })
      })
    )
  )

/** A fresh database with every migration and seed step applied. */
export const TestDatabase = (options: TestDatabaseOptions = {}) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      yield* (yield* Migrator).up
      yield* (yield* Seeder).run
    })
  ).pipe(
    Layer.provideMerge(Layer.mergeAll(Migrator.layer(defaultMigrationsDir), Seeder.layer())),
    Layer.provideMerge(EmptyDatabase(options))
  )
