import { describe, layer } from "@effect/vitest"
import { Layer } from "effect"
import * as MemoryLedgerStore from "../src/memory/MemoryLedgerStore.ts"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { ledgerBatchAndPostContract } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

describe("batches with repeated ids and partial posts, on each store", () => {
  layer(MemoryLedgerStore.layer)("in memory", ledgerBatchAndPostContract)
  layer(PgLedgerStore.layer.pipe(Layer.provide(TestDatabase())), { timeout: 60_000 })(
    "PostgreSQL",
    ledgerBatchAndPostContract
  )
})
