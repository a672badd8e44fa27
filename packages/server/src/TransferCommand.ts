import { uuidv7 } from "@tally/adapters/Uuid"
import type { AccountId } from "@tally/domain/Account"
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import type { TransferId } from "@tally/domain/Transfer"
import { Effect } from "effect"
import type { Principal } from "./api/Security.ts"
import type { CreateTransfer } from "./api/TransfersApi.ts"
import { derivedId } from "./DerivedId.ts"
import { checkMetadata } from "./http/Paging.ts"

/** A wire request (HTTP or RPC) as a domain command; the id is the client's, derived from its key, or new. */
export const toCommand = Effect.fnUntraced(function* (
  payload: typeof CreateTransfer.Type,
  principal: Principal,
  idempotencyKey: string | undefined,
  index: number,
  batchId: string | null
) {
  const metadata = yield* checkMetadata(payload.metadata)
  const id = payload.id ?? (idempotencyKey === undefined ? uuidv7() : derivedId(principal, idempotencyKey, index))
  return {
    id: id as TransferId,
    debitAccountId: payload.debitAccountId as AccountId,
    creditAccountId: payload.creditAccountId as AccountId,
    amountMinor: BigInt(payload.amount),
    pending: payload.pending ?? false,
    timeoutSeconds: payload.timeoutSeconds ?? null,
    metadata,
    batchId
  } satisfies TransferCommand
})
