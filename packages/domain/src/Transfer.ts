import type { DateTime } from "effect"
import { Schema } from "effect"
import type { AccountId } from "./Account.ts"
import type { CurrencyCode } from "./Money.ts"
import type { ResultCode } from "./ResultCode.ts"

export const TransferId = Schema.String.check(Schema.isUUID()).pipe(Schema.brand("TransferId"))
export type TransferId = typeof TransferId.Type

export const statuses = ["initiated", "pending", "posted", "voided", "expired", "failed"] as const
export const TransferStatus = Schema.Literals(statuses)
export type TransferStatus = typeof TransferStatus.Type

/** The rate a cross-currency transfer used, and the liquidity accounts its two legs went through. */
export interface FxApplied {
  /** Decimal string: one major unit of the debit currency buys `rate` major units of the credit currency. */
  readonly rate: string
  readonly source: string
  readonly asOf: DateTime.Utc
  /** FX liquidity account in the debit currency: credited by leg 1. */
  readonly debitLiquidityAccountId: AccountId
  /** FX liquidity account in the credit currency: debited by leg 2. */
  readonly creditLiquidityAccountId: AccountId
}

/**
 * Amounts are in minor units: `amountMinor` on the debit side in `currency`, `creditAmountMinor` on the credit
 * side in `creditCurrency`; the two differ only for FX. Currencies and the credit amount are null only on a
 * failed transfer whose account (or rate) could not be found.
 */
export interface Transfer {
  readonly id: TransferId
  readonly debitAccountId: AccountId
  readonly creditAccountId: AccountId
  readonly amountMinor: bigint
  readonly currency: CurrencyCode | null
  readonly creditAmountMinor: bigint | null
  readonly creditCurrency: CurrencyCode | null
  readonly pending: boolean
  readonly status: TransferStatus
  readonly failureCode: ResultCode | null
  /** Debit-side amount actually posted: the full amount for one-phase, the (partial) post for a hold. */
  readonly postedAmountMinor: bigint | null
  readonly timeoutSeconds: number | null
  readonly expiresAt: DateTime.Utc | null
  readonly fx: FxApplied | null
  readonly batchId: string | null
  readonly metadata: Record<string, unknown> | null
  readonly createdAt: DateTime.Utc
  readonly updatedAt: DateTime.Utc
}

/**
 * Legal transitions. `initiated` is the state before a decision; one-phase transfers go to `posted` or `failed`,
 * holds to `pending` (or `failed`), and a hold ends `posted`, `voided` or `expired`.
 */
export const transitions: ReadonlyMap<TransferStatus, ReadonlyArray<TransferStatus>> = new Map<
  TransferStatus,
  ReadonlyArray<TransferStatus>
>([
  ["initiated", ["pending", "posted", "failed"]],
  ["pending", ["posted", "voided", "expired"]],
  ["posted", []],
  ["voided", []],
  ["expired", []],
  ["failed", []]
])

export const terminalStatuses: ReadonlyArray<TransferStatus> = ["posted", "voided", "expired", "failed"]

export const isTerminal = (status: TransferStatus): boolean => terminalStatuses.includes(status)

export const canTransition = (from: TransferStatus, to: TransferStatus): boolean =>
  transitions.get(from)?.includes(to) ?? false

/** Assertion for the decide functions: a bug, not a refusal, if it ever fires. */
export const assertTransition = (from: TransferStatus, to: TransferStatus): void => {
  if (!canTransition(from, to)) throw new Error(`illegal transfer transition ${from} -> ${to}`)
}
