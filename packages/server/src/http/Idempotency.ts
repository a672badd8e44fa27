// `Idempotency-Key` for every POST: scoped to the API key and the operation (method + path). The first
// request claims the key ('in_flight'); its response is stored and replayed to later requests with the
// same key and body; another body → 422; a request while the first still runs → 409. Kept ≥ 24 h.
import { createHash } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"

export const IdempotencyConfig = Config.all({
  /** A claim older than this is taken over (its owner crashed). */
  leaseSeconds: Config.Int("TALLY_IDEMPOTENCY_LEASE_SECONDS").pipe(Config.withDefault(60)),
  retentionHours: Config.Int("TALLY_IDEMPOTENCY_RETENTION_HOURS").pipe(Config.withDefault(24))
})

const EXCLUDED = ["/v1/api-keys", "/rpc"]

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

const problem = (status: number, code: string, title: string, detail: string) =>
  HttpServerResponse.jsonUnsafe(
    { type: `urn:tally:problem:${code.replaceAll("_", "-")}`, status, title, code, detail },
    { status, contentType: "application/problem+json" }
  )

interface Row {
  readonly request_hash: string
  readonly state: "in_flight" | "done"
  readonly response_status: number | null
  readonly response_body: string | null
}

export const IdempotencyMiddleware = HttpRouter.middleware(
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const config = yield* IdempotencyConfig
    return (httpEffect) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const key = request.headers["idempotency-key"]
        if (request.method !== "POST" || key === undefined || key === "" || key.length > 255) return yield* httpEffect
        // never store a response holding a secret (a new API key); RPC has its own idempotencyKey field
        if (EXCLUDED.some((prefix) => request.url.startsWith(prefix))) return yield* httpEffect
        const scope = sha256(request.headers.authorization ?? "anonymous")
        const operation = `POST ${request.url.split("?")[0]}`
        const body = yield* Effect.orElseSucceed(request.text, () => "")
        const requestHash = sha256(body)

        const claimed = yield* sql<{ claimed: boolean }>`
          INSERT INTO idempotency_keys (scope, operation, key, request_hash, state)
          VALUES (${scope}, ${operation}, ${key}, ${requestHash}, 'in_flight')
          ON CONFLICT (scope, operation, key) DO UPDATE SET created_at = now(), request_hash = excluded.request_hash
            WHERE idempotency_keys.state = 'in_flight'
              AND idempotency_keys.created_at < now() - make_interval(secs => ${config.leaseSeconds})
              AND idempotency_keys.request_hash = excluded.request_hash
          RETURNING true AS claimed`.pipe(Effect.orDie)
        if (claimed.length === 0) {
          const [row] = yield* sql<Row>`SELECT request_hash, state, response_status, response_body FROM idempotency_keys
            WHERE scope = ${scope} AND operation = ${operation} AND key = ${key}`.pipe(Effect.orDie)
          if (row === undefined) return yield* httpEffect // expired between the two statements: run it
          if (row.request_hash !== requestHash) {
            return problem(
              422,
              "idempotency_key_reused",
              "Idempotency key reused",
              "this key was used with another body"
            )
          }
          if (row.state === "in_flight") {
            return problem(
              409,
              "idempotency_key_in_flight",
              "Request in flight",
              "the first request with this key still runs"
            )
          }
          return HttpServerResponse.text(row.response_body ?? "", {
            status: row.response_status ?? 200,
            contentType: "application/json",
            headers: { "idempotent-replayed": "true" }
          }).pipe(
            row.response_status !== null && row.response_status >= 400
              ? HttpServerResponse.setHeader("content-type", "application/problem+json")
              : (r) => r
          )
        }

        const release = sql`DELETE FROM idempotency_keys
          WHERE scope = ${scope} AND operation = ${operation} AND key = ${key} AND state = 'in_flight'`.pipe(
          Effect.ignore
        )
        const response = yield* httpEffect.pipe(Effect.onError(() => release))
        // 5xx answers are not outcomes: release the key so the client's retry runs again
        if (response.status >= 500 || response.body._tag !== "Uint8Array") {
          yield* release
          return response
        }
        const text = new TextDecoder().decode(response.body.body)
        yield* sql`UPDATE idempotency_keys SET state = 'done', response_status = ${response.status},
            response_body = ${text}, completed_at = now()
          WHERE scope = ${scope} AND operation = ${operation} AND key = ${key}`.pipe(Effect.orDie)
        return response
      })
  }),
  { global: true }
)

/** Deletes records past retention (run by the scheduler). */
export const pruneIdempotencyKeys = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  const config = yield* IdempotencyConfig
  yield* sql`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => ${config.retentionHours})`
})
