import { describe, layer } from "@effect/vitest"
import { Layer } from "effect"
import * as MemoryLedgerStore from "../src/memory/MemoryLedgerStore.ts"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { ledgerContract } from "./contract/LedgerContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

describe("ledger use cases on each store", () => {
  layer(MemoryLedgerStore.layer)("in memory", ledgerContract)
  layer(PgLedgerStore.layer.pipe(Layer.provide(TestDatabase())), { timeout: 60_000 })("PostgreSQL", ledgerContract)
})
