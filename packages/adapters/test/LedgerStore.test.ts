import { describe, layer } from "@effect/vitest"
import { Layer } from "effect"
import * as MemoryLedgerStore from "../src/memory/MemoryLedgerStore.ts"
import * as PgLedgerStore from "../src/postgres/PgLedgerStore.ts"
import { ledgerStoreContract } from "./contract/LedgerStoreContract.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

describe("LedgerStore contract", () => {
  layer(MemoryLedgerStore.layer)("in memory", ledgerStoreContract)
  layer(PgLedgerStore.layer.pipe(Layer.provide(TestDatabase())), { timeout: 60_000 })("PostgreSQL", ledgerStoreContract)
})
