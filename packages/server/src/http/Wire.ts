import { type Account, available } from "@tally/domain/Account"
import type { Entry } from "@tally/domain/Entry"
import type { FxQuote } from "@tally/domain/Fx"
import type { Transfer } from "@tally/domain/Transfer"
import { DateTime } from "effect"

export const iso = (dt: DateTime.Utc) => DateTime.formatIso(dt)

export const accountJson = (a: Account) => ({
  id: a.id,
  currency: a.currency,
  ownerId: a.ownerId,
  allowNegative: a.allowNegative,
  balances: {
    posted: a.postedMinor.toString(),
    pendingDebits: a.pendingDebitsMinor.toString(),
    pendingCredits: a.pendingCreditsMinor.toString(),
    available: available(a).toString()
  },
  version: a.version,
  metadata: a.metadata,
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt)
})

export const transferJson = (t: Transfer) => ({
  id: t.id,
  status: t.status,
  debitAccountId: t.debitAccountId,
  creditAccountId: t.creditAccountId,
  amount: t.amountMinor.toString(),
  currency: t.currency,
  creditAmount: t.creditAmountMinor === null ? null : t.creditAmountMinor.toString(),
  creditCurrency: t.creditCurrency,
  pending: t.pending,
  postedAmount: t.postedAmountMinor === null ? null : t.postedAmountMinor.toString(),
  failureCode: t.failureCode,
  timeoutSeconds: t.timeoutSeconds,
  expiresAt: t.expiresAt === null ? null : iso(t.expiresAt),
  fx: t.fx === null ? null : { rate: t.fx.rate, source: t.fx.source, asOf: iso(t.fx.asOf) },
  batchId: t.batchId,
  metadata: t.metadata,
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt)
})

export const entryJson = (e: Entry) => ({
  transferId: e.transferId,
  accountId: e.accountId,
  currency: e.currency,
  side: e.side,
  amount: e.amountMinor.toString(),
  postedAfter: e.postedAfterMinor.toString(),
  createdAt: iso(e.createdAt)
})

export const fxJson = (q: FxQuote) => ({
  base: q.base,
  quote: q.quote,
  rate: q.rate,
  source: q.source,
  asOf: iso(q.asOf)
})
