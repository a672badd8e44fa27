// Every in-memory twin on one shared state: ledger, job store, users, webhooks, API keys.
import { Layer } from "effect"
import * as MemoryApiKeyStore from "./MemoryApiKeyStore.ts"
import * as MemoryJobStore from "./MemoryJobStore.ts"
import * as MemoryLedgerStore from "./MemoryLedgerStore.ts"
import * as MemoryUserStore from "./MemoryUserStore.ts"
import * as MemoryWebhookStore from "./MemoryWebhookStore.ts"

export const layer = Layer.mergeAll(MemoryJobStore.layer, MemoryUserStore.layer, MemoryWebhookStore.layer).pipe(
  Layer.provideMerge(MemoryLedgerStore.layer),
  Layer.merge(MemoryApiKeyStore.layer)
)
