import { describe, layer } from "@effect/vitest"
import { Layer } from "effect"
import * as MemoryLedgerStore from "../../src/memory/MemoryLedgerStore.ts"
import * as PgLedgerStore from "../../src/postgres/PgLedgerStore.ts"
import * as MemoryTicketingStore from "../../src/ticketing/MemoryTicketingStore.ts"
import * as PgTicketingStore from "../../src/ticketing/PgTicketingStore.ts"
import * as TicketCodes from "../../src/ticketing/TicketCodes.ts"
import * as Uuid from "../../src/Uuid.ts"
import { ticketingContract } from "../contract/TicketingContract.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const support = Layer.mergeAll(Uuid.layer, TicketCodes.layer)

describe("TicketingStore contract", () => {
  layer(MemoryTicketingStore.layer.pipe(Layer.provideMerge(MemoryLedgerStore.layer), Layer.provideMerge(support)))(
    "in memory",
    ticketingContract
  )
  layer(
    PgTicketingStore.layer.pipe(
      Layer.provideMerge(PgLedgerStore.layer),
      Layer.provideMerge(support),
      Layer.provide(TestDatabase())
    ),
    { timeout: 60_000 }
  )("PostgreSQL", ticketingContract)
})
