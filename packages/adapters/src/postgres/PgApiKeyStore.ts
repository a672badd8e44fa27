import { PgClient } from "@effect/sql-pg"
import type { OwnerId } from "@tally/domain/Account"
import { type ApiKey, ApiKeyStore } from "@tally/domain/ports/ApiKeyStore"
import { Effect, Layer, Option } from "effect"
import { unavailable } from "./PgLedgerStore.ts"

interface Row {
  readonly id: string
  readonly owner_id: string
  readonly name: string
  readonly prefix: string
  readonly created_at: Date
  readonly revoked_at: Date | null
}

const toKey = (r: Row): ApiKey => ({
  id: r.id,
  ownerId: r.owner_id as OwnerId,
  name: r.name,
  prefix: r.prefix,
  createdAt: r.created_at,
  revokedAt: r.revoked_at
})

export const layer = Layer.effect(
  ApiKeyStore,
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    return ApiKeyStore.of({
      insert: (key, keyHash) =>
        sql`INSERT INTO api_keys (id, owner_id, name, prefix, key_hash, created_at)
          VALUES (${key.id}, ${key.ownerId}, ${key.name}, ${key.prefix}, ${keyHash}, ${key.createdAt})`.pipe(
          Effect.as(key),
          Effect.mapError(unavailable)
        ),
      findByHash: (keyHash) =>
        sql<Row>`SELECT id, owner_id, name, prefix, created_at, revoked_at FROM api_keys
          WHERE key_hash = ${keyHash} AND revoked_at IS NULL`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toKey)),
          Effect.mapError(unavailable)
        ),
      list: (ownerId) =>
        sql<Row>`SELECT id, owner_id, name, prefix, created_at, revoked_at FROM api_keys
          WHERE ${ownerId === null ? sql`true` : sql`owner_id = ${ownerId}`} ORDER BY created_at, id`.pipe(
          Effect.map((rows) => rows.map(toKey)),
          Effect.mapError(unavailable)
        ),
      revoke: (id, ownerId, at) =>
        sql<Row>`UPDATE api_keys SET revoked_at = coalesce(revoked_at, ${at})
          WHERE id = ${id} AND ${ownerId === null ? sql`true` : sql`owner_id = ${ownerId}`}
          RETURNING id, owner_id, name, prefix, created_at, revoked_at`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toKey)),
          Effect.mapError(unavailable)
        )
    })
  })
)
