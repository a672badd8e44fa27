// The RPC `idempotencyKey` field: the same record and rules as HTTP's Idempotency-Key (http/Idempotency.ts),
// scoped to the API key and the RPC method. Same key and payload → the first outcome (success or typed error);
// another payload → Conflict `idempotency_key_reused`; while the first call runs → Conflict
// `idempotency_key_in_flight`. `Unavailable` and defects are not outcomes: the key is released for a retry.
import { createHash } from "node:crypto"
import { IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import { Cause, Effect, Exit, Option, Schema } from "effect"
import type { Principal } from "../api/Security.ts"
import { IdempotencyConfig } from "../http/Idempotency.ts"
import { Conflict, RpcError } from "./Errors.ts"

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

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
): Effect.Effect<A, E | Conflict, R | IdempotencyStore> => {
  const key = call.key
  if (key === undefined) return effect
  return Effect.gen(function* () {
    const store = yield* IdempotencyStore
    const config = yield* IdempotencyConfig.pipe(Effect.orDie)
    const id = {
      scope: call.principal.kind === "admin" ? "rpc:admin" : `rpc:key:${call.principal.keyId}`,
      operation: `RPC ${call.method}`,
      key
    }
    const requestHash = sha256(JSON.stringify(call.request))

    const claim = yield* store.claim(id, requestHash, config.leaseSeconds)
    if (claim === undefined) return yield* effect // expired between claim and read: run it
    if (claim !== "claimed") {
      if (claim.requestHash !== requestHash) {
        return yield* new Conflict({ code: "idempotency_key_reused", detail: "this key was used with another payload" })
      }
      if (claim.state === "in_flight") {
        return yield* new Conflict({
          code: "idempotency_key_in_flight",
          detail: "the first call with this key still runs"
        })
      }
      const body: unknown = JSON.parse(claim.body ?? "null")
      if (claim.status === 200) return body as A
      return yield* Effect.fail(decodeError(body) as E)
    }

    const exit = yield* Effect.exit(effect).pipe(Effect.onInterrupt(() => store.release(id)))
    if (Exit.isSuccess(exit)) {
      yield* store.complete(id, 200, JSON.stringify(exit.value))
    } else {
      const error = Cause.findErrorOption(exit.cause)
      if (Option.isSome(error) && isOutcome(error.value))
        yield* store.complete(id, 422, JSON.stringify(encodeError(error.value)))
      else yield* store.release(id)
    }
    return yield* exit
  })
}
