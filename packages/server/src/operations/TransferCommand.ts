import type { AccountId } from "@tally/domain/Account"
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import { Ids } from "@tally/domain/ports/Ids"
import type { TransferId } from "@tally/domain/Transfer"
import { Effect, Schema } from "effect"
import type { Principal } from "../Auth.ts"
import { sha256Hex } from "../Hash.ts"
import { type Claimed, scopeOf } from "./Idempotency.ts"
import { metadataWithin } from "./Limits.ts"
import { Amount, MetadataInput, Uuid } from "./Schemas.ts"

export const CreateTransfer = Schema.Struct({
  id: Schema.optionalKey(Uuid),
  debitAccountId: Uuid,
  creditAccountId: Uuid,
  amount: Amount,
  pending: Schema.optionalKey(Schema.Boolean),
  /** Seconds until the hold expires; stored as int4. */
  timeoutSeconds: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: -2_147_483_648, maximum: 2_147_483_647 }))
  ),
  metadata: Schema.optionalKey(MetadataInput)
}).annotate({ identifier: "CreateTransfer" })

const uuidOf = (h: string) => {
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/**
 * The id of an object made by a request that carries an idempotency key but no id: derived from the claim, so a
 * re-run after a crash between commit and storing the response hits the stored object instead of making it
 * again (docs/adr/0005-idempotency.md). Same over every surface. Derivation 2 (docs/adr/0027-idempotency-claims.md)
 * includes the operation, so one key on `transfers.create` and `transfers.batch` makes distinct transfers;
 * derivation 1, (API key, idempotency key, item index), is kept for claims made before it, so a retry of one of
 * those after an upgrade still finds what its first run committed.
 */
export const derivedId = (principal: Principal, claimed: Claimed, operation: string, index: number) =>
  uuidOf(
    sha256Hex(
      claimed.derivation === 1
        ? `${principal.kind === "admin" ? "admin" : principal.keyId}|${claimed.key}|${index}`
        : `v2|${scopeOf(principal)}|${operation}|${claimed.key}|${index}`
    )
  )

/** A wire request as a domain command; the id is the client's, derived from its key, or new. */
export const toCommand = Effect.fnUntraced(function* (
  payload: typeof CreateTransfer.Type,
  principal: Principal,
  idempotency: { readonly claimed: Claimed | undefined; readonly operation: string },
  index: number,
  batchId: string | null
) {
  const metadata = yield* metadataWithin(payload.metadata)
  const id =
    payload.id ??
    (idempotency.claimed === undefined
      ? yield* (yield* Ids).next
      : derivedId(principal, idempotency.claimed, idempotency.operation, index))
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
