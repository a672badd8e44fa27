import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import { defaultMigrationsDir, loadMigrations, Migrator } from "../src/Migrator.ts"
import { splitStatements } from "../src/SqlScript.ts"
import { EmptyDatabase } from "./support/TestDatabase.ts"

const tempMigrations = (files: Record<string, string>) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-migrations-"))
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text)
  return dir
}

const tables = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  const rows = yield* sql<{
    name: string
  }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`
  return rows.map((r) => r.name)
})

describe("splitStatements", () => {
  it("splits on semicolons outside quotes, dollar quotes and comments", () => {
    const script = `-- a comment; with a semicolon
CREATE TABLE a (x text DEFAULT 'a;b');
/* block; comment */ CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN RAISE 'no;'; END $body$ LANGUAGE plpgsql;
SELECT "we;ird" FROM a`
    const statements = splitStatements(script)
    assert.strictEqual(statements.length, 3)
    assert.include(statements[0], "'a;b'")
    assert.include(statements[1], "RAISE 'no;'; END $body$")
    assert.strictEqual(statements[2], 'SELECT "we;ird" FROM a')
  })

  it("ignores empty statements", () => {
    assert.deepStrictEqual(splitStatements(";;\n  ;"), [])
  })
})

describe("loadMigrations", () => {
  it.effect("refuses badly named files and ups without a file", () =>
    Effect.gen(function* () {
      const bad = tempMigrations({ "1_x.up.sql": "SELECT 1" })
      const error = yield* Effect.flip(loadMigrations(bad))
      assert.include(error.message, "1_x.up.sql")
      const onlyDown = tempMigrations({ "0001_x.down.sql": "SELECT 1" })
      assert.include((yield* Effect.flip(loadMigrations(onlyDown))).message, "no .up.sql")
    })
  )

  it.effect("the repository's migrations all have a down script", () =>
    Effect.gen(function* () {
      const files = yield* loadMigrations(defaultMigrationsDir)
      assert.isAbove(files.length, 0)
      for (const file of files) assert.isDefined(file.down, `${file.upFile} has no down`)
    })
  )
})

layer(EmptyDatabase(), { timeout: 60_000 })("Migrator on PostgreSQL", (it) => {
  it.effect("applies, reports, refuses edits, rolls back", () =>
    Effect.gen(function* () {
      const dir = tempMigrations({
        "0001_one.up.sql": "CREATE TABLE one (id int PRIMARY KEY); CREATE INDEX one_idx ON one (id);",
        "0001_one.down.sql": "DROP TABLE one;",
        "0002_two.up.sql": "CREATE TABLE two (id int PRIMARY KEY);",
        "0002_two.down.sql": "DROP TABLE two;"
      })
      const migrator = yield* Effect.provide(Migrator, Migrator.layer(dir))
      assert.deepStrictEqual(
        (yield* migrator.status).map((m) => m.state),
        ["pending", "pending"]
      )
      assert.deepStrictEqual(yield* migrator.up, [1, 2])
      assert.deepStrictEqual(yield* migrator.up, [])
      assert.includeMembers(yield* tables, ["one", "two", "tally_migrations"])
      assert.deepStrictEqual(
        (yield* migrator.status).map((m) => m.state),
        ["applied", "applied"]
      )

      // editing an applied file is refused, naming the file
      fs.appendFileSync(path.join(dir, "0002_two.up.sql"), "\n-- edited\n")
      const error = yield* Effect.flip(migrator.up)
      assert.strictEqual(error._tag, "MigrationError")
      assert.include(error.message, "0002_two.up.sql")
      assert.deepStrictEqual(
        (yield* migrator.status).map((m) => m.state),
        ["applied", "modified"]
      )
      fs.writeFileSync(path.join(dir, "0002_two.up.sql"), "CREATE TABLE two (id int PRIMARY KEY);")

      // down: the latest only, then down to 0
      assert.deepStrictEqual(yield* migrator.down(), [2])
      assert.notInclude(yield* tables, "two")
      assert.deepStrictEqual(yield* migrator.down(0), [1])
      assert.notInclude(yield* tables, "one")
      assert.deepStrictEqual(yield* migrator.down(), [])
    })
  )

  it.effect("a failing migration applies nothing and names the file", () =>
    Effect.gen(function* () {
      const dir = tempMigrations({
        "0001_ok.up.sql": "CREATE TABLE ok_table (id int);",
        "0002_bad.up.sql": "CREATE TABLE bad_table (id int); SELECT * FROM no_such_table;"
      })
      const migrator = yield* Effect.provide(Migrator, Migrator.layer(dir))
      const error = yield* Effect.flip(migrator.up)
      assert.include(error.message, "0002_bad.up.sql")
      const present = yield* tables
      assert.notInclude(present, "ok_table")
      assert.notInclude(present, "bad_table")
    })
  )

  it.effect("concurrent runs apply each migration exactly once", () =>
    Effect.gen(function* () {
      const dir = tempMigrations({
        "0001_counted.up.sql": "CREATE TABLE counted (id int); INSERT INTO counted VALUES (1);",
        "0002_more.up.sql": "INSERT INTO counted VALUES (2);"
      })
      const migrator = yield* Effect.provide(Migrator, Migrator.layer(dir))
      const results = yield* Effect.all(
        Array.from({ length: 6 }, () => migrator.up),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(results.flat().sort(), [1, 2])
      const sql = yield* PgClient.PgClient
      const rows = yield* sql<{ n: string }>`SELECT count(*)::text AS n FROM counted`
      assert.strictEqual(rows[0]!.n, "2")
      yield* sql`DROP TABLE counted`
      yield* sql`DELETE FROM tally_migrations`
    })
  )
})
