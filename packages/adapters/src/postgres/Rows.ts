import type { Account, AccountId, OwnerId } from "@tally/domain/Account"
import type { Entry } from "@tally/domain/Entry"
import type { CurrencyCode } from "@tally/domain/Money"
import type { ResultCode } from "@tally/domain/ResultCode"
import type { Transfer, TransferId, TransferStatus } from "@tally/domain/Transfer"
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// the years PostgreSQL's timestamptz and a JavaScript Date both hold
const YEAR_MIN = 1
const YEAR_MAX = 9999

/** A cursor this store issued, or undefined: any other string (a non-UUID id, an odd date) is refused, not queried. */
export const decodeCursor = (cursor: string): { createdAt: Date; id: string } | undefined => {
  const parts = Buffer.from(cursor, "base64url").toString("utf8").split("|")
  const [iso, id] = parts
  if (parts.length !== 2 || iso === undefined || id === undefined || !UUID.test(id)) return undefined
  const createdAt = new Date(iso)
  const year = createdAt.getUTCFullYear()
  return Number.isNaN(createdAt.getTime()) || year < YEAR_MIN || year > YEAR_MAX ? undefined : { createdAt, id }
}

export interface TransferRow {
  readonly id: string
  readonly debit_account_id: string
  readonly credit_account_id: string
  readonly amount: bigint
  readonly currency: string | null
  readonly credit_amount: bigint | null
  readonly credit_currency: string | null
  readonly pending: boolean
  readonly status: string
  readonly failure_code: string | null
  readonly posted_amount: bigint | null
  readonly timeout_seconds: number | null
  readonly expires_at: Date | null
  readonly fx_rate: string | null
  readonly fx_source: string | null
  readonly fx_as_of: Date | null
  readonly fx_debit_liquidity_id: string | null
  readonly fx_credit_liquidity_id: string | null
  readonly batch_id: string | null
  readonly metadata: Record<string, unknown> | null
  readonly created_at: Date
  readonly updated_at: Date
}

export const transferColumns =
  "id, debit_account_id, credit_account_id, amount, currency, credit_amount, credit_currency, pending, status, " +
  "failure_code, posted_amount, timeout_seconds, expires_at, fx_rate::text AS fx_rate, fx_source, fx_as_of, " +
  "fx_debit_liquidity_id, fx_credit_liquidity_id, batch_id, metadata, created_at, updated_at"

const big = (v: bigint | null) => (v === null ? null : BigInt(v))
const utc = (d: Date | null) => (d === null ? null : DateTime.fromDateUnsafe(d))

export const toTransfer = (row: TransferRow): Transfer => ({
  id: row.id as TransferId,
  debitAccountId: row.debit_account_id as AccountId,
  creditAccountId: row.credit_account_id as AccountId,
  amountMinor: BigInt(row.amount),
  currency: row.currency as CurrencyCode | null,
  creditAmountMinor: big(row.credit_amount),
  creditCurrency: row.credit_currency as CurrencyCode | null,
  pending: row.pending,
  status: row.status as TransferStatus,
  failureCode: row.failure_code as ResultCode | null,
  postedAmountMinor: big(row.posted_amount),
  timeoutSeconds: row.timeout_seconds,
  expiresAt: utc(row.expires_at),
  fx:
    row.fx_rate === null || row.fx_source === null || row.fx_as_of === null
      ? null
      : {
          rate: row.fx_rate,
          source: row.fx_source,
          asOf: DateTime.fromDateUnsafe(row.fx_as_of),
          debitLiquidityAccountId: row.fx_debit_liquidity_id as AccountId,
          creditLiquidityAccountId: row.fx_credit_liquidity_id as AccountId
        },
  batchId: row.batch_id,
  metadata: row.metadata,
  createdAt: DateTime.fromDateUnsafe(row.created_at),
  updatedAt: DateTime.fromDateUnsafe(row.updated_at)
})

export interface EntryRow {
  readonly id: bigint
  readonly transfer_id: string
  readonly account_id: string
  readonly currency: string
  readonly side: "debit" | "credit"
  readonly amount: bigint
  readonly posted_after: bigint
  readonly created_at: Date
}

export const toEntry = (row: EntryRow): Entry => ({
  transferId: row.transfer_id as TransferId,
  accountId: row.account_id as AccountId,
  currency: row.currency as CurrencyCode,
  side: row.side,
  amountMinor: BigInt(row.amount),
  postedAfterMinor: BigInt(row.posted_after),
  createdAt: DateTime.fromDateUnsafe(row.created_at)
})

/** Keyset cursor over a bigint sequence (entries). */
export const encodeSeqCursor = (id: bigint) => Buffer.from(`e|${id}`, "utf8").toString("base64url")
export const decodeSeqCursor = (cursor: string): bigint | undefined => {
  const [tag, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|")
  // entry ids are int8: a larger number is not a cursor this store issued
  return tag === "e" && id !== undefined && /^[0-9]{1,19}$/.test(id) && BigInt(id) <= 2n ** 63n - 1n
    ? BigInt(id)
    : undefined
}

/**
 * Keyset cursor over a transfer's place in commit order (PostgreSQL: the writing transaction's id; in memory: the
 * insertion sequence) and its id, encoded opaquely for clients (docs/adr/0019-tail-cursor.md).
 */
export const encodeTailCursor = (position: bigint, id: string) =>
  Buffer.from(`t|${position}|${id}`, "utf8").toString("base64url")

export const decodeTailCursor = (cursor: string): { position: bigint; id: string } | undefined => {
  const [tag, position, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|")
  return tag === "t" &&
    rest.length === 0 &&
    position !== undefined &&
    /^[0-9]{1,19}$/.test(position) &&
    id !== undefined &&
    UUID.test(id)
    ? { position: BigInt(position), id }
    : undefined
}
