import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { clientCommands } from "./Client.ts"
import { ledger } from "./Ledger.ts"

// Loaded when an operator command runs, not at start-up: a client command never needs it (docs/reference/cli.md).
const operator = Effect.promise(() => import("./Operator.ts"))

const serve = Command.make("serve", {}, () => Effect.flatMap(operator, (o) => o.serve)).pipe(
  Command.withDescription("Run the HTTP/RPC service (embedded PostgreSQL when DATABASE_URL is unset)")
)

const migrateUp = Command.make("up", {}, () => Effect.flatMap(operator, (o) => o.migrateUp)).pipe(
  Command.withDescription("Apply pending migrations")
)

const migrateDown = Command.make(
  "down",
  { to: Flag.Int("to").pipe(Flag.withDescription("Roll back every migration above this id"), Flag.optional) },
  ({ to }) => Effect.flatMap(operator, (o) => o.migrateDown(Option.getOrUndefined(to)))
).pipe(Command.withDescription("Roll back the latest migration, or down to --to N"))

const migrateStatus = Command.make("status", {}, () => Effect.flatMap(operator, (o) => o.migrateStatus)).pipe(
  Command.withDescription("List applied and pending migrations")
)

const migrate = Command.make("migrate").pipe(
  Command.withDescription("Database migrations"),
  Command.withSubcommands([migrateUp, migrateDown, migrateStatus])
)

const seed = Command.make("seed", {}, () => Effect.flatMap(operator, (o) => o.seed)).pipe(
  Command.withDescription("Apply pending seed steps (system owner, world and FX liquidity accounts)")
)

export const commands = [serve, migrate, seed, ledger, ...clientCommands] as const
