#!/usr/bin/env node
// `tally` — the CLI. `serve` runs the service; the rest are operator and client commands.
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { commands } from "./cli/Commands.ts"
import { version } from "./Version.ts"

Command.make("tally").pipe(
  Command.withDescription("Tally — a double-entry ledger service"),
  Command.withSubcommands(commands),
  Command.run({ version }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
