// The requests a run sends: transfers between accounts drawn by the scenario's distribution, small random
// amounts, client-chosen ids (UUIDv7, like the service's own).
import { uuidv7 } from "@tally/adapters/Uuid"
import type { AccountId } from "@tally/domain/Account"
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import type { TransferId } from "@tally/domain/Transfer"
import { pair } from "./Distribution.ts"
import type { Scenario } from "./Scenarios.ts"

/** Transfer amounts are uniform in [1, AMOUNT_MAX_MINOR] minor units (up to 1.00 EUR). */
export const AMOUNT_MAX_MINOR = 100

export interface Workload {
  readonly batched: boolean
  /** The transfers of the next request: one, or one batch. */
  readonly next: () => ReadonlyArray<TransferCommand>
}

export const makeWorkload = (scenario: Scenario, accountIds: ReadonlyArray<AccountId>, batchSize: number): Workload => {
  const n = accountIds.length
  if (n < 2) throw new Error(`a workload needs at least 2 accounts, got ${n}`)
  const transfer = (batchId: string | null): TransferCommand => {
    const [debit, credit] = pair(scenario.distribution, n)
    return {
      id: uuidv7() as TransferId,
      debitAccountId: accountIds[debit - 1]!,
      creditAccountId: accountIds[credit - 1]!,
      amountMinor: BigInt(1 + Math.floor(Math.random() * AMOUNT_MAX_MINOR)),
      pending: false,
      timeoutSeconds: null,
      metadata: null,
      batchId
    }
  }
  return scenario.batched
    ? {
        batched: true,
        next: () => {
          const batchId = uuidv7()
          return Array.from({ length: batchSize }, () => transfer(batchId))
        }
      }
    : { batched: false, next: () => [transfer(null)] }
}
