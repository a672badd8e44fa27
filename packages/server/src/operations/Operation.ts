// An operation: everything about one thing a client can do, written once. The HTTP endpoint, the RPC procedure
// and the CLI command are derived from it (http/Api.ts, rpc/Group.ts, cli/ClientCommand.ts); the runner
// (Runner.ts) does for every surface what an operation declares: authentication and access, idempotency, the
// handler, error translation, metrics and spans. docs/adr/0010-operation-table.md.
import type { Effect, Schema } from "effect"
import type { Principal } from "../Auth.ts"
import type { UserPrincipal } from "./BasicAccess.ts"
import {
  adminRequired,
  type Failure,
  invalidCredentials,
  keyInFlight,
  keyReused,
  loginRateLimited,
  rateLimited,
  storeUnavailable,
  unauthorized,
  userNotConfirmed,
  type WireError
} from "./Errors.ts"
import type { Claimed } from "./Idempotency.ts"
import type { DomainError } from "./Translate.ts"

/**
 * Who may call: anyone (probes), any valid API key, only the admin key, or `basic`: any valid API key or the
 * HTTP Basic credentials (email:password) of a confirmed user (docs/adr/0014-basic-credentials-access.md).
 */
export type Access = "public" | "key" | "admin" | "basic"

export interface HttpSpec {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE"
  /** Path parameters (`:id`) are payload fields; every other field is the query (GET, DELETE) or the body. */
  readonly path: `/${string}`
  /** The success status; 200 unless given. */
  readonly status?: 200 | 201
  /** Path parameters whose payload field has another name, e.g. `{ id: "accountId" }`. */
  readonly params?: Readonly<Record<string, string>>
}

/** Surfaces besides HTTP that leave this operation out, on purpose. */
export interface Surfaces {
  readonly rpc?: false
  readonly cli?: false
}

/** What the handler is given besides its payload. */
export interface OperationContext<A extends Access> {
  /** The caller; absent for public operations. */
  readonly principal: A extends "public" ? undefined : A extends "basic" ? Principal | UserPrincipal : Principal
  /** The request's idempotency key, if it carries one (idempotent operations). */
  readonly idempotencyKey: string | undefined
  /**
   * The claim the key holds when the runner claimed it: how to derive ids from the key (`derivedId`), and
   * whether this run resumes a stale claim whose first run may have committed. Undefined without a claim.
   */
  readonly idempotency: Claimed | undefined
  /** The client's address (throttling), when the surface knows it. */
  readonly clientAddress: string | undefined
}

export interface Operation<
  Name extends string = string,
  P extends Schema.Struct<Schema.Struct.Fields> = Schema.Struct<Schema.Struct.Fields>,
  S extends Schema.Top = Schema.Top,
  F extends Failure = Failure,
  A extends Access = Access,
  I extends boolean = boolean,
  R = unknown,
  U extends Surfaces = Surfaces
> {
  /** `<group>.<operation>`: the RPC method, the OpenAPI operationId, the CLI's `tally <group> <operation>`. */
  readonly name: Name
  readonly description: string
  readonly payload: P
  readonly success: S
  /** The failures the handler may answer with; those of access and idempotency are added (`failuresOf`). */
  readonly errors: ReadonlyArray<F>
  readonly access: A
  /** Idempotent by key + operation: an `Idempotency-Key` header (HTTP) or an `idempotencyKey` field (RPC). */
  readonly idempotent: I
  readonly http: HttpSpec
  readonly surfaces?: U
  /** One call of a use case; domain errors are translated by the runner (Translate.ts). */
  readonly handle: (
    payload: P["Type"],
    context: OperationContext<A>
  ) => Effect.Effect<S["Type"], DomainError | WireError, R>
}

// biome-ignore lint/suspicious/noExplicitAny: the table holds operations of every shape
export type AnyOperation = Operation<string, any, any, Failure, Access, boolean, any, Surfaces>

/** Declares an operation, keeping its literal name, schemas and failures in its type. */
export const operation = <
  const Name extends string,
  P extends Schema.Struct<Schema.Struct.Fields>,
  S extends Schema.Top,
  const F extends Failure,
  const A extends Access,
  const I extends boolean,
  R,
  const U extends Surfaces = Surfaces
>(
  op: Operation<Name, P, S, F, A, I, R, U>
): Operation<Name, P, S, F, A, I, R, U> => op

type Derived<A extends Access, I extends boolean> =
  | (A extends "public" ? never : typeof unauthorized | typeof storeUnavailable | typeof rateLimited)
  | (A extends "admin" ? typeof adminRequired : never)
  | (A extends "basic" ? typeof invalidCredentials | typeof userNotConfirmed | typeof loginRateLimited : never)
  | (I extends true ? typeof keyInFlight | typeof keyReused : never)

/** Every failure of an operation: its own, then those its access and idempotency add. */
export type FailuresOf<O> =
  O extends Operation<
    string,
    Schema.Struct<Schema.Struct.Fields>,
    Schema.Top,
    infer F,
    infer A,
    infer I,
    unknown,
    Surfaces
  >
    ? F | Derived<A, I>
    : never

export const failuresOf = <O extends AnyOperation>(op: O): ReadonlyArray<FailuresOf<O>> =>
  [
    ...op.errors,
    ...(op.access === "public" ? [] : [unauthorized, storeUnavailable, rateLimited]),
    ...(op.access === "admin" ? [adminRequired] : []),
    ...(op.access === "basic" ? [invalidCredentials, userNotConfirmed, loginRateLimited] : []),
    ...(op.idempotent ? [keyInFlight, keyReused] : [])
  ] as unknown as ReadonlyArray<FailuresOf<O>>

/** The distinct wire error classes of an operation, in order of first appearance. */
export const errorClassesOf = <O extends AnyOperation>(op: O): ReadonlyArray<FailuresOf<O>["error"]> => [
  ...new Set(failuresOf(op).map((f) => f.error))
]

/** The codes of an operation's failures, sorted: what every surface must expose for it. */
export const errorCodesOf = (op: AnyOperation): ReadonlyArray<string> =>
  [...new Set(failuresOf(op).flatMap((f) => f.codes))].sort()

export const onSurface = (op: AnyOperation, surface: "http" | "rpc" | "cli"): boolean =>
  surface === "http" || op.surfaces?.[surface] !== false

/** The operations of a list that a surface serves (those not declared absent from it). */
export type On<O, Surface extends "rpc" | "cli"> = O extends { readonly surfaces?: { readonly [K in Surface]: false } }
  ? never
  : O
