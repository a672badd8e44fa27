#!/usr/bin/env node
// `npm run bench -- --scenario uniform --baseline pgbench`: see packages/bench/README.md.
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect, References } from "effect"
import { Command } from "effect/cli"
import { bench } from "./Cli.ts"

bench.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provideService(References.MinimumLogLevel, "Warn"),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
