// The events a ledger write emits, derived from what it changes: both stores call this inside the write, so
// every path that changes the ledger (single, batch, hold, expiry, group commit) emits the same events.
import { DateTime } from "effect"
import type { Account } from "./Account.ts"
import type { EventData, EventName, NewEvent } from "./Event.ts"
import type { AskedTransfer, Changes } from "./ports/LedgerStore.ts"
import type { Transfer } from "./Transfer.ts"

export const ledgerSource = "tally/ledger"

const minor = (value: bigint | null) => (value === null ? null : value.toString())
const iso = (value: DateTime.Utc | null) => (value === null ? null : DateTime.formatIso(value))

export const transferData = (t: Transfer): EventData => ({
  transferId: t.id,
  status: t.status,
  debitAccountId: t.debitAccountId,
  creditAccountId: t.creditAccountId,
  amount: minor(t.amountMinor),
  currency: t.currency,
  creditAmount: minor(t.creditAmountMinor),
  creditCurrency: t.creditCurrency,
  pending: t.pending,
  postedAmount: minor(t.postedAmountMinor),
  failureCode: t.failureCode,
  expiresAt: iso(t.expiresAt),
  batchId: t.batchId,
  metadata: t.metadata
})

const insertedName = (t: Transfer): EventName | undefined =>
  t.status === "posted"
    ? "transfer.posted"
    : t.status === "failed"
      ? "transfer.failed"
      : t.status === "pending"
        ? "hold.created"
        : undefined

const updatedName = (t: Transfer): EventName | undefined =>
  t.status === "posted"
    ? "hold.posted"
    : t.status === "voided"
      ? "hold.voided"
      : t.status === "expired"
        ? "hold.expired"
        : undefined

const event = (name: EventName, data: EventData, ownerId: string | null, sentAt: DateTime.Utc): NewEvent => ({
  name,
  source: ledgerSource,
  context: { ownerId },
  data,
  sentAt
})

/** One event per inserted or settled transfer, and one batch.posted per applied batch (each with who asked). */
export const ledgerEvents = (changes: Changes): ReadonlyArray<NewEvent> => {
  const events: Array<NewEvent> = []
  for (const { transfer: t, ownerId } of changes.inserted) {
    const name = insertedName(t)
    if (name !== undefined) events.push(event(name, transferData(t), ownerId, t.updatedAt))
  }
  for (const { transfer: t, ownerId } of changes.updated) {
    const name = updatedName(t)
    if (name !== undefined) events.push(event(name, transferData(t), ownerId, t.updatedAt))
  }
  const batches = new Map<string, Array<AskedTransfer>>()
  for (const asked of changes.inserted) {
    const batchId = asked.transfer.batchId
    if (batchId !== null) batches.set(batchId, [...(batches.get(batchId) ?? []), asked])
  }
  for (const [batchId, items] of batches) {
    if (items.some(({ transfer }) => transfer.status === "failed")) continue
    const data = { batchId, count: items.length, transferIds: items.map(({ transfer }) => transfer.id) }
    events.push(event("batch.posted", data, items[0]!.ownerId, items[0]!.transfer.updatedAt))
  }
  return events
}

export const accountCreated = (account: Account): NewEvent =>
  event(
    "account.created",
    {
      accountId: account.id,
      currency: account.currency,
      ownerId: account.ownerId,
      allowNegative: account.allowNegative,
      metadata: account.metadata
    },
    account.ownerId,
    account.createdAt
  )
