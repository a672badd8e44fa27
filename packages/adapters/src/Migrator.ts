// Versioned SQL migrations with checksums and down scripts. effect's Migrator records ids only
// (no checksum, no down), so Tally keeps its own small runner (docs/adr/0003-migrations.md).
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Context, Data, Effect, Layer } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import { splitStatements } from "./SqlScript.ts"

export class MigrationError extends Data.TaggedError("MigrationError")<{ readonly message: string }> {}

export interface MigrationFile {
  readonly id: number
  readonly name: string
  readonly upFile: string
  readonly up: string
  readonly down: string | undefined
  readonly checksum: string
}

export interface MigrationStatus {
  readonly id: number
  readonly name: string
  readonly state: "applied" | "pending" | "modified" | "missing"
  readonly appliedAt: Date | null
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$/
// Held for the whole migration transaction: a second instance starting at the same time waits,
// then finds everything applied.
const LOCK_KEY = 72_431_001

export const checksumOf = (text: string) => createHash("sha256").update(text.replace(/\r\n/g, "\n")).digest("hex")

export const loadMigrations = (dir: string): Effect.Effect<ReadonlyArray<MigrationFile>, MigrationError> =>
  Effect.try({
    try: () => {
      const byId = new Map<number, { name: string; up?: string; down?: string; upFile?: string }>()
      for (const file of fs.readdirSync(dir).sort()) {
        if (!file.endsWith(".sql")) continue
        const match = FILE.exec(file)
        if (match === null) throw new Error(`migration file ${file} is not named NNNN_name.up.sql / .down.sql`)
        const id = Number(match[1])
        const entry = byId.get(id) ?? { name: match[2]! }
        if (entry.name !== match[2]) throw new Error(`migration ${match[1]} has two names: ${entry.name}, ${match[2]}`)
        const text = fs.readFileSync(path.join(dir, file), "utf8")
        if (match[3] === "up") {
          entry.up = text
          entry.upFile = file
        } else entry.down = text
        byId.set(id, entry)
      }
      return [...byId.entries()]
        .sort(([a], [b]) => a - b)
        .map(([id, entry]) => {
          if (entry.up === undefined || entry.upFile === undefined) {
            throw new Error(`migration ${String(id).padStart(4, "0")}_${entry.name} has no .up.sql file`)
          }
          return {
            id,
            name: entry.name,
            upFile: entry.upFile,
            up: entry.up,
            down: entry.down,
            checksum: checksumOf(entry.up)
          }
        })
    },
    catch: (error) => new MigrationError({ message: error instanceof Error ? error.message : String(error) })
  })

interface AppliedRow {
  readonly id: number
  readonly name: string
  readonly checksum: string
  readonly appliedAt: Date
}

export class Migrator extends Context.Service<
  Migrator,
  {
    /** Apply every pending migration; refuse when an applied file was edited. Returns the ids applied. */
    readonly up: Effect.Effect<ReadonlyArray<number>, MigrationError | SqlError.SqlError>
    /** Roll back down to `to` (exclusive; default: only the latest). Returns the ids rolled back. */
    readonly down: (to?: number) => Effect.Effect<ReadonlyArray<number>, MigrationError | SqlError.SqlError>
    readonly status: Effect.Effect<ReadonlyArray<MigrationStatus>, MigrationError | SqlError.SqlError>
  }
>()("tally/adapters/Migrator") {
  static readonly layer = (dir: string) =>
    Layer.effect(
      Migrator,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient

        const lockAndEnsureTable = Effect.gen(function* () {
          // a migration may wait for another instance's and may rewrite big tables: no pool timeouts here
          yield* sql`SET LOCAL lock_timeout = 0`
          yield* sql`SET LOCAL statement_timeout = 0`
          yield* sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`
          yield* sql`CREATE TABLE IF NOT EXISTS tally_migrations (
            id integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
          )`
        })

        const applied = sql<AppliedRow>`SELECT id, name, checksum, applied_at AS "appliedAt" FROM tally_migrations ORDER BY id`

        const verify = (files: ReadonlyArray<MigrationFile>, rows: ReadonlyArray<AppliedRow>) =>
          Effect.gen(function* () {
            const byId = new Map(files.map((f) => [f.id, f]))
            for (const row of rows) {
              const file = byId.get(row.id)
              if (file === undefined) {
                return yield* new MigrationError({
                  message: `applied migration ${String(row.id).padStart(4, "0")}_${row.name} has no file in the migrations directory`
                })
              }
              if (file.checksum !== row.checksum) {
                return yield* new MigrationError({
                  message: `migration file ${file.upFile} was edited after it was applied (checksum ${file.checksum.slice(0, 12)} ≠ recorded ${row.checksum.slice(0, 12)}); add a new migration instead`
                })
              }
            }
          })

        const runScript = (script: string) =>
          Effect.forEach(splitStatements(script), (statement) => sql.unsafe(statement), { discard: true })

        const up = Effect.gen(function* () {
          const files = yield* loadMigrations(dir)
          return yield* sql.withTransaction(
            Effect.gen(function* () {
              yield* lockAndEnsureTable
              const rows = yield* applied
              yield* verify(files, rows)
              const done = new Set(rows.map((r) => r.id))
              const pending = files.filter((f) => !done.has(f.id))
              for (const file of pending) {
                yield* runScript(file.up).pipe(
                  Effect.mapError(
                    (error) => new MigrationError({ message: `migration ${file.upFile} failed: ${error.message}` })
                  )
                )
                yield* sql`INSERT INTO tally_migrations (id, name, checksum) VALUES (${file.id}, ${file.name}, ${file.checksum})`
                yield* Effect.logInfo(`applied migration ${file.upFile}`)
              }
              return pending.map((f) => f.id)
            })
          )
        })

        const down = (to?: number) =>
          Effect.gen(function* () {
            const files = yield* loadMigrations(dir)
            return yield* sql.withTransaction(
              Effect.gen(function* () {
                yield* lockAndEnsureTable
                const rows = yield* applied
                yield* verify(files, rows)
                const latest = rows.at(-1)
                if (latest === undefined) return []
                const floor = to ?? rows.at(-2)?.id ?? 0
                const targets = rows.filter((r) => r.id > floor).reverse()
                for (const row of targets) {
                  const file = files.find((f) => f.id === row.id)!
                  if (file.down === undefined) {
                    return yield* new MigrationError({ message: `migration ${file.upFile} has no .down.sql file` })
                  }
                  yield* runScript(file.down).pipe(
                    Effect.mapError(
                      (error) => new MigrationError({ message: `rolling back ${file.upFile} failed: ${error.message}` })
                    )
                  )
                  yield* sql`DELETE FROM tally_migrations WHERE id = ${row.id}`
                  yield* Effect.logInfo(`rolled back migration ${file.upFile}`)
                }
                return targets.map((r) => r.id)
              })
            )
          })

        const status = Effect.gen(function* () {
          const files = yield* loadMigrations(dir)
          const [exists] = yield* sql<{
            present: boolean
          }>`SELECT to_regclass('tally_migrations') IS NOT NULL AS present`
          const rows = exists?.present ? yield* applied : []
          const byId = new Map(rows.map((r) => [r.id, r]))
          const result: Array<MigrationStatus> = files.map((f) => {
            const row = byId.get(f.id)
            return {
              id: f.id,
              name: f.name,
              state: row === undefined ? "pending" : row.checksum === f.checksum ? "applied" : "modified",
              appliedAt: row?.appliedAt ?? null
            }
          })
          for (const row of rows) {
            if (!files.some((f) => f.id === row.id)) {
              result.push({ id: row.id, name: row.name, state: "missing", appliedAt: row.appliedAt })
            }
          }
          return result.sort((a, b) => a.id - b.id)
        })

        return Migrator.of({ up, down, status })
      })
    )
}

/** The repository's migrations directory. */
export const defaultMigrationsDir = path.resolve(import.meta.dirname, "../../../migrations")
