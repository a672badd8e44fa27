// Idempotency for every surface (docs/adr/0005-idempotency.md, 0010-operation-table.md): a key is scoped to the
// API key that presents it (its id; the admin key is one scope) and the operation's name, so an HTTP request and
// an RPC call with the same key and request are one. The first claims the key ('in_flight'); its outcome is
// stored and replayed to later requests with the same key and request; another request → `idempotency_key_reused`;
// a request while the first still runs → `idempotency_key_in_flight`. Outcomes that are not answers (a store
// outage, a defect, an interruption) release the key for a retry. Kept TALLY_IDEMPOTENCY_RETENTION_HOURS (24).
import { type Derivation, IdempotencyStore } from "@tally/adapters/postgres/IdempotencyStore"
import { Config, Context, Duration, Effect, Exit, Fiber, Layer } from "effect"
import type { Principal } from "../Auth.ts"
import { sha256Hex } from "../Hash.ts"
import { Conflict, KeyReused, type WireError } from "./Errors.ts"

export const IdempotencyConfig = Config.all({
  /** A claim not renewed for this long is taken over (its holder crashed); renewed every third of it. */
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

/** What a run under a claimed key is told: how to derive ids from the key, and whether it resumes a stale claim. */
export interface Claimed {
  readonly key: string
  readonly derivation: Derivation
  readonly resumed: boolean
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
      effect: (claimed: Claimed) => Effect.Effect<A, WireError, R>,
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
        effect: (claimed: Claimed) => Effect.Effect<A, WireError, R>,
        store: (exit: Exit.Exit<A, WireError>) => Effect.Effect<Stored | undefined>
      ): Effect.Effect<Outcome<A>, WireError, R> =>
        Effect.gen(function* () {
          const id = { scope: scopeOf(call.principal), operation: call.operation, key: call.key }
          const requestHash = sha256Hex(JSON.stringify(call.request))
          const claim = yield* records.claim(id, requestHash, config.leaseSeconds)
          if (claim === undefined) {
            // expired between claim and read: run it (ids derived as a fresh claim would)
            return yield* Effect.map(
              effect({ key: call.key, derivation: 2, resumed: true }),
              (value): Outcome<A> => ({ _tag: "Fresh", value })
            )
          }
          if (claim._tag !== "Claimed") {
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
          // the lease is renewed while the run lasts, so a live run is never taken over; a stalled one that is
          // taken over anyway can no longer store its outcome (the token fences it)
          const every = Duration.seconds(Math.max(1, config.leaseSeconds / 3))
          const renewal = Effect.gen(function* () {
            while (true) {
              yield* Effect.sleep(every)
              if (!(yield* records.renew(id, claim.token))) return
            }
          }).pipe(Effect.ignoreCause)
          const renewing = yield* Effect.forkChild(renewal)
          const exit = yield* Effect.exit(
            effect({ key: call.key, derivation: claim.derivation, resumed: claim.resumed })
          ).pipe(
            Effect.ensuring(Fiber.interrupt(renewing)),
            Effect.onInterrupt(() => records.release(id, claim.token))
          )
          const outcome = yield* store(exit)
          if (outcome === undefined) yield* records.release(id, claim.token)
          else if (!(yield* records.complete(id, claim.token, outcome.status, outcome.body))) {
            yield* Effect.logWarning("idempotency claim was taken over before this run completed; outcome not stored")
          }
          return yield* Exit.map(exit, (value): Outcome<A> => ({ _tag: "Fresh", value }))
        })
      return Idempotency.of({ once })
    })
  )
}
