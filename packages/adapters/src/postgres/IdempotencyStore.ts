// Idempotency records (docs/adr/0005-idempotency.md, 0010-operation-table.md, 0027-idempotency-claims.md), used by
// the server's one idempotency service for every surface: claim a key before running, renew the claim while
// running, complete it with the outcome, or release it for a retry. Each claim carries a token: a claim taken
// over after its lease gets a new one, and the old holder's renewals, completion and release then change nothing.
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer } from "effect"

export interface IdempotencyKey {
  readonly scope: string
  readonly operation: string
  readonly key: string
}

export interface StoredOutcome {
  readonly _tag: "Stored"
  readonly requestHash: string
  readonly state: "in_flight" | "done"
  readonly status: number | null
  readonly body: string | null
}

/** How ids derived from the key are made: 1 = (scope, key, index), before 0029; 2 = (scope, operation, key, index). */
export type Derivation = 1 | 2

export interface Claim {
  readonly _tag: "Claimed"
  /** The fencing token: renew, complete and release act only while the claim still carries it. */
  readonly token: string
  readonly derivation: Derivation
  /** A stale claim (its holder crashed or stalled) was taken over: the first run may have committed. */
  readonly resumed: boolean
}

export class IdempotencyStore extends Context.Service<
  IdempotencyStore,
  {
    /**
     * Claims the key for a request with this body hash: a `Claim`, or what is stored under the key (another
     * request's claim or outcome). A claim not renewed for `leaseSeconds` with the same body is taken over.
     * `undefined` when the record vanished between the two statements (expired): run without a claim.
     */
    readonly claim: (
      id: IdempotencyKey,
      requestHash: string,
      leaseSeconds: number
    ) => Effect.Effect<Claim | StoredOutcome | undefined>
    /** Renews the lease; false when the claim was taken over (or completed) meanwhile. */
    readonly renew: (id: IdempotencyKey, token: string) => Effect.Effect<boolean>
    /** Stores the outcome; false (nothing stored) when the claim is no longer this token's. */
    readonly complete: (id: IdempotencyKey, token: string, status: number, body: string) => Effect.Effect<boolean>
    readonly release: (id: IdempotencyKey, token: string) => Effect.Effect<void>
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
          // `created_at` is the lease: set on claim, moved by each renewal. A takeover keeps the record's
          // derivation (an older server's claim keeps deriving ids as it did) and issues a new token.
          const [claimed] = yield* sql<{ token: string; derivation: number | null; resumed: boolean }>`
            INSERT INTO idempotency_keys (scope, operation, key, request_hash, state, claim_token, derivation)
            VALUES (${id.scope}, ${id.operation}, ${id.key}, ${requestHash}, 'in_flight', gen_random_uuid(), 2)
            ON CONFLICT (scope, operation, key) DO UPDATE SET created_at = now(), claim_token = gen_random_uuid()
              WHERE idempotency_keys.state = 'in_flight'
                AND idempotency_keys.created_at < now() - make_interval(secs => ${leaseSeconds})
                AND idempotency_keys.request_hash = excluded.request_hash
            RETURNING claim_token::text AS token, derivation, (xmax <> 0) AS resumed`
          if (claimed !== undefined) {
            return {
              _tag: "Claimed",
              token: claimed.token,
              derivation: claimed.derivation === 2 ? 2 : 1,
              resumed: claimed.resumed
            } satisfies Claim
          }
          const [row] = yield* sql<{
            request_hash: string
            state: "in_flight" | "done"
            response_status: number | null
            response_body: string | null
          }>`SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE ${where(id)}`
          return row === undefined
            ? undefined
            : {
                _tag: "Stored" as const,
                requestHash: row.request_hash,
                state: row.state,
                status: row.response_status,
                body: row.response_body
              }
        }).pipe(Effect.orDie)

      const renew = (id: IdempotencyKey, token: string) =>
        sql<{ ok: boolean }>`UPDATE idempotency_keys SET created_at = now()
            WHERE ${where(id)} AND state = 'in_flight' AND claim_token = ${token}::uuid RETURNING true AS ok`.pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.orDie
        )

      const complete = (id: IdempotencyKey, token: string, status: number, body: string) =>
        sql<{ ok: boolean }>`UPDATE idempotency_keys SET state = 'done', response_status = ${status},
            response_body = ${body}, completed_at = now()
            WHERE ${where(id)} AND state = 'in_flight' AND claim_token = ${token}::uuid RETURNING true AS ok`.pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.orDie
        )

      const release = (id: IdempotencyKey, token: string) =>
        sql`DELETE FROM idempotency_keys
            WHERE ${where(id)} AND state = 'in_flight' AND claim_token = ${token}::uuid`.pipe(Effect.ignore)

      const prune = (retentionHours: number) =>
        sql<{ n: number }>`WITH gone AS (DELETE FROM idempotency_keys
            WHERE created_at < now() - make_interval(hours => ${retentionHours}) RETURNING 1)
          SELECT count(*)::int AS n FROM gone`.pipe(
          Effect.map((rows) => rows[0]?.n ?? 0),
          Effect.orDie
        )

      return IdempotencyStore.of({ claim, renew, complete, release, prune })
    })
  )
}
