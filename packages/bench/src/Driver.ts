// The seam between the load loop and the way the system under test is reached (in-process use cases, HTTP, RPC,
// the node-pg baseline server).
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import { Context, type Effect } from "effect"

/** What one request did. `transfers` is how many transfers the request carried (1, or the batch size). */
export type Outcome =
  | { readonly _tag: "Posted"; readonly transfers: number }
  /** Refused by the ledger: one result code per failing item (a refused batch applies none of its transfers). */
  | { readonly _tag: "Refused"; readonly transfers: number; readonly codes: ReadonlyArray<string> }
  /** Not a ledger answer: store unavailable, transport failure, unexpected status. */
  | { readonly _tag: "Error"; readonly transfers: number; readonly code: string }

/**
 * `lane` is the closed-loop worker sending the request (open loop: the request's number): a driver with several
 * targets (`--instances N`) sends lane i to target i mod N, so each worker keeps to one instance.
 */
export interface DriverShape {
  readonly name: string
  readonly transfer: (cmd: TransferCommand, lane: number) => Effect.Effect<Outcome>
  readonly batch: (cmds: ReadonlyArray<TransferCommand>, lane: number) => Effect.Effect<Outcome>
}

export class Driver extends Context.Service<Driver, DriverShape>()("tally/bench/Driver") {}

export const posted = (transfers: number): Outcome => ({ _tag: "Posted", transfers })
export const refused = (transfers: number, codes: ReadonlyArray<string>): Outcome => ({
  _tag: "Refused",
  transfers,
  codes
})
export const failed = (transfers: number, code: string): Outcome => ({ _tag: "Error", transfers, code })
