import { DateTime } from "effect"
import type { Account as AccountT } from "../../domain/src/Account.ts"
import { AccountId, openAccount } from "../../domain/src/Account.ts"
import type { Limits, TransferCommand } from "../../domain/src/CreateTransfer.ts"
import type { FxQuote } from "../../domain/src/Fx.ts"
import type { CurrencyCode as CurrencyCodeT } from "../../domain/src/Money.ts"
import { CurrencyCode } from "../../domain/src/Money.ts"
import { TransferId } from "../../domain/src/Transfer.ts"

export const now = DateTime.makeUnsafe("2026-01-01T00:00:00Z")
export const later = (seconds: number, from: DateTime.Utc = now): DateTime.Utc =>
  DateTime.makeUnsafe(DateTime.toEpochMillis(from) + seconds * 1000)

export const limits: Limits = { fxMaxAgeSeconds: 60, timeoutSecondsMax: 3600 }

/** Deterministic UUIDs: n → 00000000-0000-4000-8000-<n as 12 hex digits>. */
export const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
export const accountId = (n: number) => AccountId.make(uuid(n))
export const transferId = (n: number) => TransferId.make(uuid(1_000_000 + n))

export const cc = (code: string): CurrencyCodeT => CurrencyCode.make(code)
export const EUR = cc("EUR")
export const USD = cc("USD")
export const JPY = cc("JPY")

export const account = (
  n: number,
  currency: CurrencyCodeT = EUR,
  options: { readonly postedMinor?: bigint; readonly allowNegative?: boolean } = {}
): AccountT => ({
  ...openAccount(
    { id: accountId(n), currency, ownerId: null, allowNegative: options.allowNegative ?? false, metadata: null },
    now
  ),
  postedMinor: options.postedMinor ?? 0n
})

export const command = (overrides: Partial<TransferCommand> = {}): TransferCommand => ({
  id: transferId(1),
  debitAccountId: accountId(1),
  creditAccountId: accountId(2),
  amountMinor: 100n,
  pending: false,
  timeoutSeconds: null,
  metadata: null,
  batchId: null,
  ...overrides
})

export const quote = (base: CurrencyCodeT, quoteCurrency: CurrencyCodeT, rate: string, asOf = now): FxQuote => ({
  base,
  quote: quoteCurrency,
  rate,
  source: "test",
  asOf
})
