import { DateTime } from "effect"
import type { Account, AccountId } from "./Account.ts"
import type { Entry } from "./Entry.ts"
import type { FxQuote } from "./Fx.ts"
import { convert, isStale } from "./Fx.ts"
import type { CurrencyCode } from "./Money.ts"
import { Book, balanceMaxMinor, legsOf } from "./Posting.ts"
import type { ResultCode } from "./ResultCode.ts"
import type { FxApplied, Transfer, TransferId } from "./Transfer.ts"
import { assertTransition } from "./Transfer.ts"

export interface TransferCommand {
  readonly id: TransferId
  readonly debitAccountId: AccountId
  readonly creditAccountId: AccountId
  /** In the debit account's currency. */
  readonly amountMinor: bigint
  readonly pending: boolean
  /** Only for holds; null = the hold never expires. */
  readonly timeoutSeconds: number | null
  readonly metadata: Record<string, unknown> | null
  readonly batchId: string | null
}

/** The rate for debit currency → credit currency and the FX liquidity account in each currency. */
export interface FxContext {
  readonly quote: FxQuote
  readonly debitLiquidity: Account
  readonly creditLiquidity: Account
}

export interface Limits {
  readonly fxMaxAgeSeconds: number
  readonly timeoutSecondsMax: number
}

export interface TransferContext {
  readonly debit: Account | undefined
  readonly credit: Account | undefined
  /** Needed only when the currencies differ; undefined there means no rate (or no liquidity) for the pair. */
  readonly fx: FxContext | undefined
  readonly now: DateTime.Utc
  readonly limits: Limits
}

export interface Applied {
  readonly _tag: "Applied"
  readonly transfer: Transfer
  /** Every changed account, version + 1, updatedAt = now. */
  readonly accounts: ReadonlyArray<Account>
  readonly entries: ReadonlyArray<Entry>
}

export interface TransferRefused {
  readonly _tag: "Refused"
  /** The transfer as it is stored: status "failed" with its failure code. */
  readonly transfer: Transfer
  readonly code: ResultCode
}

export type TransferDecision = Applied | TransferRefused

/** What a decision had learnt about the transfer's currencies when it stopped. */
export interface Known {
  readonly currency: CurrencyCode | null
  readonly creditCurrency: CurrencyCode | null
  readonly creditAmountMinor: bigint | null
  readonly fx: FxApplied | null
}

/** The command as a transfer in state "initiated", with what is known about its currencies so far. */
const initiated = (cmd: TransferCommand, known: Known, now: DateTime.Utc): Transfer => ({
  id: cmd.id,
  debitAccountId: cmd.debitAccountId,
  creditAccountId: cmd.creditAccountId,
  amountMinor: cmd.amountMinor,
  currency: known.currency,
  creditAmountMinor: known.creditAmountMinor,
  creditCurrency: known.creditCurrency,
  pending: cmd.pending,
  status: "initiated",
  failureCode: null,
  postedAmountMinor: null,
  timeoutSeconds: cmd.timeoutSeconds,
  expiresAt: null,
  fx: known.fx,
  batchId: cmd.batchId,
  metadata: cmd.metadata,
  createdAt: now,
  updatedAt: now
})

/** The stored record of a refused transfer: what was asked plus what was known when it was refused. */
export const failedTransfer = (cmd: TransferCommand, code: ResultCode, known: Known, now: DateTime.Utc): Transfer => ({
  ...initiated(cmd, known, now),
  status: "failed",
  failureCode: code
})

export const unknown: Known = { currency: null, creditCurrency: null, creditAmountMinor: null, fx: null }

/**
 * Decides a new transfer. Checks run in exactly the precedence of ResultCode.ts (creation section) and the
 * first failing check is the one code reported. One-phase transfers post at once and write entries; holds
 * (pending) only move pendingDebits/pendingCredits and write entries when posted.
 *
 * Holds may cross currencies: the rate is locked when the hold is made and each of the four accounts (payer,
 * both FX liquidity accounts, payee) reserves its side, so posting later needs no new quote.
 */
export const decideTransfer = (cmd: TransferCommand, ctx: TransferContext): TransferDecision => {
  const { debit, credit, now, limits } = ctx
  const refuse = (code: ResultCode, known: Known = unknown): TransferRefused => ({
    _tag: "Refused",
    transfer: failedTransfer(cmd, code, known, now),
    code
  })
  if (cmd.amountMinor <= 0n) return refuse("amount_must_be_positive")
  if (cmd.debitAccountId === cmd.creditAccountId) return refuse("accounts_must_be_different")
  if (debit === undefined) return refuse("debit_account_not_found")
  if (credit === undefined) return refuse("credit_account_not_found", { ...unknown, currency: debit.currency })
  if (debit.id !== cmd.debitAccountId || credit.id !== cmd.creditAccountId) {
    throw new Error("decideTransfer: the accounts passed are not the command's accounts")
  }
  const sameCurrency = debit.currency === credit.currency
  let known: Known = {
    currency: debit.currency,
    creditCurrency: credit.currency,
    creditAmountMinor: sameCurrency ? cmd.amountMinor : null,
    fx: null
  }
  if (cmd.timeoutSeconds !== null) {
    if (!cmd.pending) return refuse("timeout_requires_pending", known)
    if (!Number.isSafeInteger(cmd.timeoutSeconds) || cmd.timeoutSeconds < 1) {
      return refuse("timeout_must_be_positive", known)
    }
    if (cmd.timeoutSeconds > limits.timeoutSecondsMax) return refuse("timeout_too_large", known)
  }
  const fx = sameCurrency ? undefined : ctx.fx
  if (!sameCurrency) {
    if (fx === undefined) return refuse("fx_rate_not_found", known)
    assertFxContext(fx, debit, credit)
    known = {
      ...known,
      fx: {
        rate: fx.quote.rate,
        source: fx.quote.source,
        asOf: fx.quote.asOf,
        debitLiquidityAccountId: fx.debitLiquidity.id,
        creditLiquidityAccountId: fx.creditLiquidity.id
      }
    }
    if (isStale(fx.quote, now, limits.fxMaxAgeSeconds)) return refuse("fx_rate_stale", known)
    const converted = convert(cmd.amountMinor, fx.quote)
    // the credit amount is stored as int8 too: one that does not fit is refused before it is recorded
    if (converted > balanceMaxMinor) return refuse("fx_amount_too_large", known)
    known = { ...known, creditAmountMinor: converted }
    if (known.creditAmountMinor === 0n) return refuse("fx_amount_too_small", known)
  }
  const creditAmountMinor = known.creditAmountMinor ?? cmd.amountMinor
  const book = new Book(fx === undefined ? [debit, credit] : [debit, credit, fx.debitLiquidity, fx.creditLiquidity])
  const legs = legsOf(
    {
      debitAccountId: debit.id,
      creditAccountId: credit.id,
      currency: debit.currency,
      creditCurrency: credit.currency,
      fx: known.fx
    },
    cmd.amountMinor,
    creditAmountMinor
  )
  let entries: ReadonlyArray<Entry> = []
  if (cmd.pending) book.reserve(legs, 1n)
  else entries = book.post(legs, cmd.id, now)
  if (book.overdrawn()) return refuse("insufficient_funds", known)
  if (book.overflows()) return refuse("balance_would_overflow", known)
  const status = cmd.pending ? "pending" : "posted"
  assertTransition("initiated", status)
  const transfer: Transfer = {
    ...initiated(cmd, known, now),
    creditAmountMinor,
    status,
    postedAmountMinor: cmd.pending ? null : cmd.amountMinor,
    expiresAt:
      cmd.timeoutSeconds === null ? null : DateTime.makeUnsafe(DateTime.toEpochMillis(now) + cmd.timeoutSeconds * 1000)
  }
  return { _tag: "Applied", transfer, accounts: book.changed(now), entries }
}

/** A wrong pair or liquidity account is the caller's bug, never a client's mistake: fail loudly. */
const assertFxContext = (fx: FxContext, debit: Account, credit: Account): void => {
  if (fx.quote.base !== debit.currency || fx.quote.quote !== credit.currency) {
    throw new Error(`FX quote ${fx.quote.base}/${fx.quote.quote} for a ${debit.currency} → ${credit.currency} transfer`)
  }
  if (fx.debitLiquidity.currency !== debit.currency || fx.creditLiquidity.currency !== credit.currency) {
    throw new Error("FX liquidity accounts do not hold the transfer's currencies")
  }
}
