// Idempotency for every surface (docs/adr/0005-idempotency.md, 0010-operation-table.md): a key is scoped to the
// API key that presents it (its id; the admin key is one scope) and the operation's name, so an HTTP request and
// an RPC call with the same key and request are one. The first claims the key ('in_flight'); its outcome is
// stored and replayed to later requests with the same key and request; another request → `idempotency_key_reused`;
// a request while the first still runs → `idempotency_key_in_flight`. Outcomes that are not answers (a store
// outage, a defect, an interruption) release the key for a retry. Kept TALLY_IDEMPOTENCY_RETENTION_HOURS (24).
import { IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import { Config, Context, Effect, Exit, Layer } from "effect"
import type { Principal } from "../Auth.ts"
import { sha256Hex } from "../Hash.ts"
import { Conflict, KeyReused, type WireError } from "./Errors.ts"

export const IdempotencyConfig = Config.all({
  /** A claim older than this is taken over (its owner crashed). */
  leaseSeconds: Config.Int("TALLY_IDEMPOTENCY_LEASE_SECONDS").pipe(Config.withDefault(60)),
  retentionHours: Config.Int("TALLY_IDEMPOTENCY_RETENTION_HOURS").pipe(Config.withDefault(24))
})

/** A stored outcome as it was first answered: the HTTP status and the JSON body (success or problem). */
export interface Stored {
  readonly status: number
  readonly body: string
}

export type Outcome<A> = { readonly _tag: "Fresh"; readonly value: A } | ({ readonly _tag: "Replayed" } & Stored)

export interface Once {
  readonly principal: Principal
  readonly operation: string
  readonly key: string
  /** The decoded request, re-encoded: equal requests hash alike whichever surface carried them. */
  readonly request: unknown
}

export const scopeOf = (principal: Principal) => (principal.kind === "admin" ? "admin" : `key:${principal.keyId}`)

export class Idempotency extends Context.Service<
  Idempotency,
  {
    /**
     * Runs `effect` once per key: fresh, or the stored outcome of the first run. `store` says what of an exit is
     * an outcome to keep (undefined: release the key).
     */
    readonly once: <A, R>(
      call: Once,
      effect: Effect.Effect<A, WireError, R>,
      store: (exit: Exit.Exit<A, WireError>) => Effect.Effect<Stored | undefined>
    ) => Effect.Effect<Outcome<A>, WireError, R>
  }
>()("tally/server/Idempotency") {
  static readonly layer = Layer.effect(
    Idempotency,
    Effect.gen(function* () {
      const records = yield* IdempotencyStore
      const config = yield* IdempotencyConfig
      const once = <A, R>(
        call: Once,
        effect: Effect.Effect<A, WireError, R>,
        store: (exit: Exit.Exit<A, WireError>) => Effect.Effect<Stored | undefined>
      ): Effect.Effect<Outcome<A>, WireError, R> =>
        Effect.gen(function* () {
          const id = { scope: scopeOf(call.principal), operation: call.operation, key: call.key }
          const requestHash = sha256Hex(JSON.stringify(call.request))
          const fresh = Effect.map(effect, (value): Outcome<A> => ({ _tag: "Fresh", value }))
          const claim = yield* records.claim(id, requestHash, config.leaseSeconds)
          if (claim === undefined) return yield* fresh // expired between claim and read: run it
          if (claim !== "claimed") {
            if (claim.requestHash !== requestHash) {
              return yield* new KeyReused({
                code: "idempotency_key_reused",
                detail: "this key was used with another request"
              })
            }
            if (claim.state === "in_flight") {
              return yield* new Conflict({
                code: "idempotency_key_in_flight",
                detail: "the first request with this key still runs"
              })
            }
            return { _tag: "Replayed", status: claim.status ?? 200, body: claim.body ?? "null" } as Outcome<A>
          }
          const exit = yield* Effect.exit(effect).pipe(Effect.onInterrupt(() => records.release(id)))
          const outcome = yield* store(exit)
          if (outcome === undefined) yield* records.release(id)
          else yield* records.complete(id, outcome.status, outcome.body)
          return yield* Exit.map(exit, (value): Outcome<A> => ({ _tag: "Fresh", value }))
        })
      return Idempotency.of({ once })
    })
  )
}
