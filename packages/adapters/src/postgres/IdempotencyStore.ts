// Idempotency records (docs/adr/0005-idempotency.md, 0010-operation-table.md), used by the server's one idempotency
// service for every surface: claim a key before running, complete it with the outcome, or release it for a retry.
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer } from "effect"

export interface IdempotencyKey {
  readonly scope: string
  readonly operation: string
  readonly key: string
}

export interface StoredOutcome {
  readonly requestHash: string
  readonly state: "in_flight" | "done"
  readonly status: number | null
  readonly body: string | null
}

export class IdempotencyStore extends Context.Service<
  IdempotencyStore,
  {
    /**
     * Claims the key for a request with this body hash: `claimed`, or what is stored under the key (another
     * request's claim or outcome). A claim older than `leaseSeconds` with the same body is taken over.
     * `undefined` when the record vanished between the two statements (expired): run without a claim.
     */
    readonly claim: (
      id: IdempotencyKey,
      requestHash: string,
      leaseSeconds: number
    ) => Effect.Effect<"claimed" | StoredOutcome | undefined>
    readonly complete: (id: IdempotencyKey, status: number, body: string) => Effect.Effect<void>
    readonly release: (id: IdempotencyKey) => Effect.Effect<void>
    /** Deletes records older than `retentionHours`; returns how many. */
    readonly prune: (retentionHours: number) => Effect.Effect<number>
  }
>()("tally/adapters/IdempotencyStore") {
  static readonly layer = Layer.effect(
    IdempotencyStore,
    Effect.gen(function* () {
      const sql = yield* PgClient.PgClient
      const where = (id: IdempotencyKey) => sql`scope = ${id.scope} AND operation = ${id.operation} AND key = ${id.key}`

      const claim = (id: IdempotencyKey, requestHash: string, leaseSeconds: number) =>
        Effect.gen(function* () {
          const claimed = yield* sql<{ claimed: boolean }>`
            INSERT INTO idempotency_keys (scope, operation, key, request_hash, state)
            VALUES (${id.scope}, ${id.operation}, ${id.key}, ${requestHash}, 'in_flight')
            ON CONFLICT (scope, operation, key) DO UPDATE SET created_at = now(), request_hash = excluded.request_hash
              WHERE idempotency_keys.state = 'in_flight'
                AND idempotency_keys.created_at < now() - make_interval(secs => ${leaseSeconds})
                AND idempotency_keys.request_hash = excluded.request_hash
            RETURNING true AS claimed`
          if (claimed.length > 0) return "claimed" as const
          const [row] = yield* sql<{
            request_hash: string
            state: "in_flight" | "done"
            response_status: number | null
            response_body: string | null
          }>`SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE ${where(id)}`
          return row === undefined
            ? undefined
            : { requestHash: row.request_hash, state: row.state, status: row.response_status, body: row.response_body }
        }).pipe(Effect.orDie)

      const complete = (id: IdempotencyKey, status: number, body: string) =>
        sql`UPDATE idempotency_keys SET state = 'done', response_status = ${status}, response_body = ${body},
            completed_at = now() WHERE ${where(id)}`.pipe(Effect.asVoid, Effect.orDie)

      const release = (id: IdempotencyKey) =>
        sql`DELETE FROM idempotency_keys WHERE ${where(id)} AND state = 'in_flight'`.pipe(Effect.ignore)

      const prune = (retentionHours: number) =>
        sql<{ n: number }>`WITH gone AS (DELETE FROM idempotency_keys
            WHERE created_at < now() - make_interval(hours => ${retentionHours}) RETURNING 1)
          SELECT count(*)::int AS n FROM gone`.pipe(
          Effect.map((rows) => rows[0]?.n ?? 0),
          Effect.orDie
        )

      return IdempotencyStore.of({ claim, complete, release, prune })
    })
  )
}
