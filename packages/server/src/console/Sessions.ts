// Console sessions in PostgreSQL: the cookie carries a random token, the table only its SHA-256. A session belongs
// to a confirmed user or to the administrator, and ends at its expiry or at logout. The CSRF token of a session's
// forms is an HMAC of the session token: tied to the session, unguessable without the cookie, nothing to store.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import type { OwnerId } from "@tally/domain/Account"
import { StoreUnavailable } from "@tally/domain/ports/StoreError"
import { Context, DateTime, type Duration, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { sha256Hex } from "../Hash.ts"

export type SessionPrincipal =
  | { readonly kind: "user"; readonly userId: OwnerId; readonly name: string }
  | { readonly kind: "admin" }

export interface Session {
  readonly token: string
  readonly principal: SessionPrincipal
  readonly expiresAt: DateTime.Utc
}

export const newToken = () => randomBytes(32).toString("base64url")

/** The CSRF token for forms of the session whose cookie token is `sessionToken`. */
export const csrfFor = (sessionToken: string) =>
  createHmac("sha256", sessionToken).update("tally-console-csrf").digest("base64url")

/** Constant-time comparison of two tokens (different lengths never match). */
export const sameToken = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

interface SessionRow {
  readonly user_id: string | null
  readonly name: string | null
  readonly admin: boolean
  readonly expires_at: Date
}

const unavailable = (error: unknown) =>
  new StoreUnavailable({ message: error instanceof Error ? error.message : String(error) })

export class Sessions extends Context.Service<
  Sessions,
  {
    readonly create: (principal: SessionPrincipal, ttl: Duration.Duration) => Effect.Effect<Session, StoreUnavailable>
    /** The live session of this cookie token (none: unknown, logged out or expired). */
    readonly find: (token: string) => Effect.Effect<Option.Option<Session>, StoreUnavailable>
    readonly end: (token: string) => Effect.Effect<void, StoreUnavailable>
  }
>()("tally/server/console/Sessions") {
  static readonly layer = Layer.effect(
    Sessions,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const create = (principal: SessionPrincipal, ttl: Duration.Duration) =>
        Effect.gen(function* () {
          const token = newToken()
          const now = yield* DateTime.now
          const expiresAt = DateTime.addDuration(now, ttl)
          const userId = principal.kind === "user" ? principal.userId : null
          // expired sessions are dropped as new ones start: the table holds live sessions plus a few stale ones
          yield* sql`DELETE FROM console_sessions WHERE expires_at <= ${DateTime.formatIso(now)}::timestamptz`
          yield* sql`INSERT INTO console_sessions (token_hash, user_id, admin, created_at, expires_at)
            VALUES (${sha256Hex(token)}, ${userId}, ${principal.kind === "admin"},
              ${DateTime.formatIso(now)}::timestamptz, ${DateTime.formatIso(expiresAt)}::timestamptz)`
          return { token, principal, expiresAt } satisfies Session
        }).pipe(Effect.mapError(unavailable))
      const find = (token: string) =>
        Effect.gen(function* () {
          const now = yield* DateTime.now
          const rows = yield* sql<SessionRow>`SELECT s.user_id, u.name, s.admin, s.expires_at
            FROM console_sessions s LEFT JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = ${sha256Hex(token)} AND s.expires_at > ${DateTime.formatIso(now)}::timestamptz`
          const row = rows[0]
          if (row === undefined) return Option.none<Session>()
          const principal: SessionPrincipal =
            row.admin || row.user_id === null
              ? { kind: "admin" }
              : { kind: "user", userId: row.user_id as OwnerId, name: row.name ?? "" }
          return Option.some<Session>({ token, principal, expiresAt: DateTime.fromDateUnsafe(row.expires_at) })
        }).pipe(Effect.mapError(unavailable))
      const end = (token: string) =>
        sql`DELETE FROM console_sessions WHERE token_hash = ${sha256Hex(token)}`.pipe(
          Effect.asVoid,
          Effect.mapError(unavailable)
        )
      return Sessions.of({ create, find, end })
    })
  )
}
