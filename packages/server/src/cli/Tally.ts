// The `tally` command tree, run on Node. main.ts imports it once the compile cache is on.
// Deep imports: the package index also loads NodeRedis, and with it ~650 modules of redis.
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { version } from "../Version.ts"
import { commands } from "./Commands.ts"

Command.make("tally").pipe(
  Command.withDescription("Tally — a double-entry ledger service"),
  Command.withSubcommands(commands),
  Command.run({ version }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
