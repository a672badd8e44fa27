// Human output of the client commands: amounts in major units with their currency ("10.50 EUR").
import { type CurrencyCode, currencies, formatMinor } from "@tally/domain/Money"
import type { AccountJson, EntryJson } from "../operations/Accounts.ts"
import type { FxRateJson } from "../operations/Fx.ts"
import type { TransferJson } from "../operations/Transfers.ts"

type Account = typeof AccountJson.Type
type Transfer = typeof TransferJson.Type
type Entry = typeof EntryJson.Type
type FxRate = typeof FxRateJson.Type

export const money = (amountMinor: string, currency: string | null) =>
  currency !== null && currencies.has(currency)
    ? `${formatMinor(BigInt(amountMinor), currency as CurrencyCode)} ${currency}`
    : `${amountMinor} (minor units)`

export const accountLine = (a: Account) =>
  [
    a.id,
    a.currency,
    `posted ${money(a.balances.posted, a.currency)}`,
    `available ${money(a.balances.available, a.currency)}`
  ].join("  ")

export const accountText = (a: Account) =>
  [
    `account ${a.id}  ${a.currency}${a.allowNegative ? "  (system: may go negative)" : ""}`,
    `  posted     ${money(a.balances.posted, a.currency)}`,
    `  available  ${money(a.balances.available, a.currency)}`,
    `  pending    debits ${money(a.balances.pendingDebits, a.currency)}`,
    `             credits ${money(a.balances.pendingCredits, a.currency)}`,
    ...(a.ownerId === null ? [] : [`  owner      ${a.ownerId}`]),
    ...(a.metadata === null ? [] : [`  metadata   ${JSON.stringify(a.metadata)}`])
  ].join("\n")

const status = (t: Transfer) => (t.failureCode === null ? t.status : `${t.status} (${t.failureCode})`)

/** The amount that moved: a partly posted hold shows its posted part. */
export const transferLine = (t: Transfer) =>
  [
    t.id,
    status(t).padEnd(9),
    money(t.postedAmount ?? t.amount, t.currency),
    `${t.debitAccountId} → ${t.creditAccountId}`
  ].join("  ")

export const transferText = (t: Transfer) =>
  [
    `transfer ${t.id}  ${status(t)}`,
    `  amount     ${money(t.amount, t.currency)}${t.pending ? "  (hold)" : ""}`,
    `  debit      ${t.debitAccountId}`,
    `  credit     ${t.creditAccountId}`,
    ...(t.postedAmount === null || !t.pending ? [] : [`  posted     ${money(t.postedAmount, t.currency)}`]),
    ...(t.expiresAt === null || t.status !== "pending" ? [] : [`  expires    ${t.expiresAt}`]),
    ...(t.fx === null || t.creditAmount === null
      ? []
      : [`  credited   ${money(t.creditAmount, t.creditCurrency)} at ${t.fx.rate} (${t.fx.source}, ${t.fx.asOf})`]),
    ...(t.batchId === null ? [] : [`  batch      ${t.batchId}`]),
    ...(t.metadata === null ? [] : [`  metadata   ${JSON.stringify(t.metadata)}`])
  ].join("\n")

export const entryLine = (e: Entry) =>
  [
    e.createdAt,
    e.side.padEnd(6),
    money(e.amount, e.currency),
    `balance ${money(e.postedAfter, e.currency)}`,
    `transfer ${e.transferId}`
  ].join("  ")

export const fxLine = (r: FxRate) => `${r.base}/${r.quote}  ${r.rate}  ${r.source}  as of ${r.asOf}`

export const lines = <A>(items: ReadonlyArray<A>, line: (a: A) => string, nextCursor: string | null = null) =>
  [
    ...(items.length === 0 ? ["(none)"] : items.map(line)),
    ...(nextCursor === null ? [] : [`more: --cursor ${nextCursor}`])
  ].join("\n")
