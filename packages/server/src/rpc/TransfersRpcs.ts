import { TransferStatus } from "@tally/domain/Transfer"
import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { CreateTransfer, EntryJson, TransferJson } from "../api/TransfersApi.ts"
import { Amount, Uuid } from "../api/Wire.ts"
import { BatchRefused, Conflict, NotFound, TransferRefused, Unavailable, ValidationFailed } from "./Errors.ts"
import { RpcAuth, RpcMetrics } from "./Middleware.ts"
import { ById, IdempotencyKey, Page, pageOf } from "./Wire.ts"

export const CreateTransferRpc = Schema.Struct({
  ...CreateTransfer.fields,
  idempotencyKey: Schema.optionalKey(IdempotencyKey)
})

const HoldErrors = Schema.Union([NotFound, TransferRefused, Conflict, Unavailable])

export class TransfersRpcs extends RpcGroup.make(
  Rpc.make("transfers.create", {
    payload: CreateTransferRpc,
    success: TransferJson,
    error: Schema.Union([TransferRefused, Conflict, NotFound, ValidationFailed, Unavailable])
  }),
  Rpc.make("transfers.get", { payload: ById, success: TransferJson, error: Schema.Union([NotFound, Unavailable]) }),
  Rpc.make("transfers.list", {
    payload: { ...Page, accountId: Schema.optionalKey(Uuid), status: Schema.optionalKey(TransferStatus) },
    success: pageOf(TransferJson),
    error: Schema.Union([ValidationFailed, Unavailable])
  }),
  Rpc.make("transfers.post", {
    payload: { ...ById, amount: Schema.optionalKey(Amount), idempotencyKey: Schema.optionalKey(IdempotencyKey) },
    success: TransferJson,
    error: HoldErrors
  }),
  Rpc.make("transfers.void", {
    payload: { ...ById, idempotencyKey: Schema.optionalKey(IdempotencyKey) },
    success: TransferJson,
    error: HoldErrors
  }),
  Rpc.make("transfers.batch", {
    payload: { transfers: Schema.Array(CreateTransfer), idempotencyKey: Schema.optionalKey(IdempotencyKey) },
    success: Schema.Struct({ transfers: Schema.Array(TransferJson) }),
    error: Schema.Union([BatchRefused, Conflict, ValidationFailed, Unavailable])
  }),
  Rpc.make("entries.list", {
    payload: { accountId: Uuid, ...Page },
    success: pageOf(EntryJson),
    error: Schema.Union([NotFound, ValidationFailed, Unavailable])
  })
)
  .middleware(RpcAuth)
  .middleware(RpcMetrics) {}
