import { uuidv7 } from "@tally/adapters/Uuid"
import type { AccountId } from "@tally/domain/Account"
import type { TransferCommand } from "@tally/domain/CreateTransfer"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { TransferId } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect } from "effect"
import { CurrentPrincipal, type Principal } from "../api/Security.ts"
import type { CreateTransfer } from "../api/TransfersApi.ts"
import { derivedId } from "../DerivedId.ts"
import { viewerOf } from "../http/AccountsHandlers.ts"
import { checkMetadata, invalidCursor, pageSize } from "../http/Paging.ts"
import { entryJson, transferJson } from "../http/Wire.ts"
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

const toCommand = Effect.fnUntraced(function* (
  payload: typeof CreateTransfer.Type,
  principal: Principal,
  idempotencyKey: string | undefined,
  index: number,
  batchId: string | null
) {
  const metadata = yield* checkMetadata(payload.metadata).pipe(Effect.mapError(invalid))
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

export const TransfersHandlers = TransfersRpcs.toLayer({
  "transfers.create": ({ idempotencyKey, ...request }) =>
    Effect.gen(function* () {
      const principal = yield* CurrentPrincipal
      const create = Effect.gen(function* () {
        const cmd = yield* toCommand(request, principal, idempotencyKey, 0, null)
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
      const store = yield* LedgerStore
      const page = yield* store.listTransfers({
        accountId: (query.accountId ?? null) as AccountId | null,
        status: query.status ?? null,
        ownerId: viewerOf(principal),
        cursor: query.cursor ?? null,
        limit
      })
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
          toCommand(t, principal, idempotencyKey, i, batchId)
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
      const store = yield* LedgerStore
      const viewer = viewerOf(principal)
      const account = yield* store.getAccount(accountId as AccountId)
      if (account._tag === "None" || (viewer !== null && account.value.ownerId !== viewer)) {
        return yield* accountNotFound({ accountId })
      }
      const page = yield* store.listEntries({ accountId: accountId as AccountId, cursor: cursor ?? null, limit: size })
      return { items: page.items.map(entryJson), nextCursor: page.nextCursor }
    }).pipe(
      Effect.catchTags({ InvalidCursor: () => Effect.fail(invalid(invalidCursor())), StoreUnavailable: storeDown })
    )
})
