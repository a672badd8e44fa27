// The RPC procedures, derived from the operation table: one per operation that the table does not keep off RPC,
// named as the operation, with its payload (plus `idempotencyKey` when it is idempotent), success and errors.
import { Context, Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { type AnyOperation, errorClassesOf, errorCodesOf, type FailuresOf } from "../operations/Operation.ts"
import { IdempotencyKey } from "../operations/Schemas.ts"
import { rpcOperations } from "../operations/Table.ts"

/** The codes an operation answers with, on its procedure (read by test/surfaces.test.ts). */
export class ErrorCodes extends Context.Reference<ReadonlyArray<string>>("tally/server/rpc/ErrorCodes", {
  defaultValue: () => []
}) {}

type PayloadOf<O extends AnyOperation> = O["idempotent"] extends true
  ? Schema.Struct<O["payload"]["fields"] & { readonly idempotencyKey: Schema.optionalKey<typeof IdempotencyKey> }>
  : O["payload"]

export type RpcOf<O extends AnyOperation> = O extends unknown
  ? Rpc.Rpc<O["name"], PayloadOf<O>, O["success"], Schema.Union<ReadonlyArray<FailuresOf<O>["error"]>>>
  : never

export const rpcOf = <O extends AnyOperation>(op: O): RpcOf<O> =>
  Rpc.make(op.name, {
    payload: op.idempotent ? { ...op.payload.fields, idempotencyKey: Schema.optionalKey(IdempotencyKey) } : op.payload,
    success: op.success,
    error: Schema.Union(errorClassesOf(op))
  }).annotate(ErrorCodes, errorCodesOf(op)) as unknown as RpcOf<O>

export class TallyRpcs extends RpcGroup.make(...rpcOperations.map(rpcOf)) {}

/** Both transports share this path: `POST` is the HTTP transport, `GET` upgrades to a WebSocket. */
export const rpcPath = "/rpc"
