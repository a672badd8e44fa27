// `tally` with only the client commands, for cli.test.ts: run as `node TallyCli.ts accounts list …`.
// Once main.ts lists `clientCommands`, the test can run src/main.ts instead.
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { clientCommands } from "../../src/cli/Client.ts"

Command.make("tally").pipe(
  Command.withSubcommands(clientCommands),
  Command.run({ version: "test" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
