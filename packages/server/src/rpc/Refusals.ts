// Domain and HTTP-layer failures translated into the RPC errors, with the same codes HTTP answers with.
import type * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect } from "effect"
import type * as Problems from "../api/Problems.ts"
import { BatchRefused, Conflict, NotFound, TransferRefused, Unavailable, ValidationFailed } from "./Errors.ts"

export const storeDown = (error: { readonly message: string }) =>
  Effect.logError("store unavailable", error.message).pipe(
    Effect.andThen(
      Effect.fail(new Unavailable({ code: "store_unavailable", detail: "the ledger store did not answer" }))
    )
  )

/** The limits shared with HTTP (page size, metadata size, cursor) fail with HTTP's problem; same code here. */
export const invalid = (problem: Problems.ValidationFailed) =>
  new ValidationFailed({
    code: problem.code,
    detail: problem.detail ?? problem.code,
    ...(problem.errors === undefined ? {} : { errors: problem.errors })
  })

export const refused = (e: Transfers.TransferRefused) =>
  e.code === "pending_transfer_not_found"
    ? Effect.fail(new NotFound({ code: "transfer_not_found", detail: `no transfer ${e.transferId}` }))
    : Effect.fail(
        new TransferRefused({ code: e.code, transferId: e.transferId, detail: `transfer refused: ${e.code}` })
      )

export const reused = (e: Transfers.TransferIdReused) =>
  Effect.fail(
    new Conflict({
      code: "transfer_id_reused",
      detail: `transfer ${e.transferId} exists with a different debit, credit, amount or timeout`
    })
  )

export const transferNotFound = (e: { readonly transferId: string }) =>
  Effect.fail(new NotFound({ code: "transfer_not_found", detail: `no transfer ${e.transferId}` }))

export const accountNotFound = (e: { readonly accountId: string }) =>
  Effect.fail(new NotFound({ code: "account_not_found", detail: `no account ${e.accountId}` }))

export const batchRefused = (e: Transfers.BatchRefused) =>
  Effect.fail(
    new BatchRefused({
      code: "batch_refused",
      errors: e.errors,
      detail: `${e.errors.length} item(s) refused; nothing was applied`
    })
  )

export const batchTooLarge = (e: Transfers.BatchTooLarge) =>
  Effect.fail(
    new ValidationFailed({
      code: "batch_size_out_of_range",
      detail: `a batch holds 1 to ${e.batchSizeMax} transfers (TALLY_BATCH_SIZE_MAX); got ${e.size}`,
      errors: [{ path: ["transfers"], message: `1 to ${e.batchSizeMax} items` }]
    })
  )
