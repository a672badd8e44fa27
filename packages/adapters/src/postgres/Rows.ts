import type { Account, AccountId, OwnerId } from "@tally/domain/Account"
import type { CurrencyCode } from "@tally/domain/Money"
import { DateTime } from "effect"

export interface AccountRow {
  readonly id: string
  readonly currency: string
  readonly owner_id: string | null
  readonly allow_negative: boolean
  readonly posted: bigint
  readonly pending_debits: bigint
  readonly pending_credits: bigint
  readonly version: bigint
  readonly metadata: Record<string, unknown> | null
  readonly created_at: Date
  readonly updated_at: Date
}

export const accountColumns =
  "id, currency, owner_id, allow_negative, posted, pending_debits, pending_credits, version, metadata, created_at, updated_at"

export const toAccount = (row: AccountRow): Account => ({
  id: row.id as AccountId,
  currency: row.currency as CurrencyCode,
  ownerId: row.owner_id as OwnerId | null,
  allowNegative: row.allow_negative,
  postedMinor: BigInt(row.posted),
  pendingDebitsMinor: BigInt(row.pending_debits),
  pendingCreditsMinor: BigInt(row.pending_credits),
  version: Number(row.version),
  metadata: row.metadata,
  createdAt: DateTime.fromDateUnsafe(row.created_at),
  updatedAt: DateTime.fromDateUnsafe(row.updated_at)
})

export const toDate = (dt: DateTime.Utc): Date => DateTime.toDateUtc(dt)

/** Keyset cursor over (created_at, id), encoded opaquely for clients. */
export const encodeCursor = (createdAt: Date, id: string) =>
  Buffer.from(`${createdAt.toISOString()}|${id}`, "utf8").toString("base64url")

export const decodeCursor = (cursor: string): { createdAt: Date; id: string } | undefined => {
  const [iso, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|")
  if (iso === undefined || id === undefined) return undefined
  const createdAt = new Date(iso)
  return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, id }
}
