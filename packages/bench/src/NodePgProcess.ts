// The node-pg baseline server (NodePgServer.ts) started as its own process on the run's database, like
// `tally serve`, so its CPU is counted apart from the bench's. Settings go over the IPC channel; stopped with
// SIGINT at the end.
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Context, Duration, Effect, Layer, Redacted, Schema } from "effect"
import type { NodePgStart } from "./NodePgServer.ts"

export class NodePgProcessError extends Schema.TaggedError<NodePgProcessError>()("NodePgProcessError", {
  message: Schema.String
}) {}

export interface NodePgProcessShape {
  readonly baseUrl: string
  readonly pid: number | undefined
}

export class NodePgProcess extends Context.Service<NodePgProcess, NodePgProcessShape>()("tally/bench/NodePgProcess") {
  static readonly layer = (options: { readonly databaseUrl: Redacted.Redacted; readonly poolMax: number }) =>
    Layer.effect(NodePgProcess, start(options))
}

const STARTUP_TIMEOUT = Duration.seconds(30)

const stop = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    child.kill("SIGINT")
  })

const start = (options: { readonly databaseUrl: Redacted.Redacted; readonly poolMax: number }) =>
  Effect.gen(function* () {
    const main = fileURLToPath(new URL("./NodePgServer.ts", import.meta.url))
    let output = ""
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const child = spawn(process.execPath, [main], { stdio: ["ignore", "pipe", "pipe", "ipc"] })
        const keep = (chunk: Buffer) => {
          output = (output + chunk.toString("utf8")).slice(-4000)
        }
        child.stdout?.on("data", keep)
        child.stderr?.on("data", keep)
        return child
      }),
      stop
    )
    const port = yield* Effect.callback<number, NodePgProcessError>((resume) => {
      child.once("message", (message) => resume(Effect.succeed((message as { port: number }).port)))
      child.once("exit", (code) =>
        resume(Effect.fail(new NodePgProcessError({ message: `node-pg server exited with ${code}:\n${output}` })))
      )
      child.send({ databaseUrl: Redacted.value(options.databaseUrl), poolMax: options.poolMax } satisfies NodePgStart)
    }).pipe(
      Effect.timeoutOrElse({
        duration: STARTUP_TIMEOUT,
        orElse: () => Effect.fail(new NodePgProcessError({ message: `node-pg server did not start:\n${output}` }))
      })
    )
    return NodePgProcess.of({ baseUrl: `http://127.0.0.1:${port}`, pid: child.pid })
  })
