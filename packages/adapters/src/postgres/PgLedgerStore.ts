// The ledger on PostgreSQL. A transfer costs four round trips: BEGIN, one SELECT … FOR UPDATE of every
// account it touches (ascending id order: no deadlocks by construction), one statement that writes the
// transfer rows, the new balances and the entries, and COMMIT (docs/adr/0004-transfer-round-trips.md).
import { PgClient } from "@effect/sql-pg"
import type { Account, AccountId, OwnerId } from "@tally/domain/Account"
import type { FxQuote } from "@tally/domain/Fx"
import { accountCreated, ledgerEvents } from "@tally/domain/LedgerEvents"
import type { CurrencyCode } from "@tally/domain/Money"
import {
  type Changes,
  type FxRoute,
  InvalidCursor,
  LedgerStore,
  type ListAccounts,
  type ListEntries,
  type ListTransfers,
  type Owner,
  type SystemAccountKind,
  TransferIdTaken
} from "@tally/domain/ports/LedgerStore"
import { StoreUnavailable } from "@tally/domain/ports/StoreError"
import type { TransferId } from "@tally/domain/Transfer"
import { DateTime, Effect, Layer, Option } from "effect"
import type { SqlError } from "effect/sql"
import { outboxParts, withIds } from "./Outbox.ts"
import {
  type AccountRow,
  accountColumns,
  decodeCursor,
  decodeSeqCursor,
  decodeTailCursor,
  type EntryRow,
  encodeCursor,
  encodeSeqCursor,
  encodeTailCursor,
  type TransferRow,
  toAccount,
  toDate,
  toEntry,
  toTransfer,
  transferColumns
} from "./Rows.ts"
import { TransactionConfig, withRetries } from "./Transactions.ts"

export const unavailable = (error: SqlError.SqlError) =>
  new StoreUnavailable({ message: `database: ${error.message}`, cause: error })

const iso = (dt: DateTime.Utc | null) => (dt === null ? null : DateTime.formatIso(dt))
const json = (value: Record<string, unknown> | null) => (value === null ? null : JSON.stringify(value))

const accountColumnsOf = (alias: string) =>
  accountColumns
    .split(", ")
    .map((column) => `${alias}.${column}`)
    .join(", ")

/**
 * sql-pg infers an array parameter's type from its elements and cannot for an all-null array: send that one
 * as an array literal string instead (the `::type[]` cast in the query parses it).
 */
const col = <A>(values: ReadonlyArray<A | null>): ReadonlyArray<A | null> | string =>
  values.length > 0 && values.every((v) => v === null) ? `{${values.map(() => "NULL").join(",")}}` : values

export const make = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  const txConfig = yield* TransactionConfig

  const createOwner = (owner: Owner) =>
    sql`INSERT INTO owners (id, kind, name) VALUES (${owner.id}, ${owner.kind}, ${owner.name})`.pipe(
      Effect.as(owner),
      Effect.mapError(unavailable)
    )

  // account.created is appended by the same statement (the outbox parts of the CTE)
  const createAccount = (account: Account) =>
    sql<AccountRow>`WITH created AS (
      INSERT INTO accounts (id, currency, owner_id, allow_negative, metadata, created_at, updated_at)
      VALUES (${account.id}, ${account.currency}, ${account.ownerId}, ${account.allowNegative},
              ${account.metadata === null ? null : sql.json(account.metadata)}, ${toDate(account.createdAt)},
              ${toDate(account.updatedAt)})
      RETURNING ${sql.literal(accountColumns)}
    ), ${outboxParts(sql, withIds([accountCreated(account)]))}
    SELECT * FROM created`.pipe(
      Effect.map((rows) => toAccount(rows[0]!)),
      Effect.mapError(unavailable)
    )

  const getOwner = (id: OwnerId) =>
    sql<Owner>`SELECT id, kind, name FROM owners WHERE id = ${id}`.pipe(
      Effect.map((rows) => Option.fromNullishOr(rows[0])),
      Effect.mapError(unavailable)
    )

  const getAccounts = (ids: ReadonlyArray<AccountId>) =>
    sql<AccountRow>`SELECT ${sql.literal(accountColumns)} FROM accounts WHERE id = ANY(${[...new Set(ids)]}::uuid[])`.pipe(
      Effect.map((rows) => new Map(rows.map((row) => [row.id as AccountId, toAccount(row)]))),
      Effect.mapError(unavailable)
    )

  const getAccount = (id: AccountId) =>
    sql<AccountRow>`SELECT ${sql.literal(accountColumns)} FROM accounts WHERE id = ${id}`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toAccount)),
      Effect.mapError(unavailable)
    )

  const listAccounts = (query: ListAccounts) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const rows = yield* sql<AccountRow>`SELECT ${sql.literal(accountColumns)} FROM accounts
        WHERE ${query.ownerId === null ? sql`true` : sql`owner_id = ${query.ownerId}`}
          AND ${after === undefined ? sql`true` : sql`(created_at, id) > (${after.createdAt}, ${after.id})`}
        ORDER BY created_at, id LIMIT ${query.limit + 1}`.pipe(Effect.mapError(unavailable))
      const page = rows.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: page.map(toAccount),
        nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.created_at, last.id) : null
      }
    })

  const transact = <A, E, R>(effect: Effect.Effect<A, E, R>) => withRetries(sql, txConfig, effect)

  // A join with the id list rather than `id = ANY(list)`: after waiting for another transaction's lock, every row
  // that transaction updated is re-checked (EvalPlanQual), and with `= ANY` of a long list those re-checks burned
  // CPU: 4 concurrent batches of 1000 spent 0.2 to 0.8 s of CPU each in this statement, running, not waiting
  // (packages/bench/README.md, "Batches under concurrency"). Rows are still locked in ascending id order: the
  // sort runs below the row locks.
  const lockAccounts = (ids: ReadonlyArray<AccountId>) =>
    sql<AccountRow>`SELECT ${sql.literal(accountColumnsOf("a"))} FROM unnest(${[...new Set(ids)]}::uuid[]) AS k(id)
      JOIN accounts a ON a.id = k.id ORDER BY a.id FOR UPDATE OF a`.pipe(
      Effect.map((rows) => new Map(rows.map((row) => [row.id as AccountId, toAccount(row)]))),
      Effect.mapError(unavailable)
    )

  const lockTransfer = (id: TransferId) =>
    sql<TransferRow>`SELECT ${sql.literal(transferColumns)} FROM transfers WHERE id = ${id} FOR UPDATE`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toTransfer)),
      Effect.mapError(unavailable)
    )

  const write = (changes: Changes) =>
    Effect.gen(function* () {
      const ins = changes.inserted.map(({ transfer }) => transfer)
      const creators = changes.inserted.map(({ ownerId }) => ownerId)
      const upd = changes.updated.map(({ transfer }) => transfer)
      const acc = changes.accounts
      const ent = changes.entries
      // the events of this change (transfer.*, hold.*, batch.posted) ride in the same statement
      const events = withIds(ledgerEvents(changes))
      const [counts] = yield* sql<{ inserted: number; updated: number; accounts: number; entries: number }>`
        WITH ins AS (
          INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, currency, credit_amount,
            credit_currency, pending, status, failure_code, posted_amount, timeout_seconds, expires_at, fx_rate,
            fx_source, fx_as_of, fx_debit_liquidity_id, fx_credit_liquidity_id, batch_id, owner_id, metadata,
            created_at, updated_at)
          SELECT v.id, v.debit, v.credit, v.amount, v.currency, v.credit_amount, v.credit_currency, v.pending,
            v.status, v.failure_code, v.posted_amount, v.timeout_seconds, v.expires_at, v.fx_rate::numeric,
            v.fx_source, v.fx_as_of, v.fx_dl, v.fx_cl, v.batch_id, v.owner_id, v.metadata::jsonb,
            v.created_at, v.updated_at
          FROM unnest(
            ${col(ins.map((t) => t.id))}::uuid[], ${col(ins.map((t) => t.debitAccountId))}::uuid[],
            ${col(ins.map((t) => t.creditAccountId))}::uuid[], ${col(ins.map((t) => t.amountMinor))}::int8[],
            ${col(ins.map((t) => t.currency))}::text[], ${col(ins.map((t) => t.creditAmountMinor))}::int8[],
            ${col(ins.map((t) => t.creditCurrency))}::text[], ${col(ins.map((t) => t.pending))}::bool[],
            ${col(ins.map((t) => t.status))}::text[], ${col(ins.map((t) => t.failureCode))}::text[],
            ${col(ins.map((t) => t.postedAmountMinor))}::int8[], ${col(ins.map((t) => t.timeoutSeconds))}::int4[],
            ${col(ins.map((t) => iso(t.expiresAt)))}::timestamptz[], ${col(ins.map((t) => t.fx?.rate ?? null))}::text[],
            ${col(ins.map((t) => t.fx?.source ?? null))}::text[], ${col(ins.map((t) => iso(t.fx?.asOf ?? null)))}::timestamptz[],
            ${col(ins.map((t) => t.fx?.debitLiquidityAccountId ?? null))}::uuid[],
            ${col(ins.map((t) => t.fx?.creditLiquidityAccountId ?? null))}::uuid[], ${col(ins.map((t) => t.batchId))}::uuid[],
            ${col(creators)}::uuid[], ${col(ins.map((t) => json(t.metadata)))}::text[], ${col(ins.map((t) => iso(t.createdAt)))}::timestamptz[],
            ${col(ins.map((t) => iso(t.updatedAt)))}::timestamptz[]
          ) AS v(id, debit, credit, amount, currency, credit_amount, credit_currency, pending, status, failure_code,
                 posted_amount, timeout_seconds, expires_at, fx_rate, fx_source, fx_as_of, fx_dl, fx_cl, batch_id,
                 owner_id, metadata, created_at, updated_at)
          ON CONFLICT (id) DO NOTHING
          RETURNING 1
        ),
        -- a taken id (a retry) writes nothing else: the caller answers it from the stored transfer
        upd AS (
          UPDATE transfers t SET status = v.status, failure_code = v.failure_code, posted_amount = v.posted_amount,
            credit_amount = v.credit_amount, updated_at = v.updated_at
          FROM unnest(
            ${col(upd.map((t) => t.id))}::uuid[], ${col(upd.map((t) => t.status))}::text[],
            ${col(upd.map((t) => t.failureCode))}::text[], ${col(upd.map((t) => t.postedAmountMinor))}::int8[],
            ${col(upd.map((t) => t.creditAmountMinor))}::int8[], ${col(upd.map((t) => iso(t.updatedAt)))}::timestamptz[]
          ) AS v(id, status, failure_code, posted_amount, credit_amount, updated_at)
          WHERE t.id = v.id AND (SELECT count(*) FROM ins) = ${ins.length}
          RETURNING 1
        ), acc AS (
          UPDATE accounts a SET posted = v.posted, pending_debits = v.pending_debits,
            pending_credits = v.pending_credits, version = v.version, updated_at = v.updated_at
          FROM unnest(
            ${col(acc.map((a) => a.id))}::uuid[], ${col(acc.map((a) => a.postedMinor))}::int8[],
            ${col(acc.map((a) => a.pendingDebitsMinor))}::int8[], ${col(acc.map((a) => a.pendingCreditsMinor))}::int8[],
            ${col(acc.map((a) => a.version))}::int8[], ${col(acc.map((a) => iso(a.updatedAt)))}::timestamptz[]
          ) AS v(id, posted, pending_debits, pending_credits, version, updated_at)
          WHERE a.id = v.id AND a.version = v.version - 1 AND (SELECT count(*) FROM ins) = ${ins.length}
          RETURNING 1
        ), ent AS (
          INSERT INTO entries (transfer_id, account_id, currency, side, amount, posted_after, created_at)
          SELECT * FROM unnest(
            ${col(ent.map((e) => e.transferId))}::uuid[], ${col(ent.map((e) => e.accountId))}::uuid[],
            ${col(ent.map((e) => e.currency))}::text[], ${col(ent.map((e) => e.side))}::text[],
            ${col(ent.map((e) => e.amountMinor))}::int8[], ${col(ent.map((e) => e.postedAfterMinor))}::int8[],
            ${col(ent.map((e) => iso(e.createdAt)))}::timestamptz[]
          ) WHERE (SELECT count(*) FROM ins) = ${ins.length}
          RETURNING 1
        ), ${outboxParts(sql, events, sql`(SELECT count(*) FROM ins) = ${ins.length}`)}
        SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM upd)::int AS updated,
               (SELECT count(*) FROM acc)::int AS accounts, (SELECT count(*) FROM ent)::int AS entries`.pipe(
        Effect.mapError(unavailable)
      )
      if (counts === undefined || counts.inserted !== ins.length) {
        const taken = yield* sql<{
          id: string
        }>`SELECT id FROM transfers WHERE id = ANY(${col(ins.map((t) => t.id))}::uuid[])`.pipe(
          Effect.mapError(unavailable)
        )
        return yield* new TransferIdTaken({ transferIds: taken.map((r) => r.id) })
      }
      if (counts.updated !== upd.length || counts.accounts !== acc.length || counts.entries !== ent.length) {
        // Every row written here was locked by this transaction: a mismatch is a bug, never a race.
        return yield* Effect.die(
          new Error(`ledger write mismatch: ${JSON.stringify(counts)} for ${upd.length}/${acc.length}/${ent.length}`)
        )
      }
    })

  const visibleTo = (ownerId: OwnerId | null) =>
    ownerId === null
      ? sql`true`
      : sql`(owner_id = ${ownerId} OR (status <> 'failed' AND EXISTS (SELECT 1 FROM accounts a
             WHERE a.id IN (debit_account_id, credit_account_id) AND a.owner_id = ${ownerId})))`

  const getTransfers = (ids: ReadonlyArray<TransferId>, viewer: OwnerId | null) =>
    sql<TransferRow>`SELECT ${sql.literal(transferColumns)} FROM transfers
      WHERE id = ANY(${[...ids]}::uuid[]) AND ${visibleTo(viewer)}`.pipe(
      Effect.map((rows) => rows.map(toTransfer)),
      Effect.mapError(unavailable)
    )

  const getCreatedTransfers = (ids: ReadonlyArray<TransferId>, creator: OwnerId | null) =>
    sql<TransferRow>`SELECT ${sql.literal(transferColumns)} FROM transfers
      WHERE id = ANY(${[...ids]}::uuid[]) AND ${creator === null ? sql`true` : sql`owner_id = ${creator}`}`.pipe(
      Effect.map((rows) => rows.map(toTransfer)),
      Effect.mapError(unavailable)
    )

  // Ordered by the writing transaction, below the horizon of transactions still in flight: a transfer that
  // commits later sorts after every cursor handed out before it (migration 0027, docs/adr/0019-tail-cursor.md).
  const listTransfers = (query: ListTransfers) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeTailCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const byAccount =
        query.accountId === null
          ? sql`true`
          : sql`(debit_account_id = ${query.accountId} OR credit_account_id = ${query.accountId})`
      const byOwner = visibleTo(query.ownerId)
      const rows = yield* sql<TransferRow & { readonly position: string }>`
        SELECT ${sql.literal(transferColumns)}, created_xid::text AS position FROM transfers
        WHERE ${byAccount} AND ${byOwner}
          AND ${query.status === null ? sql`true` : sql`status = ${query.status}`}
          AND created_xid < (SELECT tally_tail_horizon())
          AND ${after === undefined ? sql`true` : sql`(created_xid, id) > (${after.position.toString()}::xid8, ${after.id}::uuid)`}
        ORDER BY created_xid, id LIMIT ${query.limit + 1}`.pipe(Effect.mapError(unavailable))
      const page = rows.slice(0, query.limit)
      const last = page.at(-1)
      const lastCursor = last === undefined ? null : encodeTailCursor(BigInt(last.position), last.id)
      return {
        items: page.map(toTransfer),
        nextCursor: rows.length > query.limit ? lastCursor : null,
        tailCursor: lastCursor ?? query.cursor
      }
    })

  // Ordered by entry id, which is commit order per account: entries are written under the account's row lock, held
  // until COMMIT, so an entry committed later on the account was numbered later (docs/adr/0019-tail-cursor.md).
  const listEntries = (query: ListEntries) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeSeqCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const rows = yield* sql<EntryRow>`SELECT id, transfer_id, account_id, currency, side, amount, posted_after,
          created_at FROM entries
        WHERE account_id = ${query.accountId} AND id > ${after ?? 0n}
        ORDER BY id LIMIT ${query.limit + 1}`.pipe(Effect.mapError(unavailable))
      const page = rows.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: page.map(toEntry),
        nextCursor: rows.length > query.limit && last !== undefined ? encodeSeqCursor(BigInt(last.id)) : null,
        tailCursor: last !== undefined ? encodeSeqCursor(BigInt(last.id)) : query.cursor
      }
    })

  const dueHolds = (now: Date, limit: number) =>
    sql<{ id: string }>`SELECT id FROM transfers WHERE status = 'pending' AND expires_at <= ${now}
      ORDER BY expires_at LIMIT ${limit}`.pipe(
      Effect.map((rows) => rows.map((r) => r.id as TransferId)),
      Effect.mapError(unavailable)
    )

  const systemAccount = (kind: SystemAccountKind, currency: CurrencyCode) =>
    sql<{
      account_id: string
    }>`SELECT account_id FROM system_accounts WHERE kind = ${kind} AND currency = ${currency}`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), (r) => r.account_id as AccountId)),
      Effect.mapError(unavailable)
    )

  const registerSystemAccount = (kind: SystemAccountKind, currency: CurrencyCode, accountId: AccountId) =>
    sql`INSERT INTO system_accounts (kind, currency, account_id) VALUES (${kind}, ${currency}, ${accountId})
      ON CONFLICT (kind, currency) DO UPDATE SET account_id = excluded.account_id`.pipe(
      Effect.asVoid,
      Effect.mapError(unavailable)
    )

  const fxRoutes = (pairs: ReadonlyArray<readonly [CurrencyCode, CurrencyCode]>) =>
    sql<{
      base: string
      quote: string
      rate: string | null
      source: string | null
      as_of: Date | null
      base_liquidity: string | null
      quote_liquidity: string | null
    }>`SELECT p.base, p.quote, r.rate::text AS rate, r.source, r.as_of, b.account_id AS base_liquidity,
        q.account_id AS quote_liquidity
      FROM unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) AS p(base, quote)
      LEFT JOIN fx_rates r ON r.base = p.base AND r.quote = p.quote
      LEFT JOIN system_accounts b ON b.kind = 'fx_liquidity' AND b.currency = p.base
      LEFT JOIN system_accounts q ON q.kind = 'fx_liquidity' AND q.currency = p.quote`.pipe(
      Effect.map((rows) =>
        rows.map(
          (r): FxRoute => ({
            base: r.base as CurrencyCode,
            quote: r.quote as CurrencyCode,
            fx:
              r.rate === null || r.source === null || r.as_of === null
                ? null
                : {
                    base: r.base as CurrencyCode,
                    quote: r.quote as CurrencyCode,
                    rate: r.rate,
                    source: r.source,
                    asOf: DateTime.fromDateUnsafe(r.as_of)
                  },
            baseLiquidityId: r.base_liquidity as AccountId | null,
            quoteLiquidityId: r.quote_liquidity as AccountId | null
          })
        )
      ),
      Effect.mapError(unavailable)
    )

  const fxQuote = (base: CurrencyCode, quote: CurrencyCode) =>
    sql<{ rate: string; source: string; as_of: Date }>`SELECT rate::text AS rate, source, as_of FROM fx_rates
      WHERE base = ${base} AND quote = ${quote}`.pipe(
      Effect.map((rows) =>
        Option.map(
          Option.fromNullishOr(rows[0]),
          (r): FxQuote => ({ base, quote, rate: r.rate, source: r.source, asOf: DateTime.fromDateUnsafe(r.as_of) })
        )
      ),
      Effect.mapError(unavailable)
    )

  const listFxQuotes = sql<{ base: string; quote: string; rate: string; source: string; as_of: Date }>`
    SELECT base, quote, rate::text AS rate, source, as_of FROM fx_rates ORDER BY base, quote`.pipe(
    Effect.map((rows) =>
      rows.map(
        (r): FxQuote => ({
          base: r.base as CurrencyCode,
          quote: r.quote as CurrencyCode,
          rate: r.rate,
          source: r.source,
          asOf: DateTime.fromDateUnsafe(r.as_of)
        })
      )
    ),
    Effect.mapError(unavailable)
  )

  const saveFxQuotes = (quotes: ReadonlyArray<FxQuote>) =>
    sql`INSERT INTO fx_rates (base, quote, rate, source, as_of, fetched_at)
      SELECT b, q, r::numeric, s, a, now() FROM unnest(
        ${quotes.map((q) => q.base)}::text[], ${quotes.map((q) => q.quote)}::text[], ${quotes.map((q) => q.rate)}::text[],
        ${quotes.map((q) => q.source)}::text[], ${quotes.map((q) => DateTime.formatIso(q.asOf))}::timestamptz[]
      ) AS v(b, q, r, s, a)
      ON CONFLICT (base, quote) DO UPDATE SET rate = excluded.rate, source = excluded.source, as_of = excluded.as_of,
        fetched_at = excluded.fetched_at
      WHERE fx_rates.as_of <= excluded.as_of`.pipe(Effect.asVoid, Effect.mapError(unavailable))

  return LedgerStore.of({
    createOwner,
    createAccount,
    getAccount,
    listAccounts,
    transact,
    lockAccounts,
    lockTransfer,
    write,
    getTransfers,
    getCreatedTransfers,
    getOwner,
    getAccounts,
    listTransfers,
    listEntries,
    dueHolds,
    systemAccount,
    fxRoutes,
    fxQuote,
    saveFxQuotes,
    listFxQuotes,
    registerSystemAccount
  })
})

export const layer = Layer.effect(LedgerStore, make).pipe(Layer.provide(TransactionConfig.layer))
