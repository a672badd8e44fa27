// `Idempotency-Key` for every POST: scoped to the API key and the operation (method + path). The first
// request claims the key ('in_flight'); its response is stored and replayed to later requests with the
// same key and body; another body → 422; a request while the first still runs → 409. Kept ≥ 24 h.
import { createHash } from "node:crypto"
import { IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import { Config, Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"

export const IdempotencyConfig = Config.all({
  /** A claim older than this is taken over (its owner crashed). */
  leaseSeconds: Config.Int("TALLY_IDEMPOTENCY_LEASE_SECONDS").pipe(Config.withDefault(60)),
  retentionHours: Config.Int("TALLY_IDEMPOTENCY_RETENTION_HOURS").pipe(Config.withDefault(24))
})

const EXCLUDED = ["/v1/api-keys", "/rpc"]
const NOT_OUTCOMES = new Set([401, 429])

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

// the same type and title as the documented problems of that status (api/Problems.ts: Unprocessable, Conflict)
const problem = (status: 409 | 422, code: string, detail: string) =>
  HttpServerResponse.jsonUnsafe(
    status === 422
      ? { type: "urn:tally:problem:unprocessable", status, title: "The request was refused", code, detail }
      : { type: "urn:tally:problem:conflict", status, title: "Conflict", code, detail },
    { status, contentType: "application/problem+json" }
  )

export const IdempotencyMiddleware = HttpRouter.middleware(
  Effect.gen(function* () {
    const store = yield* IdempotencyStore
    const config = yield* IdempotencyConfig
    return (httpEffect) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const key = request.headers["idempotency-key"]
        if (request.method !== "POST" || key === undefined || key === "" || key.length > 255) return yield* httpEffect
        // never store a response holding a secret (a new API key); RPC has its own idempotencyKey field
        if (EXCLUDED.some((prefix) => request.url.startsWith(prefix))) return yield* httpEffect
        // without credentials the request is a 401 anyway: claim nothing for it
        if (request.headers.authorization === undefined) return yield* httpEffect
        const id = {
          scope: sha256(request.headers.authorization ?? "anonymous"),
          operation: `POST ${request.url.split("?")[0]}`,
          key
        }
        const requestHash = sha256(yield* Effect.orElseSucceed(request.text, () => ""))

        const claim = yield* store.claim(id, requestHash, config.leaseSeconds)
        if (claim === undefined) return yield* httpEffect // expired between claim and read: run it
        if (claim !== "claimed") {
          if (claim.requestHash !== requestHash) {
            return problem(422, "idempotency_key_reused", "this key was used with another body")
          }
          if (claim.state === "in_flight") {
            return problem(409, "idempotency_key_in_flight", "the first request with this key still runs")
          }
          const status = claim.status ?? 200
          return HttpServerResponse.text(claim.body ?? "", {
            status,
            contentType: status >= 400 ? "application/problem+json" : "application/json",
            headers: { "idempotent-replayed": "true" }
          })
        }

        const response = yield* httpEffect.pipe(Effect.onError(() => store.release(id)))
        // 401, 429 and 5xx answers are not outcomes: release the key so the client's retry runs again
        if (NOT_OUTCOMES.has(response.status) || response.status >= 500 || response.body._tag !== "Uint8Array") {
          yield* store.release(id)
          return response
        }
        yield* store.complete(id, response.status, new TextDecoder().decode(response.body.body))
        return response
      })
  }),
  { global: true }
)
