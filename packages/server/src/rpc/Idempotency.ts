// The RPC `idempotencyKey` field: the same record and rules as HTTP's Idempotency-Key (http/Idempotency.ts),
// scoped to the API key and the RPC method. Same key and payload → the first outcome (success or typed error);
// another payload → Conflict `idempotency_key_reused`; while the first call runs → Conflict
// `idempotency_key_in_flight`. `Unavailable` and defects are not outcomes: the key is released for a retry.
import { createHash } from "node:crypto"
import { Cause, Effect, Exit, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { Principal } from "../api/Security.ts"
import { IdempotencyConfig } from "../http/Idempotency.ts"
import { Conflict, RpcError } from "./Errors.ts"

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

interface Row {
  readonly request_hash: string
  readonly state: "in_flight" | "done"
  readonly response_status: number | null
  readonly response_body: string | null
}

const isOutcome = (error: unknown): error is RpcError => Schema.is(RpcError)(error) && error._tag !== "Unavailable"
const encodeError = Schema.encodeUnknownSync(RpcError)
const decodeError = Schema.decodeUnknownSync(RpcError)

export interface IdempotentCall {
  readonly principal: Principal
  /** The RPC method, e.g. `transfers.create`. */
  readonly method: string
  readonly key: string | undefined
  /** The payload without its key: a replay must carry the same. */
  readonly request: unknown
}

export const idempotent = <A, E, R>(
  call: IdempotentCall,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | Conflict, R | SqlClient.SqlClient> => {
  const key = call.key
  if (key === undefined) return effect
  return Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const config = yield* IdempotencyConfig.pipe(Effect.orDie)
    const scope = call.principal.kind === "admin" ? "rpc:admin" : `rpc:key:${call.principal.keyId}`
    const operation = `RPC ${call.method}`
    const requestHash = sha256(JSON.stringify(call.request))

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
      if (row === undefined) return yield* effect // expired between the two statements: run it
      if (row.request_hash !== requestHash) {
        return yield* new Conflict({ code: "idempotency_key_reused", detail: "this key was used with another payload" })
      }
      if (row.state === "in_flight") {
        return yield* new Conflict({
          code: "idempotency_key_in_flight",
          detail: "the first call with this key still runs"
        })
      }
      const body: unknown = JSON.parse(row.response_body ?? "null")
      if (row.response_status === 200) return body as A
      return yield* Effect.fail(decodeError(body) as E)
    }

    const release = sql`DELETE FROM idempotency_keys
      WHERE scope = ${scope} AND operation = ${operation} AND key = ${key} AND state = 'in_flight'`.pipe(Effect.ignore)
    const complete = (status: number, body: unknown) =>
      sql`UPDATE idempotency_keys SET state = 'done', response_status = ${status},
          response_body = ${JSON.stringify(body)}, completed_at = now()
        WHERE scope = ${scope} AND operation = ${operation} AND key = ${key}`.pipe(Effect.orDie)
    const exit = yield* Effect.exit(effect).pipe(Effect.onInterrupt(() => release))
    if (Exit.isSuccess(exit)) {
      yield* complete(200, exit.value)
    } else {
      const error = Cause.findErrorOption(exit.cause)
      if (Option.isSome(error) && isOutcome(error.value)) yield* complete(422, encodeError(error.value))
      else yield* release
    }
    return yield* exit
  })
}
