import { Schema } from "effect"

/**
 * Every way a ledger command can be refused, in precedence order: each operation checks its codes in the
 * order listed here and reports the first that applies, so one failure always yields the same single code.
 * Keep docs/reference/result-codes.md in the same order (a test compares them).
 */
export const resultCodes = [
  // transfer creation (single or batch item)
  ["duplicate_transfer_id", "another item earlier in the same batch has the same transfer id"],
  ["amount_must_be_positive", "the amount is zero or negative"],
  ["accounts_must_be_different", "the debit and credit account are the same account"],
  ["debit_account_not_found", "no account has the debit account id"],
  ["credit_account_not_found", "no account has the credit account id"],
  ["timeout_requires_pending", "a timeout was given for a one-phase (not pending) transfer"],
  ["timeout_must_be_positive", "the timeout is not a whole number of seconds of at least 1"],
  ["timeout_too_large", "the timeout exceeds the configured maximum (timeoutSecondsMax)"],
  ["fx_rate_not_found", "the accounts' currencies differ and no rate or FX liquidity accounts exist for the pair"],
  ["fx_rate_stale", "the cached rate is older than the configured maximum age (fxMaxAgeSeconds)"],
  ["fx_amount_too_small", "the amount converted into the credit currency rounds down to 0"],
  ["fx_amount_too_large", "the amount converted into the credit currency leaves the signed 64-bit range"],
  ["insufficient_funds", "a debited account without allowNegative would have its available balance below 0"],
  ["balance_would_overflow", "a balance (posted, pending, or posted with pending) would leave the signed 64-bit range"],
  // post, void, expire of a pending transfer (hold)
  ["pending_transfer_not_found", "no transfer has the given id"],
  ["transfer_not_pending", "the transfer is a one-phase transfer, not a hold"],
  ["pending_transfer_failed", "the hold was refused when created, so it reserves nothing"],
  ["pending_transfer_already_posted", "the hold was already posted"],
  ["pending_transfer_already_voided", "the hold was already voided"],
  ["pending_transfer_expired", "the hold expired (or is due to expire: expiresAt is not after now)"],
  ["pending_transfer_not_expired", "expire only: the hold has no timeout or its expiresAt is still in the future"],
  ["post_amount_must_be_positive", "post only: the partial amount is zero or negative"],
  ["post_amount_exceeds_pending", "post only: the partial amount is larger than the held amount"],
  ["post_amount_too_small", "post only: a partial FX amount converted into the credit currency rounds down to 0"],
  // batch
  ["linked_transfer_failed", "this item was valid but another item of the atomic batch failed, so none was applied"],
  // reconciliation (not a decision: the reconciler resolves a transfer left undecided, e.g. by a crash)
  ["reconciled_abandoned", "the transfer stayed in initiated past the grace period and was failed by reconciliation"]
] as const

export type ResultCode = (typeof resultCodes)[number][0]

export const codes: ReadonlyArray<ResultCode> = resultCodes.map(([code]) => code)

export const describe = (code: ResultCode): string => {
  for (const [c, description] of resultCodes) if (c === code) return description
  return code
}

export const ResultCode = Schema.Literals(codes as ReadonlyArray<ResultCode>)

/** Precedence rank: lower means checked earlier. */
export const rank = (code: ResultCode): number => codes.indexOf(code)
