import { PgClient } from "@effect/sql-pg"
import type { Account, AccountId } from "@tally/domain/Account"
import { InvalidCursor, LedgerStore, type ListAccounts, type Owner } from "@tally/domain/ports/LedgerStore"
import { StoreUnavailable } from "@tally/domain/ports/StoreError"
import { Effect, Layer, Option } from "effect"
import type { SqlError } from "effect/sql"
import { type AccountRow, accountColumns, decodeCursor, encodeCursor, toAccount, toDate } from "./Rows.ts"

export const unavailable = (error: SqlError.SqlError) =>
  new StoreUnavailable({ message: `database: ${error.message}`, cause: error })

export const make = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient

  const createOwner = (owner: Owner) =>
    sql`INSERT INTO owners (id, kind, name) VALUES (${owner.id}, ${owner.kind}, ${owner.name})`.pipe(
      Effect.as(owner),
      Effect.mapError(unavailable)
    )

  const createAccount = (account: Account) =>
    sql<AccountRow>`INSERT INTO accounts (id, currency, owner_id, allow_negative, metadata, created_at, updated_at)
      VALUES (${account.id}, ${account.currency}, ${account.ownerId}, ${account.allowNegative},
              ${account.metadata === null ? null : sql.json(account.metadata)}, ${toDate(account.createdAt)},
              ${toDate(account.updatedAt)})
      RETURNING ${sql.literal(accountColumns)}`.pipe(
      Effect.map((rows) => toAccount(rows[0]!)),
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

  return LedgerStore.of({ createOwner, createAccount, getAccount, listAccounts })
})

export const layer = Layer.effect(LedgerStore, make)
