import { PgClient } from "@effect/sql-pg"
import type { OwnerId } from "@tally/domain/Account"
import { InvalidCursor } from "@tally/domain/ports/LedgerStore"
import { UserStore } from "@tally/domain/ports/UserStore"
import { type ConfirmationToken, EmailTaken, type User } from "@tally/domain/User"
import { DateTime, Effect, Layer, Option } from "effect"
import { unavailable } from "./PgLedgerStore.ts"
import { decodeCursor, encodeCursor } from "./Rows.ts"

interface UserRow {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly created_at: Date
  readonly confirmed_at: Date | null
  readonly wallet_account_id: string | null
}

const columns = "id, email, name, created_at, confirmed_at, wallet_account_id"
const utc = (d: Date) => DateTime.fromDateUnsafe(d)

const toUser = (r: UserRow): User => ({
  id: r.id as OwnerId,
  email: r.email,
  name: r.name,
  createdAt: utc(r.created_at),
  confirmedAt: r.confirmed_at === null ? null : utc(r.confirmed_at),
  walletAccountId: r.wallet_account_id
})

export const layer = Layer.effect(
  UserStore,
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const iso = DateTime.formatIso

    const insert = (user: User, passwordHash: string, token: ConfirmationToken) =>
      Effect.gen(function* () {
        const rows = yield* sql<UserRow>`WITH u AS (
            INSERT INTO users (id, email, name, password_hash, created_at)
            VALUES (${user.id}, ${user.email}, ${user.name}, ${passwordHash}, ${iso(user.createdAt)}::timestamptz)
            ON CONFLICT (email) DO NOTHING
            RETURNING ${sql.literal(columns)}
          ), o AS (
            INSERT INTO owners (id, kind, name) SELECT id, 'user', name FROM u
          ), t AS (
            INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at, created_at)
            SELECT ${token.tokenHash}, id, 'confirm', ${iso(token.expiresAt)}::timestamptz, created_at FROM u
          )
          SELECT * FROM u`.pipe(Effect.mapError(unavailable))
        const row = rows[0]
        if (row === undefined) return yield* new EmailTaken({ email: user.email })
        return toUser(row)
      })

    const lockToken = (tokenHash: string) =>
      sql<
        UserRow & { token_hash: string; expires_at: Date; used_at: Date | null }
      >`SELECT u.id, u.email, u.name, u.created_at, u.confirmed_at, u.wallet_account_id, t.token_hash, t.expires_at,
          t.used_at
        FROM user_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ${tokenHash} AND t.purpose = 'confirm'
        FOR UPDATE OF t, u`.pipe(
        Effect.map((rows) =>
          Option.map(Option.fromNullishOr(rows[0]), (r) => ({
            user: toUser(r),
            token: {
              tokenHash: r.token_hash,
              userId: r.id as OwnerId,
              expiresAt: utc(r.expires_at),
              usedAt: r.used_at === null ? null : utc(r.used_at)
            }
          }))
        ),
        Effect.mapError(unavailable)
      )

    const confirm = (userId: OwnerId, tokenHash: string, walletAccountId: string, now: DateTime.Utc) =>
      sql<UserRow>`WITH t AS (
          UPDATE user_tokens SET used_at = ${iso(now)}::timestamptz WHERE token_hash = ${tokenHash} AND used_at IS NULL
        )
        UPDATE users SET confirmed_at = ${iso(now)}::timestamptz, wallet_account_id = ${walletAccountId}
        WHERE id = ${userId} RETURNING ${sql.literal(columns)}`.pipe(
        Effect.flatMap((rows) =>
          rows[0] === undefined ? Effect.die(new Error(`user ${userId} vanished`)) : Effect.succeed(toUser(rows[0]))
        ),
        Effect.mapError(unavailable)
      )

    const findByEmail = (email: string) =>
      sql<UserRow & { password_hash: string }>`SELECT ${sql.literal(columns)}, password_hash FROM users
        WHERE email = ${email}`.pipe(
        Effect.map((rows) =>
          Option.map(Option.fromNullishOr(rows[0]), (r) => ({ user: toUser(r), passwordHash: r.password_hash }))
        ),
        Effect.mapError(unavailable)
      )

    const get = (id: OwnerId) =>
      sql<UserRow>`SELECT ${sql.literal(columns)} FROM users WHERE id = ${id}`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toUser)),
        Effect.mapError(unavailable)
      )

    const list = (query: { readonly cursor: string | null; readonly limit: number }) =>
      Effect.gen(function* () {
        const after = query.cursor === null ? undefined : decodeCursor(query.cursor)
        if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
        const rows = yield* sql<UserRow>`SELECT ${sql.literal(columns)} FROM users
          WHERE ${after === undefined ? sql`true` : sql`(created_at, id) > (${after.createdAt}, ${after.id})`}
          ORDER BY created_at, id LIMIT ${query.limit + 1}`.pipe(Effect.mapError(unavailable))
        const page = rows.slice(0, query.limit)
        const last = page.at(-1)
        return {
          items: page.map(toUser),
          nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.created_at, last.id) : null
        }
      })

    return UserStore.of({ insert, lockToken, confirm, findByEmail, get, list })
  })
)
