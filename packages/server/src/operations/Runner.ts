// The one way an operation runs, for every surface: authenticate and check access (the table's `access`),
// claim the idempotency key (the table's `idempotent`), call the handler, translate its failure into a wire
// error, instrument the whole. A surface only extracts the request (payload, credential, key) and renders the
// outcome; a replayed outcome is rendered by the surface too (`replay`).
import { Cause, Effect, Exit, Option, type Redacted, Schema } from "effect"
import { Authenticator, type Principal } from "../Auth.ts"
import { ownerKey, RateLimits } from "../http/RateLimit.ts"
import { type BasicCredentials, type UserPrincipal, userPrincipal } from "./BasicAccess.ts"
import { Forbidden, Unauthorized, type WireError, wireErrorClasses } from "./Errors.ts"
import { type Claimed, Idempotency, type Stored } from "./Idempotency.ts"
import { instrument, type Surface } from "./Instrumentation.ts"
import type { AnyOperation, OperationContext } from "./Operation.ts"
import { translate } from "./Translate.ts"

export interface Call {
  readonly surface: Surface
  /** The decoded payload: what the operation's `payload` schema describes. */
  readonly payload: unknown
  /** The presented bearer token, if any. */
  readonly credential: Option.Option<Redacted.Redacted>
  readonly idempotencyKey: string | undefined
  /**
   * RPC only: the client's rate-limit key for calls without a valid API key (its connection). RPC calls are
   * rate-limited here, one by one; HTTP requests at the edge (http/RateLimit.ts).
   */
  readonly rpcClient?: string
  /** Presented HTTP Basic credentials (operations of `basic` access). */
  readonly basic?: Option.Option<BasicCredentials>
  /** The client's address, for throttling signup and login attempts. */
  readonly clientAddress?: string | undefined
}

const unauthorized = new Unauthorized({ code: "unauthorized", detail: "missing, unknown or revoked API key" })

const principalOf = (op: AnyOperation, call: Call) =>
  Effect.gen(function* () {
    const credential = call.credential
    if (op.access === "public") return undefined
    if (op.access === "basic" && Option.isNone(credential) && call.basic !== undefined && Option.isSome(call.basic)) {
      return yield* userPrincipal(call.basic.value, call.clientAddress)
    }
    if (Option.isNone(credential)) return yield* unauthorized
    const found = yield* (yield* Authenticator).authenticate(credential.value)
    if (Option.isNone(found)) return yield* unauthorized
    if (op.access === "admin" && found.value.kind !== "admin") {
      return yield* new Forbidden({ code: "admin_required", detail: `${op.name} needs the admin key` })
    }
    return found.value
  })

/** An RPC call's principal, its call counted against its owner (or, without a valid key, its connection). */
const limitedPrincipalOf = (op: AnyOperation, call: Call, client: string) =>
  Effect.gen(function* () {
    const limits = yield* RateLimits
    const credential = call.credential
    const anonymous = limits.take(`rpc:${client}`, "anonymous")
    if (Option.isNone(credential)) yield* anonymous
    const principal = yield* principalOf(op, call).pipe(
      Effect.tapError((e) => (e._tag === "Unauthorized" && Option.isSome(credential) ? anonymous : Effect.void))
    )
    if (principal !== undefined) {
      yield* limits.take(principal.kind === "user" ? `owner:${principal.ownerId}` : ownerKey(principal), "owner")
    }
    return principal
  })

const encodeError = Schema.encodeUnknownEffect(Schema.Union(wireErrorClasses))

interface Codecs {
  /** The decoded payload re-encoded: the request an idempotency record is hashed from. */
  readonly encodeRequest: (payload: unknown) => Effect.Effect<unknown>
  /** What of an exit is kept for a replay: answers (successes and 4xx), not outages or defects. */
  readonly keep: (exit: Exit.Exit<unknown, WireError>) => Effect.Effect<Stored | undefined>
}

// made once per operation, on its first keyed call, not on every call (docs/adr/0032)
const codecs = new WeakMap<AnyOperation, Codecs>()
const codecsOf = (op: AnyOperation): Codecs => {
  const known = codecs.get(op)
  if (known !== undefined) return known
  const encodeRequest = Schema.encodeUnknownEffect(op.payload as Schema.Codec<unknown, unknown>)
  const encodeSuccess = Schema.encodeUnknownEffect(op.success as Schema.Codec<unknown, unknown>)
  const status = op.http.status ?? 200
  const made: Codecs = {
    encodeRequest: (payload) => Effect.orDie(encodeRequest(payload)),
    keep: (exit) => {
      if (Exit.isSuccess(exit)) {
        return encodeSuccess(exit.value).pipe(
          Effect.map((body): Stored => ({ status, body: JSON.stringify(body) })),
          Effect.orDie
        )
      }
      const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
      if (error === undefined || error.status >= 500) return Effect.succeed(undefined)
      return encodeError(error).pipe(
        Effect.map((body) => ({ status: error.status, body: JSON.stringify(body) })),
        Effect.orDie
      )
    }
  }
  codecs.set(op, made)
  return made
}

/** Runs `op` for one call; a replayed outcome is whatever `replay` makes of the stored one. */
export const execute = <O extends AnyOperation, B>(
  op: O,
  call: Call,
  replay: (stored: Stored) => Effect.Effect<B, WireError>
) =>
  instrument(
    call.surface,
    op.name,
    Effect.gen(function* () {
      const principal: Principal | UserPrincipal | undefined =
        call.rpcClient === undefined || op.access === "public"
          ? yield* principalOf(op, call)
          : yield* limitedPrincipalOf(op, call, call.rpcClient)
      const run = (idempotency: Claimed | undefined) =>
        op
          .handle(call.payload, {
            principal,
            idempotencyKey: call.idempotencyKey,
            idempotency,
            clientAddress: call.clientAddress
          } as OperationContext<O["access"]>)
          .pipe(Effect.catch(translate))
      if (!op.idempotent || call.idempotencyKey === undefined || principal === undefined || principal.kind === "user") {
        return yield* run(undefined)
      }
      const { encodeRequest, keep } = codecsOf(op)
      const request = yield* encodeRequest(call.payload)
      const outcome = yield* (yield* Idempotency).once(
        { principal, operation: op.name, key: call.idempotencyKey, request },
        run,
        keep
      )
      return outcome._tag === "Fresh" ? outcome.value : yield* replay(outcome)
    })
  ) as Effect.Effect<
    O["success"]["Type"] | B,
    WireError,
    Authenticator | Idempotency | RateLimits | BasicServices | EffectServices<O>
  >

type BasicServices = Effect.Services<ReturnType<typeof userPrincipal>>

type EffectServices<O> = O extends { readonly handle: (...args: never) => Effect.Effect<unknown, unknown, infer R> }
  ? R
  : never
