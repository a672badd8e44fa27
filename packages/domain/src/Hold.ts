import { DateTime } from "effect"
import type { Account } from "./Account.ts"
import type { Entry } from "./Entry.ts"
import { convertMinor } from "./Fx.ts"
import type { LegRoute } from "./Posting.ts"
import { Book, legsOf } from "./Posting.ts"
import type { ResultCode } from "./ResultCode.ts"
import type { Transfer, TransferStatus } from "./Transfer.ts"
import { assertTransition } from "./Transfer.ts"

export interface HoldApplied {
  readonly _tag: "Applied"
  readonly transfer: Transfer
  /** Every changed account, version + 1, updatedAt = now. */
  readonly accounts: ReadonlyArray<Account>
  /** Written only by a post. */
  readonly entries: ReadonlyArray<Entry>
}

/** Nothing changes on a refusal: the hold stays as it was. */
export interface HoldRefused {
  readonly _tag: "Refused"
  readonly code: ResultCode
}

export type HoldDecision = HoldApplied | HoldRefused

const refused = (code: ResultCode): HoldRefused => ({ _tag: "Refused", code })

const isDue = (transfer: Transfer, now: DateTime.Utc): boolean =>
  transfer.expiresAt !== null && DateTime.toEpochMillis(transfer.expiresAt) <= DateTime.toEpochMillis(now)

/** The checks shared by post, void and expire, in ResultCode precedence. */
const checkHold = (transfer: Transfer | undefined): ResultCode | Transfer => {
  if (transfer === undefined) return "pending_transfer_not_found"
  if (!transfer.pending) return "transfer_not_pending"
  switch (transfer.status) {
    case "initiated": // not decided yet, so not (yet) a hold
      return "transfer_not_pending"
    case "failed":
      return "pending_transfer_failed"
    case "posted":
      return "pending_transfer_already_posted"
    case "voided":
      return "pending_transfer_already_voided"
    case "expired":
      return "pending_transfer_expired"
    case "pending":
      return transfer
  }
}

interface Hold {
  readonly route: LegRoute
  readonly amountMinor: bigint
  readonly creditAmountMinor: bigint
}

const holdOf = (transfer: Transfer): Hold => {
  const { currency, creditCurrency, creditAmountMinor } = transfer
  if (currency === null || creditCurrency === null || creditAmountMinor === null) {
    throw new Error(`pending transfer ${transfer.id} has no currencies`)
  }
  const fx = transfer.fx
  return {
    route: {
      debitAccountId: transfer.debitAccountId,
      creditAccountId: transfer.creditAccountId,
      currency,
      creditCurrency,
      fx:
        fx === null
          ? null
          : {
              debitLiquidityAccountId: fx.debitLiquidityAccountId,
              creditLiquidityAccountId: fx.creditLiquidityAccountId
            }
    },
    amountMinor: transfer.amountMinor,
    creditAmountMinor
  }
}

/** Releases the hold and optionally posts `posted` (debit and credit amounts) in its place. */
const settle = (
  transfer: Transfer,
  accounts: Iterable<Account>,
  status: TransferStatus,
  posted: { readonly debitMinor: bigint; readonly creditMinor: bigint } | null,
  now: DateTime.Utc
): HoldApplied => {
  assertTransition(transfer.status, status)
  const hold = holdOf(transfer)
  const book = new Book(accounts)
  book.reserve(legsOf(hold.route, hold.amountMinor, hold.creditAmountMinor), -1n)
  const entries =
    posted === null ? [] : book.post(legsOf(hold.route, posted.debitMinor, posted.creditMinor), transfer.id, now)
  // posting at most what was reserved can neither overdraw nor overflow: the hold was checked for both
  if (book.overdrawn() || book.overflows()) throw new Error(`settling hold ${transfer.id} broke a balance bound`)
  return {
    _tag: "Applied",
    transfer: {
      ...transfer,
      status,
      postedAmountMinor: posted === null ? null : posted.debitMinor,
      // a post states what the payee got: after a partial post that is the posted credit, not the hold's
      creditAmountMinor: posted === null ? transfer.creditAmountMinor : posted.creditMinor,
      updatedAt: now
    },
    accounts: book.changed(now),
    entries
  }
}

/**
 * Posts a hold, fully (amountMinor undefined) or partially; the unposted rest is released. A partial post of an
 * FX hold converts at the rate locked when the hold was made, rounding down like the hold itself.
 * `accounts` must hold every account the transfer touches (both parties, and the FX liquidity accounts).
 */
export const decidePost = (
  transfer: Transfer | undefined,
  accounts: Iterable<Account>,
  amountMinor: bigint | undefined,
  now: DateTime.Utc
): HoldDecision => {
  const hold = checkHold(transfer)
  if (typeof hold === "string") return refused(hold)
  if (isDue(hold, now)) return refused("pending_transfer_expired")
  const debitMinor = amountMinor ?? hold.amountMinor
  if (debitMinor <= 0n) return refused("post_amount_must_be_positive")
  if (debitMinor > hold.amountMinor) return refused("post_amount_exceeds_pending")
  const { route, creditAmountMinor } = holdOf(hold)
  const creditMinor =
    debitMinor === hold.amountMinor
      ? creditAmountMinor
      : hold.fx === null
        ? debitMinor
        : convertMinor(debitMinor, route.currency, route.creditCurrency, hold.fx.rate)
  if (creditMinor === 0n) return refused("post_amount_too_small")
  return settle(hold, accounts, "posted", { debitMinor, creditMinor }, now)
}

/** Cancels a hold that has not expired, releasing everything it reserved. */
export const decideVoid = (
  transfer: Transfer | undefined,
  accounts: Iterable<Account>,
  now: DateTime.Utc
): HoldDecision => {
  const hold = checkHold(transfer)
  if (typeof hold === "string") return refused(hold)
  if (isDue(hold, now)) return refused("pending_transfer_expired")
  return settle(hold, accounts, "voided", null, now)
}

/** Expires a hold whose expiresAt is not after `now`, releasing everything it reserved. */
export const decideExpire = (
  transfer: Transfer | undefined,
  accounts: Iterable<Account>,
  now: DateTime.Utc
): HoldDecision => {
  const hold = checkHold(transfer)
  if (typeof hold === "string") return refused(hold)
  if (!isDue(hold, now)) return refused("pending_transfer_not_expired")
  return settle(hold, accounts, "expired", null, now)
}
