// Base data every Tally needs (the system owner, world and FX-liquidity accounts). Each step runs
// once: it is recorded in `tally_seeds` in the same transaction, under an advisory lock.
import { PgClient } from "@effect/sql-pg"
import { Context, Data, Effect, Layer } from "effect"
import type { SqlError } from "effect/sql"
import { uuidv7 } from "./Uuid.ts"

export class SeedError extends Data.TaggedError("SeedError")<{ readonly message: string }> {}

export const SYSTEM_OWNER_ID = "00000000-0000-7000-8000-000000000001"
/** Currencies that get a world account and an FX liquidity account from the seeds. */
export const SYSTEM_CURRENCIES = ["EUR", "USD", "GBP", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "BHD", "KWD"]

export interface SeedStep {
  readonly name: string
  readonly run: Effect.Effect<void, SqlError.SqlError, PgClient.PgClient>
}

const systemAccounts = (kind: "world" | "fx_liquidity") =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    for (const currency of SYSTEM_CURRENCIES) {
      const id = uuidv7()
      yield* sql`INSERT INTO accounts (id, currency, owner_id, allow_negative, metadata, created_at, updated_at)
        VALUES (${id}, ${currency}, ${SYSTEM_OWNER_ID}, true, ${sql.json({ system: kind })}, now(), now())`
      yield* sql`INSERT INTO system_accounts (kind, currency, account_id) VALUES (${kind}, ${currency}, ${id})`
    }
  })

export const steps: ReadonlyArray<SeedStep> = [
  {
    name: "0001_system_owner",
    run: Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      yield* sql`INSERT INTO owners (id, kind, name) VALUES (${SYSTEM_OWNER_ID}, 'system', 'Tally system')`
    })
  },
  { name: "0002_world_accounts", run: systemAccounts("world") },
  { name: "0003_fx_liquidity_accounts", run: systemAccounts("fx_liquidity") }
]

const LOCK_KEY = 72_431_002

export class Seeder extends Context.Service<
  Seeder,
  {
    /** Run the pending seed steps; returns the names applied. */
    readonly run: Effect.Effect<ReadonlyArray<string>, SeedError | SqlError.SqlError>
    readonly pending: Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
  }
>()("tally/adapters/Seeder") {
  static readonly layer = (seedSteps: ReadonlyArray<SeedStep> = steps) =>
    Layer.effect(
      Seeder,
      Effect.gen(function* () {
        const sql = yield* PgClient.PgClient
        const appliedNames = sql<{ name: string }>`SELECT name FROM tally_seeds`.pipe(
          Effect.map((rows) => new Set(rows.map((r) => r.name)))
        )
        const pending = Effect.map(appliedNames, (done) =>
          seedSteps.filter((s) => !done.has(s.name)).map((s) => s.name)
        )
        const run = sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`
            const done = yield* appliedNames
            const applied: Array<string> = []
            for (const step of seedSteps) {
              if (done.has(step.name)) continue
              yield* step.run.pipe(
                Effect.provideService(PgClient.PgClient, sql),
                Effect.mapError(
                  (error) => new SeedError({ message: `seed step ${step.name} failed: ${error.message}` })
                )
              )
              yield* sql`INSERT INTO tally_seeds (name) VALUES (${step.name})`
              yield* Effect.logInfo(`applied seed step ${step.name}`)
              applied.push(step.name)
            }
            return applied
          })
        )
        return Seeder.of({ run, pending })
      })
    )
}
