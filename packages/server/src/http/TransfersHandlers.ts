import { uuidv7 } from "@tally/adapters/Uuid"
import type { AccountId } from "@tally/domain/Account"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../api/Api.ts"
import { Conflict, NotFound, Unprocessable, ValidationFailed } from "../api/Problems.ts"
import { CurrentPrincipal } from "../api/Security.ts"
import { toCommand } from "../TransferCommand.ts"
import { storeDown, viewerOf } from "./AccountsHandlers.ts"
import { invalidCursor, pageSize } from "./Paging.ts"
import { entryJson, fxJson, transferJson } from "./Wire.ts"

const refused = (e: Transfers.TransferRefused) =>
  e.code === "pending_transfer_not_found"
    ? Effect.fail(new NotFound({ code: "transfer_not_found", detail: `no transfer ${e.transferId}` }))
    : Effect.fail(new Unprocessable({ code: e.code, transferId: e.transferId, detail: `transfer refused: ${e.code}` }))

const reused = (e: Transfers.TransferIdReused) =>
  Effect.fail(
    new Conflict({
      code: "transfer_id_reused",
      detail: `transfer ${e.transferId} exists with a different debit, credit, amount or timeout`
    })
  )

const notFound = (e: Transfers.TransferNotFound) =>
  Effect.fail(new NotFound({ code: "transfer_not_found", detail: `no transfer ${e.transferId}` }))

export const TransfersHandlers = HttpApiBuilder.group(Api, "transfers", (handlers) =>
  handlers
    .handle("create", ({ payload, headers }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const cmd = yield* toCommand(payload, principal, headers["idempotency-key"], 0, null)
        return transferJson(yield* Transfers.create(cmd, viewerOf(principal)))
      }).pipe(Effect.catchTags({ TransferRefused: refused, TransferIdReused: reused, StoreUnavailable: storeDown }))
    )
    .handle("get", ({ params }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        return transferJson(yield* Transfers.get(params.id as TransferId, viewerOf(principal)))
      }).pipe(Effect.catchTags({ TransferNotFound: notFound, StoreUnavailable: storeDown }))
    )
    .handle("list", ({ query }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const limit = yield* pageSize(query.limit)
        const page = yield* Transfers.list(
          {
            accountId: (query.accountId ?? null) as AccountId | null,
            status: query.status ?? null,
            cursor: query.cursor ?? null,
            limit
          },
          viewerOf(principal)
        )
        return { items: page.items.map(transferJson), nextCursor: page.nextCursor, tailCursor: page.tailCursor ?? null }
      }).pipe(Effect.catchTags({ InvalidCursor: () => Effect.fail(invalidCursor()), StoreUnavailable: storeDown }))
    )
    .handle("post", ({ params, payload }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const amount = payload.amount === undefined ? undefined : BigInt(payload.amount)
        return transferJson(yield* Transfers.post(params.id as TransferId, amount, viewerOf(principal)))
      }).pipe(Effect.catchTags({ TransferRefused: refused, StoreUnavailable: storeDown }))
    )
    .handle("void", ({ params }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        return transferJson(yield* Transfers.voidHold(params.id as TransferId, viewerOf(principal)))
      }).pipe(Effect.catchTags({ TransferRefused: refused, StoreUnavailable: storeDown }))
    )
    .handle("batch", ({ payload, headers }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const batchId = uuidv7()
        const key = headers["idempotency-key"]
        const cmds = yield* Effect.forEach(payload.transfers, (t, i) => toCommand(t, principal, key, i, batchId))
        const transfers = yield* Transfers.createBatch(cmds, viewerOf(principal))
        return { transfers: transfers.map(transferJson) }
      }).pipe(
        Effect.catchTags({
          BatchRefused: (e) =>
            Effect.fail(
              new Unprocessable({
                code: "batch_refused",
                errors: e.errors,
                detail: `${e.errors.length} item(s) refused; nothing was applied`
              })
            ),
          BatchTooLarge: (e) =>
            Effect.fail(
              new ValidationFailed({
                code: "batch_size_out_of_range",
                detail: `a batch holds 1 to ${e.batchSizeMax} transfers (TALLY_BATCH_SIZE_MAX); got ${e.size}`,
                errors: [{ path: ["payload", "transfers"], message: `1 to ${e.batchSizeMax} items` }]
              })
            ),
          TransferIdReused: reused,
          StoreUnavailable: storeDown
        })
      )
    )
    .handle("entries", ({ params, query }) =>
      Effect.gen(function* () {
        const principal = yield* CurrentPrincipal
        const limit = yield* pageSize(query.limit)
        const page = yield* Transfers.entries(
          { accountId: params.id as AccountId, cursor: query.cursor ?? null, limit },
          viewerOf(principal)
        )
        return { items: page.items.map(entryJson), nextCursor: page.nextCursor, tailCursor: page.tailCursor ?? null }
      }).pipe(
        Effect.catchTags({
          AccountNotFound: (e) =>
            Effect.fail(new NotFound({ code: "account_not_found", detail: `no account ${e.accountId}` })),
          InvalidCursor: () => Effect.fail(invalidCursor()),
          StoreUnavailable: storeDown
        })
      )
    )
)

export const FxHandlers = HttpApiBuilder.group(Api, "fx", (handlers) =>
  handlers.handle("rates", ({ query }) =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const quotes = yield* store.listFxQuotes
      return {
        rates: quotes
          .filter(
            (q) =>
              (query.base === undefined || q.base === query.base) &&
              (query.quote === undefined || q.quote === query.quote)
          )
          .map(fxJson)
      }
    }).pipe(Effect.catchTag("StoreUnavailable", storeDown))
  )
)
