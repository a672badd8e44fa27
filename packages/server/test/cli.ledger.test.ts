// `tally ledger verify` as an operator runs it: a child process on DATABASE_URL, exit 0 when clean, 1 with the
// offending rows when not.
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { DatabaseInfo } from "@tally/adapters/Database"
import { TestDatabase } from "@tally/adapters/test/support/TestDatabase"
import { Effect, Redacted } from "effect"

const main = path.resolve(import.meta.dirname, "../src/main.ts")

const verify = (url: string) =>
  spawnSync(process.execPath, [main, "ledger", "verify"], {
    env: { ...process.env, DATABASE_URL: url, TALLY_LOG_LEVEL: "Warn" },
    encoding: "utf8",
    timeout: 60_000
  })

layer(TestDatabase(), { timeout: 120_000 })("tally ledger verify", (it) => {
  it.effect("exits 0 on a clean ledger and 1 naming the offending account after a corruption", () =>
    Effect.gen(function* () {
      const url = Redacted.value((yield* DatabaseInfo).url)
      const clean = verify(url)
      assert.strictEqual(clean.status, 0, clean.stdout + clean.stderr)
      assert.include(clean.stdout, "ledger is clean")

      const sql = yield* PgClient.PgClient
      const [account] = yield* sql<{ id: string }>`SELECT account_id AS id FROM system_accounts LIMIT 1`
      // a balance that no entry explains (accounts are writable; entries are not)
      yield* sql`UPDATE accounts SET posted = posted + 1 WHERE id = ${account!.id}`
      const dirty = verify(url)
      assert.strictEqual(dirty.status, 1, dirty.stdout + dirty.stderr)
      assert.include(dirty.stdout, account!.id)
      assert.include(dirty.stdout, "account_posted")
    })
  )
})
