// Domain errors as wire errors: the one translation, used by the runner for every operation and surface.

import type { InvalidCursor } from "@tally/domain/ports/LedgerStore"
import type { StoreUnavailable } from "@tally/domain/ports/StoreError"
import type { AccountNotFound, OwnedSystemAccount } from "@tally/domain/usecases/Accounts"
import type { ApiKeyNotFound, OtherOwnersKey, OwnerNotFound, SystemOwnerReserved } from "@tally/domain/usecases/ApiKeys"
import type { TicketingRefused } from "@tally/domain/usecases/Ticketing"
import type * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect } from "effect"
import { type DeliveryError, deliveryWire, isDeliveryError } from "./DeliveryErrors.ts"
import {
  BatchRefused,
  Conflict,
  Forbidden,
  isWireError,
  NotFound,
  TransferRefused,
  Unavailable,
  ValidationFailed,
  type WireError
} from "./Errors.ts"
import { ticketingWire } from "./TicketingErrors.ts"

export type DomainError =
  | Transfers.TransferRefused
  | Transfers.BatchRefused
  | Transfers.BatchTooLarge
  | Transfers.TransferIdReused
  | Transfers.TransferNotFound
  | AccountNotFound
  | OwnedSystemAccount
  | InvalidCursor
  | StoreUnavailable
  | OwnerNotFound
  | ApiKeyNotFound
  | OtherOwnersKey
  | SystemOwnerReserved
  | DeliveryError
  | TicketingRefused

const wire = (error: DomainError): WireError => {
  if (isDeliveryError(error)) return deliveryWire(error)
  switch (error._tag) {
    case "TransferRefused":
      return error.code === "pending_transfer_not_found"
        ? new NotFound({ code: "transfer_not_found", detail: `no transfer ${error.transferId}` })
        : new TransferRefused({
            code: error.code,
            transferId: error.transferId,
            detail: `transfer refused: ${error.code}`
          })
    case "BatchRefused":
      return new BatchRefused({
        code: "batch_refused",
        errors: error.errors,
        detail: `${error.errors.length} item(s) refused; nothing was applied`
      })
    case "BatchTooLarge":
      return new ValidationFailed({
        code: "batch_size_out_of_range",
        detail: `a batch holds 1 to ${error.batchSizeMax} transfers (TALLY_BATCH_SIZE_MAX); got ${error.size}`,
        errors: [{ path: ["payload", "transfers"], message: `1 to ${error.batchSizeMax} items` }]
      })
    case "TransferIdReused":
      return new Conflict({
        code: "transfer_id_reused",
        detail: `transfer ${error.transferId} exists with a different debit, credit, amount or timeout`
      })
    case "TransferNotFound":
      return new NotFound({ code: "transfer_not_found", detail: `no transfer ${error.transferId}` })
    case "AccountNotFound":
      return new NotFound({ code: "account_not_found", detail: `no account ${error.accountId}` })
    case "OwnedSystemAccount":
      return new Forbidden({
        code: "admin_required",
        detail: "allowNegative marks a system account and needs the admin key"
      })
    case "InvalidCursor":
      return new ValidationFailed({
        code: "invalid_cursor",
        detail: "the cursor was not issued by this list",
        errors: [{ path: ["query", "cursor"], message: "unknown cursor" }]
      })
    case "StoreUnavailable":
      return new Unavailable({ code: "store_unavailable", detail: "the ledger store did not answer" })
    case "OwnerNotFound":
      return new NotFound({ code: "owner_not_found", detail: `no owner ${error.ownerId}` })
    case "ApiKeyNotFound":
      return new NotFound({ code: "api_key_not_found", detail: `no API key ${error.apiKeyId}` })
    case "SystemOwnerReserved":
      return new Forbidden({
        code: "system_owner_reserved",
        detail: "the system owner (world and FX liquidity accounts) gets no API key"
      })
    case "OtherOwnersKey":
      return new Forbidden({ code: "admin_required", detail: "only the admin key creates keys for others" })
    case "TicketingRefused":
      return ticketingWire(error)
  }
}

/** A handler's failure as the wire error it answers with (a store outage is logged here, once). */
export const translate = (error: DomainError | WireError): Effect.Effect<never, WireError> =>
  isWireError(error)
    ? Effect.fail(error)
    : error._tag === "StoreUnavailable"
      ? Effect.andThen(Effect.logError("store unavailable", error.message), Effect.fail(wire(error)))
      : Effect.fail(wire(error))
