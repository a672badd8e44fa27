// The embedded PostgreSQL is supervised for its scope's lifetime: killed under us (here `-m immediate`, SIGQUIT
// to the postmaster), it is started again on the same port and data, and a pool on it reconnects.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Scope } from "effect"
import * as EmbeddedPostgres from "../src/EmbeddedPostgres.ts"

const postmasterPid = (dataDir: string) =>
  Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0])

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("EmbeddedPostgres", () => {
  it.live(
    "a postgres that dies is started again on the same port; the pool reconnects; stop ends it",
    () =>
      Effect.gen(function* () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-embedded-"))
        fs.chmodSync(dir, 0o755)
        const dataDir = path.join(dir, "data")
        const scope = yield* Scope.make()
        const handle = yield* EmbeddedPostgres.start({ dataDir, port: 0 }).pipe(Scope.provide(scope))
        const pool = yield* Layer.buildWithScope(
          PgClient.layer({ url: handle.url, maxConnections: 2, connectTimeout: "2 seconds" }),
          scope
        )
        const select = Effect.flatMap(PgClient.PgClient, (sql) => sql<{ n: number }>`SELECT 1 AS n`).pipe(
          Effect.provideContext(pool)
        )
        assert.deepStrictEqual(yield* select, [{ n: 1 }])

        const first = postmasterPid(dataDir)
        process.kill(first, "SIGQUIT")
        for (let i = 0; i < 300 && isAlive(first); i++) yield* Effect.sleep("20 millis")
        assert.isFalse(isAlive(first), "the postmaster is gone")
        let back = false
        for (let i = 0; i < 300 && !back; i++) {
          back = (yield* Effect.exit(select))._tag === "Success"
          if (!back) yield* Effect.sleep("100 millis")
        }
        assert.isTrue(back, "the database came back and the pool reconnected")
        const second = postmasterPid(dataDir)
        assert.notStrictEqual(second, first)
        assert.isTrue(isAlive(second))

        yield* Scope.close(scope, Exit.void)
        assert.isFalse(isAlive(second), "closing the scope stops it for good")
        assert.isFalse(fs.existsSync(`${dataDir}.owner`))
        fs.rmSync(dir, { recursive: true, force: true })
      }),
    { timeout: 120_000 }
  )
})
