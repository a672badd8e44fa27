import { uuidv7 } from "@tally/adapters/Uuid"
import type { AccountId } from "@tally/domain/Account"
import type { TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect } from "effect"
import { CurrentPrincipal } from "../api/Security.ts"
import { viewerOf } from "../http/AccountsHandlers.ts"
import { invalidCursor, pageSize } from "../http/Paging.ts"
import { entryJson, transferJson } from "../http/Wire.ts"
import { toCommand } from "../TransferCommand.ts"
import { idempotent } from "./Idempotency.ts"
import {
  accountNotFound,
  batchRefused,
  batchTooLarge,
  invalid,
  refused,
  reused,
  storeDown,
  transferNotFound
} from "./Refusals.ts"
import { TransfersRpcs } from "./TransfersRpcs.ts"

export const TransfersHandlers = TransfersRpcs.toLayer({
  "transfers.create": ({ idempotencyKey, ...request }) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      const create = Effect.gen(function* () {
        const cmd = yield* toCommand(request, principal, idempotencyKey, 0, null).pipe(Effect.mapError(invalid))
        return transferJson(yield* Transfers.create(cmd, viewerOf(principal)))
      }).pipe(Effect.catchTags({ TransferRefused: refused, TransferIdReused: reused, StoreUnavailable: storeDown }))
      return yield* idempotent({ principal, method: "transfers.create", key: idempotencyKey, request }, create)
    }),

  "transfers.get": ({ id }) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      return transferJson(yield* Transfers.get(id as TransferId, viewerOf(principal)))
    }).pipe(Effect.catchTags({ TransferNotFound: transferNotFound, StoreUnavailable: storeDown })),

  "transfers.list": (query) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      const limit = yield* pageSize(query.limit).pipe(Effect.mapError(invalid))
      const page = yield* Transfers.list(
        {
          accountId: (query.accountId ?? null) as AccountId | null,
          status: query.status ?? null,
          cursor: query.cursor ?? null,
          limit
        },
        viewerOf(principal)
      )
      return { items: page.items.map(transferJson), nextCursor: page.nextCursor }
    }).pipe(
      Effect.catchTags({ InvalidCursor: () => Effect.fail(invalid(invalidCursor())), StoreUnavailable: storeDown })
    ),

  "transfers.post": ({ idempotencyKey, ...request }) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      const amount = request.amount === undefined ? undefined : BigInt(request.amount)
      const post = Transfers.post(request.id as TransferId, amount, viewerOf(principal)).pipe(
        Effect.map(transferJson),
        Effect.catchTags({ TransferRefused: refused, StoreUnavailable: storeDown })
      )
      return yield* idempotent({ principal, method: "transfers.post", key: idempotencyKey, request }, post)
    }),

  "transfers.void": ({ idempotencyKey, ...request }) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      const voided = Transfers.voidHold(request.id as TransferId, viewerOf(principal)).pipe(
        Effect.map(transferJson),
        Effect.catchTags({ TransferRefused: refused, StoreUnavailable: storeDown })
      )
      return yield* idempotent({ principal, method: "transfers.void", key: idempotencyKey, request }, voided)
    }),

  "transfers.batch": ({ idempotencyKey, ...request }) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      const batch = Effect.gen(function* () {
        const batchId = uuidv7()
        const cmds = yield* Effect.forEach(request.transfers, (t, i) =>
          toCommand(t, principal, idempotencyKey, i, batchId).pipe(Effect.mapError(invalid))
        )
        const transfers = yield* Transfers.createBatch(cmds, viewerOf(principal))
        return { transfers: transfers.map(transferJson) }
      }).pipe(
        Effect.catchTags({
          BatchRefused: batchRefused,
          BatchTooLarge: batchTooLarge,
          TransferIdReused: reused,
          StoreUnavailable: storeDown
        })
      )
      return yield* idempotent({ principal, method: "transfers.batch", key: idempotencyKey, request }, batch)
    }),

  "entries.list": ({ accountId, cursor, limit }) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      const size = yield* pageSize(limit).pipe(Effect.mapError(invalid))
      const page = yield* Transfers.entries(
        { accountId: accountId as AccountId, cursor: cursor ?? null, limit: size },
        viewerOf(principal)
      )
      return { items: page.items.map(entryJson), nextCursor: page.nextCursor }
    }).pipe(
      Effect.catchTags({
        AccountNotFound: accountNotFound,
        InvalidCursor: () => Effect.fail(invalid(invalidCursor())),
        StoreUnavailable: storeDown
      })
    )
})
