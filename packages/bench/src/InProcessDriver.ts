// Tally's transfer use cases called directly on the PostgreSQL store: the ledger without any transport.
import * as PgLedgerStore from "@tally/adapters/postgres/PgLedgerStore"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { LedgerTelemetry } from "@tally/domain/ports/LedgerTelemetry"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Config, Effect, Layer, Metric } from "effect"
import { Driver, failed, type Outcome, posted, refused } from "./Driver.ts"
import { GROUP_COMMIT_SIZE } from "./GroupCommit.ts"

/** The service's histogram (packages/server/src/metrics/Definitions.ts), in this process: read by ServerMetrics. */
const groupCommitSize = Metric.histogram(GROUP_COMMIT_SIZE, {
  description: "Single transfers per group-commit transaction",
  boundaries: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
})

const telemetry = {
  committed: () => Effect.void,
  holdRefused: () => Effect.void,
  grouped: (size: number) => Metric.update(groupCommitSize, size)
}

/** Anything but a ledger refusal is an error, named by its tag (StoreUnavailable, TransferIdReused, …). */
const otherwise =
  (transfers: number) =>
  <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(
      Effect.catch((error) => Effect.succeed<Outcome>(failed(transfers, error._tag))),
      Effect.catchDefect(() => Effect.succeed<Outcome>(failed(transfers, "defect")))
    )

/** The service's group commit settings (packages/server/src/Server.ts GroupCommitLive), read the same way. */
const groupCommit = Config.all({
  enabled: Config.Boolean("TALLY_GROUP_COMMIT_ENABLED").pipe(Config.withDefault(true)),
  windowMillis: Config.Int("TALLY_GROUP_COMMIT_WINDOW_MS").pipe(Config.withDefault(0)),
  sizeMax: Config.Int("TALLY_GROUP_COMMIT_SIZE_MAX").pipe(Config.withDefault(100)),
  inFlightMax: Config.Int("TALLY_GROUP_COMMIT_IN_FLIGHT_MAX").pipe(Config.withDefault(2))
})

export const layer = Layer.effect(
  Driver,
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const settings = yield* groupCommit
    return Driver.of({
      name: "inprocess",
      transfer: (cmd) =>
        Transfers.create(cmd, null).pipe(
          Effect.as(posted(1)),
          Effect.catchTag("TransferRefused", (e) => Effect.succeed(refused(1, [e.code]))),
          otherwise(1),
          Effect.provideService(LedgerStore, store),
          Effect.provideService(Transfers.GroupCommit, settings),
          Effect.provideService(LedgerTelemetry, telemetry)
        ),
      batch: (cmds) =>
        Transfers.createBatch(cmds, null).pipe(
          Effect.as(posted(cmds.length)),
          Effect.catchTag("BatchRefused", (e) =>
            Effect.succeed(
              refused(
                cmds.length,
                e.errors.map((item) => item.code)
              )
            )
          ),
          otherwise(cmds.length),
          Effect.provideService(LedgerStore, store)
        )
    })
  })
).pipe(Layer.provide(PgLedgerStore.layer))
