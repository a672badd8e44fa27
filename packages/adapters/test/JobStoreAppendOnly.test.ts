// The database itself refuses UPDATE, DELETE and TRUNCATE on events, jobs and transitions; only a transaction
// that says it is the retention job (tally.job_retention) may DELETE.

import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import * as Users from "@tally/domain/usecases/Users"
import { Effect, Layer } from "effect"
import { PgStores, TestSecrets } from "./support/Stores.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

const Live = Layer.mergeAll(PgStores, TestSecrets).pipe(Layer.provideMerge(TestDatabase()))

const refused = (statement: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const error = yield* Effect.flip(sql.unsafe(statement))
    return String(error.reason.cause instanceof Error ? error.reason.cause.message : error.message)
  })

layer(Live, { timeout: 60_000 })("job store is append-only", (it) => {
  it.effect("UPDATE, DELETE and TRUNCATE are refused on events, jobs and transitions", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      // a signup emits user.signed_up, which has a mail job: every table has a row
      yield* Users.signup({ email: "append-only@example.com", name: "A", password: "correct horse battery" })
      const statements = [
        "UPDATE events SET source = 'x'",
        "DELETE FROM events",
        "TRUNCATE events CASCADE",
        "UPDATE jobs SET destination = 'webhook'",
        "DELETE FROM jobs",
        "TRUNCATE jobs CASCADE",
        "UPDATE transitions SET error = 'x'",
        "DELETE FROM transitions",
        "TRUNCATE transitions CASCADE"
      ]
      for (const statement of statements) {
        const message = yield* refused(statement)
        assert.match(message, /append-only/, statement)
      }
      const [counts] = yield* sql<{ events: number; jobs: number; transitions: number }>`SELECT
        (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM jobs)::int AS jobs,
        (SELECT count(*) FROM transitions)::int AS transitions`
      assert.isAtLeast(counts!.events, 1)
      assert.isAtLeast(counts!.jobs, 1)
      assert.isAtLeast(counts!.transitions, 2)
    })
  )

  it.effect("an illegal transition is refused by the CHECK, a fork of a job's history by the primary key", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const [job] = yield* sql<{ id: string }>`SELECT id FROM jobs LIMIT 1`
      const illegal = yield* refused(
        `INSERT INTO transitions (job_id, seq, attempt, state_before, state_after, created_at)
         VALUES ('${job!.id}', 2, 0, 'awaiting', 'succeeded', now())`
      )
      assert.match(illegal, /transitions_legal/)
      const fork = yield* refused(
        `INSERT INTO transitions (job_id, seq, attempt, state_before, state_after, due_at, created_at)
         VALUES ('${job!.id}', 1, 0, 'acknowledged', 'awaiting', now(), now())`
      )
      assert.match(fork, /duplicate key/)
    })
  )

  it.effect("the retention job's transaction may delete", () =>
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const deleted = yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`SELECT set_config('tally.job_retention', 'on', true)`
          yield* sql`DELETE FROM job_queue`
          yield* sql`DELETE FROM transitions`
          yield* sql`DELETE FROM jobs`
          const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs`
          return row!.n
        })
      )
      assert.strictEqual(deleted, 0)
      // the setting was local to that transaction
      assert.match(yield* refused("DELETE FROM events"), /append-only/)
    })
  )
})
