// The RPC handlers, derived from the operation table: each procedure hands its payload to the operation runner
// (the key from the call's headers, the idempotency key from its field) and decodes a replayed outcome.
import { Effect, type Layer, Schema } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import { bearerToken } from "../Auth.ts"
import { clientAddressHeader } from "../http/ClientAddress.ts"
import { basicCredentials } from "../operations/BasicAccess.ts"
import { type WireError, wireErrorClasses } from "../operations/Errors.ts"
import type { Stored } from "../operations/Idempotency.ts"
import type { AnyOperation } from "../operations/Operation.ts"
import { execute } from "../operations/Runner.ts"
import type { OperationServices } from "../operations/Services.ts"
import { rpcOperations } from "../operations/Table.ts"
import { TallyRpcs } from "./Group.ts"

const decodeError = Schema.decodeUnknownEffect(Schema.fromJsonString(Schema.Union(wireErrorClasses)))

const replay =
  (op: AnyOperation) =>
  (stored: Stored): Effect.Effect<unknown, WireError> =>
    stored.status < 400
      ? (Schema.decodeUnknownEffect(Schema.fromJsonString(op.success))(stored.body).pipe(
          Effect.orDie
        ) as Effect.Effect<unknown>)
      : Effect.flatMap(Effect.orDie(decodeError(stored.body)), (error) => Effect.fail(error as WireError))

const handle =
  (op: AnyOperation) =>
  (
    { idempotencyKey, ...payload }: { readonly idempotencyKey?: string },
    { headers, client }: { readonly headers: object; readonly client: { readonly id: number } }
  ) =>
    execute(
      op,
      {
        surface: "rpc",
        payload,
        credential: bearerToken((headers as Record<string, string | undefined>).authorization),
        idempotencyKey,
        rpcClient: String(client.id),
        basic: basicCredentials((headers as Record<string, string | undefined>).authorization),
        clientAddress: (headers as Record<string, string | undefined>)[clientAddressHeader]
      },
      replay(op)
    )

/** Every procedure's handler. Requires what the operations and the runner use. */
export const RpcHandlers = TallyRpcs.toLayer(
  Object.fromEntries(rpcOperations.map((op) => [op.name, handle(op)])) as never
) as unknown as Layer.Layer<Rpc.ToHandler<RpcGroup.Rpcs<typeof TallyRpcs>>, never, OperationServices>
