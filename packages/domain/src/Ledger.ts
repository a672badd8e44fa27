// The decide functions: pure (state, command, now) → Applied | Refused. Services load, decide, persist.
export * from "./Batch.ts"
export * from "./CreateTransfer.ts"
export * from "./Hold.ts"
