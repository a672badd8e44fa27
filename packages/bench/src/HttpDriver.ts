// Transfers over Tally's HTTP API (POST /v1/transfers, POST /v1/transfer-batches) with keep-alive connections,
// one per concurrent request at most. Plain node:http: the client shares the machine with the service, so it
// should cost as little CPU as possible.
import * as http from "node:http"
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import { Effect, Layer, Redacted } from "effect"
import { Driver, failed, type Outcome, posted, refused } from "./Driver.ts"
import { TallyProcess } from "./TallyProcess.ts"

const wire = (cmd: TransferCommand) => ({
  id: cmd.id,
  debitAccountId: cmd.debitAccountId,
  creditAccountId: cmd.creditAccountId,
  amount: cmd.amountMinor.toString()
})

interface Reply {
  readonly status: number
  readonly body: string
}

const problemCodes = (body: string): ReadonlyArray<string> => {
  try {
    const problem = JSON.parse(body) as { code?: unknown; errors?: ReadonlyArray<{ code?: unknown }> }
    if (Array.isArray(problem.errors)) return problem.errors.map((e) => String(e.code ?? "unknown"))
    return [String(problem.code ?? "unknown")]
  } catch {
    return ["unparseable_problem"]
  }
}

export const layer = Layer.effect(
  Driver,
  Effect.gen(function* () {
    const server = yield* TallyProcess
    const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })
    yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
    const base = new URL(server.baseUrl)
    const authorization = `Bearer ${Redacted.value(server.adminKey)}`

    const post = (pathname: string, payload: unknown) =>
      Effect.callback<Reply, string>((resume) => {
        const body = JSON.stringify(payload)
        const request = http.request(
          {
            agent,
            host: base.hostname,
            port: base.port,
            method: "POST",
            path: pathname,
            headers: {
              authorization,
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body)
            }
          },
          (response) => {
            let text = ""
            response.setEncoding("utf8")
            response.on("data", (chunk: string) => {
              text += chunk
            })
            response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, body: text })))
            response.on("error", (error) =>
              resume(Effect.fail(`network_${(error as NodeJS.ErrnoException).code ?? "error"}`))
            )
          }
        )
        request.on("error", (error) =>
          resume(Effect.fail(`network_${(error as NodeJS.ErrnoException).code ?? "error"}`))
        )
        request.end(body)
      })

    const outcome =
      (transfers: number) =>
      (reply: Reply): Outcome =>
        reply.status === 201
          ? posted(transfers)
          : reply.status === 422
            ? refused(transfers, problemCodes(reply.body))
            : failed(transfers, `http_${reply.status}`)

    return Driver.of({
      name: "http",
      transfer: (cmd) =>
        post("/v1/transfers", wire(cmd)).pipe(
          Effect.map(outcome(1)),
          Effect.catch((code) => Effect.succeed(failed(1, code)))
        ),
      batch: (cmds) =>
        post("/v1/transfer-batches", { transfers: cmds.map(wire) }).pipe(
          Effect.map(outcome(cmds.length)),
          Effect.catch((code) => Effect.succeed(failed(cmds.length, code)))
        )
    })
  })
)
