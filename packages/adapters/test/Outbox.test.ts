import { describe, layer } from "@effect/vitest"
import { Layer } from "effect"
import * as MemoryStores from "../src/memory/MemoryStores.ts"
import { outboxContract } from "./contract/OutboxContract.ts"
import { PgStores, TestSecrets } from "./support/Stores.ts"
import { TestDatabase } from "./support/TestDatabase.ts"

describe("outbox and job store on each store", () => {
  layer(Layer.merge(MemoryStores.layer, TestSecrets))("in memory", outboxContract)
  layer(Layer.merge(PgStores, TestSecrets).pipe(Layer.provide(TestDatabase())), { timeout: 60_000 })(
    "PostgreSQL",
    outboxContract
  )
})
