import { describe, layer } from "@effect/vitest"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Layer } from "effect"
import * as MemoryLedgerStore from "../src/memory/MemoryLedgerStore.ts"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { ledgerContract } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

/** Group commit is on by default (docs/adr/0024); the contract holds with it off as well. */
const groupCommitOff = Layer.succeed(Transfers.GroupCommit, {
  enabled: false,
  windowMillis: 0,
  sizeMax: 1,
  inFlightMax: 0
})

describe("ledger use cases on each store", () => {
  layer(MemoryLedgerStore.layer)("in memory", ledgerContract)
  layer(PgLedgerStore.layer.pipe(Layer.provide(TestDatabase())), { timeout: 60_000 })("PostgreSQL", ledgerContract)
  layer(Layer.merge(MemoryLedgerStore.layer, groupCommitOff))("in memory, group commit off", ledgerContract)
  layer(Layer.merge(PgLedgerStore.layer.pipe(Layer.provide(TestDatabase())), groupCommitOff), { timeout: 60_000 })(
    "PostgreSQL, group commit off",
    ledgerContract
  )
})
