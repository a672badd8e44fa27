// The work of the operator commands (serve, migrate, seed). Commands.ts imports this module only when one of
// them runs, so a client command starts without the server, the database driver and embedded PostgreSQL.
import * as Database from "@tally/adapters/Database"
import { Migrator } from "@tally/adapters/Migrator"
import { Seeder } from "@tally/adapters/Seeds"
import { Console, Effect, Layer } from "effect"
import { SchemaLive, ServiceLive } from "../Server.ts"

export const serve = Layer.launch(ServiceLive)

const SchemaOnDatabase = SchemaLive.pipe(Layer.provideMerge(Database.layer))

export const migrateUp = Effect.gen(function* () {
  const applied = yield* (yield* Migrator).up
  yield* Console.log(applied.length === 0 ? "nothing to apply" : `applied ${applied.join(", ")}`)
}).pipe(Effect.provide(SchemaOnDatabase))

export const migrateDown = (to: number | undefined) =>
  Effect.gen(function* () {
    const rolledBack = yield* (yield* Migrator).down(to)
    yield* Console.log(rolledBack.length === 0 ? "nothing to roll back" : `rolled back ${rolledBack.join(", ")}`)
  }).pipe(Effect.provide(SchemaOnDatabase))

export const migrateStatus = Effect.gen(function* () {
  const status = yield* (yield* Migrator).status
  for (const m of status) {
    const id = String(m.id).padStart(4, "0")
    yield* Console.log(`${id}  ${m.state.padEnd(8)}  ${m.name}${m.appliedAt ? `  ${m.appliedAt.toISOString()}` : ""}`)
  }
}).pipe(Effect.provide(SchemaOnDatabase))

export const seed = Effect.gen(function* () {
  yield* (yield* Migrator).up
  const applied = yield* (yield* Seeder).run
  yield* Console.log(applied.length === 0 ? "no pending seed steps" : `applied ${applied.join(", ")}`)
}).pipe(Effect.provide(SchemaOnDatabase))
