import * as Database from "@tally/adapters/Database"
import { Migrator } from "@tally/adapters/Migrator"
import { Seeder } from "@tally/adapters/Seeds"
import { Console, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { SchemaLive, ServiceLive } from "../Server.ts"
import { clientCommands } from "./Client.ts"
import { ledger } from "./Ledger.ts"

const serve = Command.make("serve", {}, () => Layer.launch(ServiceLive)).pipe(
  Command.withDescription("Run the HTTP/RPC service (embedded PostgreSQL when DATABASE_URL is unset)")
)

const SchemaOnDatabase = SchemaLive.pipe(Layer.provideMerge(Database.layer))
const MigratorLive = SchemaOnDatabase

const migrateUp = Command.make("up", {}, () =>
  Effect.gen(function* () {
    const applied = yield* (yield* Migrator).up
    yield* Console.log(applied.length === 0 ? "nothing to apply" : `applied ${applied.join(", ")}`)
  }).pipe(Effect.provide(MigratorLive))
).pipe(Command.withDescription("Apply pending migrations"))

const migrateDown = Command.make(
  "down",
  { to: Flag.Int("to").pipe(Flag.withDescription("Roll back every migration above this id"), Flag.optional) },
  ({ to }) =>
    Effect.gen(function* () {
      const rolledBack = yield* (yield* Migrator).down(Option.getOrUndefined(to))
      yield* Console.log(rolledBack.length === 0 ? "nothing to roll back" : `rolled back ${rolledBack.join(", ")}`)
    }).pipe(Effect.provide(MigratorLive))
).pipe(Command.withDescription("Roll back the latest migration, or down to --to N"))

const migrateStatus = Command.make("status", {}, () =>
  Effect.gen(function* () {
    const status = yield* (yield* Migrator).status
    for (const m of status) {
      const id = String(m.id).padStart(4, "0")
      yield* Console.log(`${id}  ${m.state.padEnd(8)}  ${m.name}${m.appliedAt ? `  ${m.appliedAt.toISOString()}` : ""}`)
    }
  }).pipe(Effect.provide(MigratorLive))
).pipe(Command.withDescription("List applied and pending migrations"))

const migrate = Command.make("migrate").pipe(
  Command.withDescription("Database migrations"),
  Command.withSubcommands([migrateUp, migrateDown, migrateStatus])
)

const seed = Command.make("seed", {}, () =>
  Effect.gen(function* () {
    yield* (yield* Migrator).up
    const applied = yield* (yield* Seeder).run
    yield* Console.log(applied.length === 0 ? "no pending seed steps" : `applied ${applied.join(", ")}`)
  }).pipe(Effect.provide(SchemaOnDatabase))
).pipe(Command.withDescription("Apply pending seed steps (system owner, world and FX liquidity accounts)"))

export const commands = [serve, migrate, seed, ledger, ...clientCommands] as const
