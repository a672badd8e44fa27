import type { DateTime } from "effect"
import { Schema } from "effect"
import type { CurrencyCode } from "./Money.ts"

export const AccountId = Schema.String.check(Schema.isUUID()).pipe(Schema.brand("AccountId"))
export type AccountId = typeof AccountId.Type

export const OwnerId = Schema.String.check(Schema.isUUID()).pipe(Schema.brand("OwnerId"))
export type OwnerId = typeof OwnerId.Type

/**
 * Balances are a cache of the entries. Sign convention: posted = Σ credits − Σ debits, so a customer
 * holding money is positive; system accounts (world, FX liquidity) set `allowNegative` and go negative.
 */
export interface Account {
  readonly id: AccountId
  readonly currency: CurrencyCode
  readonly ownerId: OwnerId | null
  readonly allowNegative: boolean
  readonly postedMinor: bigint
  readonly pendingDebitsMinor: bigint
  readonly pendingCreditsMinor: bigint
  readonly version: number
  readonly metadata: Record<string, unknown> | null
  readonly createdAt: DateTime.Utc
  readonly updatedAt: DateTime.Utc
}

/** What the account may still spend: posted minus what outstanding holds reserve. */
export const available = (account: Account): bigint => account.postedMinor - account.pendingDebitsMinor

export interface OpenAccount {
  readonly id: AccountId
  readonly currency: CurrencyCode
  readonly ownerId: OwnerId | null
  readonly allowNegative: boolean
  readonly metadata: Record<string, unknown> | null
}

export const openAccount = (input: OpenAccount, now: DateTime.Utc): Account => ({
  id: input.id,
  currency: input.currency,
  ownerId: input.ownerId,
  allowNegative: input.allowNegative,
  postedMinor: 0n,
  pendingDebitsMinor: 0n,
  pendingCreditsMinor: 0n,
  version: 0,
  metadata: input.metadata,
  createdAt: now,
  updatedAt: now
})
