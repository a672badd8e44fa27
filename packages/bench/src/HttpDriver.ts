// Transfers over HTTP with keep-alive connections, one per concurrent request at most: to Tally's API
// (POST /v1/transfers, POST /v1/transfer-batches, on every `tally serve` instance) or to the node-pg baseline
// server. Plain node:http: the client shares the machine with the service, so it should cost as little CPU as
// possible. With several targets, lane i (a closed-loop worker) always goes to target i mod N.
import * as http from "node:http"
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import { Effect, Layer, Redacted } from "effect"
import { Driver, type DriverShape, failed, type Outcome, posted, refused } from "./Driver.ts"
import { NodePgProcess } from "./NodePgProcess.ts"
import { TallyProcesses } from "./TallyProcess.ts"

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

export interface HttpTarget {
  readonly baseUrl: string
  /** The Authorization header, if the target wants one. */
  readonly authorization: string | undefined
}

export interface HttpRoutes {
  readonly transfer: string
  readonly batch: string
  /** The batch request's body. */
  readonly batchBody: (cmds: ReadonlyArray<TransferCommand>) => unknown
}

export const make = Effect.fn("HttpDriver.make")(function* (
  name: string,
  targets: ReadonlyArray<HttpTarget>,
  routes: HttpRoutes
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })
  yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
  const endpoints = targets.map((target) => {
    const base = new URL(target.baseUrl)
    return { host: base.hostname, port: base.port, authorization: target.authorization }
  })

  const post = (lane: number, pathname: string, payload: unknown) =>
    Effect.callback<Reply, string>((resume) => {
      const endpoint = endpoints[lane % endpoints.length]!
      const body = JSON.stringify(payload)
      const request = http.request(
        {
          agent,
          host: endpoint.host,
          port: endpoint.port,
          method: "POST",
          path: pathname,
          headers: {
            ...(endpoint.authorization === undefined ? {} : { authorization: endpoint.authorization }),
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
      request.on("error", (error) => resume(Effect.fail(`network_${(error as NodeJS.ErrnoException).code ?? "error"}`)))
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
    name,
    transfer: (cmd, lane) =>
      post(lane, routes.transfer, wire(cmd)).pipe(
        Effect.map(outcome(1)),
        Effect.catch((code) => Effect.succeed(failed(1, code)))
      ),
    batch: (cmds, lane) =>
      post(lane, routes.batch, routes.batchBody(cmds)).pipe(
        Effect.map(outcome(cmds.length)),
        Effect.catch((code) => Effect.succeed(failed(cmds.length, code)))
      )
  } satisfies DriverShape)
})

/** Tally's HTTP API on every `tally serve` instance, with the admin key. */
export const layer = Layer.effect(
  Driver,
  Effect.gen(function* () {
    const servers = yield* TallyProcesses
    return yield* make(
      "http",
      servers.map((server) => ({
        baseUrl: server.baseUrl,
        authorization: `Bearer ${Redacted.value(server.adminKey)}`
      })),
      {
        transfer: "/v1/transfers",
        batch: "/v1/transfer-batches",
        batchBody: (cmds) => ({ transfers: cmds.map(wire) })
      }
    )
  })
)

/** The node-pg baseline server (NodePgServer.ts). */
export const nodePgLayer = Layer.effect(
  Driver,
  Effect.gen(function* () {
    const server = yield* NodePgProcess
    return yield* make("node-pg", [{ baseUrl: server.baseUrl, authorization: undefined }], {
      transfer: "/transfers",
      batch: "/transfer-batches",
      batchBody: (cmds) => ({ transfers: cmds.map(wire), batchId: cmds[0]?.batchId ?? null })
    })
  })
)
