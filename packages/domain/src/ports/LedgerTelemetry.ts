import { Context, Effect } from "effect"
import type { Transfer } from "../Transfer.ts"

/** What produced a transfer decision: a transfer (or each item of a batch), or a hold operation. */
export type TransferKind = "single" | "batch" | "hold_post" | "hold_void" | "hold_expire"

export type HoldKind = Extract<TransferKind, `hold_${string}`>

export interface LedgerTelemetryShape {
  /** Transfers a committed transaction created (`single`, `batch`: one call per batch) or settled (`hold_*`). */
  readonly committed: (kind: TransferKind, transfers: ReadonlyArray<Transfer>) => Effect.Effect<void>
  /** A hold operation refused with a result code: nothing was written, the refusal still counts. */
  readonly holdRefused: (kind: HoldKind, code: string) => Effect.Effect<void>
  /** A group commit ran `size` single transfers in one transaction (usecases/TransferGroups.ts). */
  readonly grouped?: (size: number) => Effect.Effect<void>
}

/**
 * Where the use cases report their outcomes, once committed. The server records them as metrics; without it
 * (domain tests, tools) nothing is recorded.
 */
export class LedgerTelemetry extends Context.Reference<LedgerTelemetryShape>("tally/domain/LedgerTelemetry", {
  defaultValue: () => ({ committed: () => Effect.void, holdRefused: () => Effect.void })
}) {}
