// Transfers over Tally's RPC endpoint with the typed client the server publishes (`makeTallyClient`), on one
// WebSocket connection per `tally serve` instance that multiplexes every concurrent call (lane i goes to
// instance i mod N). The bench is a client of the service, like
// the CLI: importing the published client is allowed; nothing in the hexagon imports the server.
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import { makeTallyClient } from "@tally/server/rpc/Client"
import { Effect, Layer } from "effect"
import { Driver, failed, type Outcome, posted, refused } from "./Driver.ts"
import { TallyProcesses } from "./TallyProcess.ts"

const wire = (cmd: TransferCommand) => ({
  id: cmd.id,
  debitAccountId: cmd.debitAccountId,
  creditAccountId: cmd.creditAccountId,
  amount: cmd.amountMinor.toString()
})

const outcomeOf =
  (transfers: number) =>
  (error: {
    readonly _tag: string
    readonly code?: string
    readonly errors?: ReadonlyArray<{ code: string }>
  }): Outcome =>
    error._tag === "TransferRefused"
      ? refused(transfers, [error.code ?? "unknown"])
      : error._tag === "BatchRefused"
        ? refused(
            transfers,
            (error.errors ?? []).map((e) => e.code)
          )
        : failed(transfers, error.code ?? error._tag)

export const layer = Layer.effect(
  Driver,
  Effect.gen(function* () {
    const servers = yield* TallyProcesses
    const clients = yield* Effect.forEach(servers, (server) =>
      makeTallyClient({ url: server.baseUrl, apiKey: server.adminKey, transport: "websocket" })
    )
    const client = (lane: number) => clients[lane % clients.length]!
    return Driver.of({
      name: "rpc",
      transfer: (cmd, lane) =>
        client(lane)
          .transfers.create(wire(cmd))
          .pipe(
            Effect.as(posted(1)),
            Effect.catch((error) => Effect.succeed(outcomeOf(1)(error as never)))
          ),
      batch: (cmds, lane) =>
        client(lane)
          .transfers.batch({ transfers: cmds.map(wire) })
          .pipe(
            Effect.as(posted(cmds.length)),
            Effect.catch((error) => Effect.succeed(outcomeOf(cmds.length)(error as never)))
          )
    })
  })
)
