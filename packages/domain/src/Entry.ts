import type { DateTime } from "effect"
import type { AccountId } from "./Account.ts"
import type { CurrencyCode } from "./Money.ts"
import type { TransferId } from "./Transfer.ts"

export type Side = "debit" | "credit"

/**
 * One line of the journal; never updated or deleted. A posted same-currency transfer writes one debit and one
 * credit entry; an FX transfer writes two legs (payer → FX liquidity in the debit currency, FX liquidity → payee
 * in the credit currency), so Σ credits − Σ debits is 0 in every currency.
 */
export interface Entry {
  readonly transferId: TransferId
  readonly accountId: AccountId
  readonly currency: CurrencyCode
  readonly side: Side
  /** Always > 0. */
  readonly amountMinor: bigint
  /** The account's posted balance right after this entry. */
  readonly postedAfterMinor: bigint
  readonly createdAt: DateTime.Utc
}

/** Signed effect on the account's posted balance (credits add, debits subtract). */
export const signedMinor = (entry: Entry): bigint => (entry.side === "credit" ? entry.amountMinor : -entry.amountMinor)
