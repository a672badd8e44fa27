import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Seeder, SYSTEM_CURRENCIES } from "../src/Seeds.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

layer(TestDatabase(), { timeout: 60_000 })("Seeds", (it) => {
  it.effect("each step runs once and is recorded", () =>
    Effect.gen(function* () {
      const seeder = yield* Seeder
      assert.deepStrictEqual(yield* seeder.pending, [])
      assert.deepStrictEqual(yield* seeder.run, [])
      const sql = yield* PgClient.PgClient
      const recorded = yield* sql<{ name: string }>`SELECT name FROM tally_seeds ORDER BY name`
      assert.deepStrictEqual(
        recorded.map((r) => r.name),
        ["0001_system_owner", "0002_world_accounts", "0003_fx_liquidity_accounts"]
      )
      const system = yield* sql<{ kind: string; n: number }>`
        SELECT kind, count(*)::int AS n FROM system_accounts GROUP BY kind ORDER BY kind`
      assert.deepStrictEqual(system, [
        { kind: "fx_liquidity", n: SYSTEM_CURRENCIES.length },
        { kind: "world", n: SYSTEM_CURRENCIES.length }
      ])
    })
  )

  it.effect("a step added later is the only one applied on the next run", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const extra = {
        name: "9999_test_owner",
        run: Effect.asVoid(
          Effect.flatMap(
            PgClient.PgClient,
            (s) => s`INSERT INTO owners (id, kind, name) VALUES (gen_random_uuid(), 'service', 'extra')`
          )
        )
      }
      const seeder = yield* Effect.provide(Seeder, Seeder.layer([extra]))
      assert.deepStrictEqual(yield* seeder.run, ["9999_test_owner"])
      assert.deepStrictEqual(yield* seeder.run, [])
      const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM owners WHERE name = 'extra'`
      assert.strictEqual(rows[0]!.n, 1)
    })
  )
})
