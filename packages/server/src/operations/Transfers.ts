// Transfers, two-phase holds and atomic batches.
import type { AccountId } from "@tally/domain/Account"
import { Ids } from "@tally/domain/ports/Ids"
import { type Transfer, type TransferId, TransferStatus } from "@tally/domain/Transfer"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Effect, Schema } from "effect"
import { viewerOf } from "../Auth.ts"
import {
  batchRefused,
  batchSizeOutOfRange,
  invalidCursor,
  metadataTooLarge,
  pageSizeTooLarge,
  transferIdReused,
  transferNotFound,
  transferRefused
} from "./Errors.ts"
import { pageSize } from "./Limits.ts"
import { operation } from "./Operation.ts"
import { Amount, ById, iso, Metadata, PageFields, tailPageOf, Uuid } from "./Schemas.ts"
import { CreateTransfer, toCommand } from "./TransferCommand.ts"

export const groups = {
  transfers: {
    title: "Transfers",
    description: "Double-entry transfers, two-phase holds and atomic batches"
  }
}

export const TransferJson = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  debitAccountId: Schema.String,
  creditAccountId: Schema.String,
  amount: Schema.String,
  currency: Schema.NullOr(Schema.String),
  creditAmount: Schema.NullOr(Schema.String),
  creditCurrency: Schema.NullOr(Schema.String),
  pending: Schema.Boolean,
  postedAmount: Schema.NullOr(Schema.String),
  failureCode: Schema.NullOr(Schema.String),
  timeoutSeconds: Schema.NullOr(Schema.Number),
  expiresAt: Schema.NullOr(Schema.String),
  fx: Schema.NullOr(Schema.Struct({ rate: Schema.String, source: Schema.String, asOf: Schema.String })),
  batchId: Schema.NullOr(Schema.String),
  metadata: Schema.NullOr(Metadata),
  createdAt: Schema.String,
  updatedAt: Schema.String
}).annotate({ identifier: "Transfer" })

export const transferJson = (t: Transfer): typeof TransferJson.Type => ({
  id: t.id,
  status: t.status,
  debitAccountId: t.debitAccountId,
  creditAccountId: t.creditAccountId,
  amount: t.amountMinor.toString(),
  currency: t.currency,
  creditAmount: t.creditAmountMinor === null ? null : t.creditAmountMinor.toString(),
  creditCurrency: t.creditCurrency,
  pending: t.pending,
  postedAmount: t.postedAmountMinor === null ? null : t.postedAmountMinor.toString(),
  failureCode: t.failureCode,
  timeoutSeconds: t.timeoutSeconds,
  expiresAt: t.expiresAt === null ? null : iso(t.expiresAt),
  fx: t.fx === null ? null : { rate: t.fx.rate, source: t.fx.source, asOf: iso(t.fx.asOf) },
  batchId: t.batchId,
  metadata: t.metadata,
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt)
})

export const create = operation({
  name: "transfers.create",
  description: "Move money: debit one account, credit another (a refusal is stored as a failed transfer)",
  payload: CreateTransfer,
  success: TransferJson,
  errors: [transferRefused, transferIdReused, metadataTooLarge],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/transfers", status: 201 },
  handle: (payload, { principal, idempotency }) =>
    Effect.gen(function* () {
      const command = yield* toCommand(
        payload,
        principal,
        { claimed: idempotency, operation: "transfers.create" },
        0,
        null
      )
      return transferJson(yield* Transfers.create(command, viewerOf(principal)))
    })
})

export const get = operation({
  name: "transfers.get",
  description: "A transfer",
  payload: ById,
  success: TransferJson,
  errors: [transferNotFound],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/transfers/:id" },
  handle: ({ id }, { principal }) => Effect.map(Transfers.get(id as TransferId, viewerOf(principal)), transferJson)
})

export const list = operation({
  name: "transfers.list",
  description: "Transfers this key created or whose accounts it owns, oldest first",
  payload: Schema.Struct({
    ...PageFields,
    accountId: Schema.optionalKey(Uuid),
    status: Schema.optionalKey(TransferStatus)
  }),
  success: tailPageOf(TransferJson),
  errors: [pageSizeTooLarge, invalidCursor],
  access: "key",
  idempotent: false,
  http: { method: "GET", path: "/v1/transfers" },
  handle: (query, { principal }) =>
    Effect.gen(function* () {
      const page = yield* Transfers.list(
        {
          accountId: (query.accountId ?? null) as AccountId | null,
          status: query.status ?? null,
          cursor: query.cursor ?? null,
          limit: yield* pageSize(query.limit)
        },
        viewerOf(principal)
      )
      return { items: page.items.map(transferJson), nextCursor: page.nextCursor, tailCursor: page.tailCursor ?? null }
    })
})

export const post = operation({
  name: "transfers.post",
  description: "Post a hold, in full or in part",
  payload: Schema.Struct({ id: Uuid, amount: Schema.optionalKey(Amount) }),
  success: TransferJson,
  errors: [transferNotFound, transferRefused],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/transfers/:id/post" },
  handle: ({ id, amount }, { principal, idempotency }) =>
    Effect.map(
      Transfers.post(
        id as TransferId,
        amount === undefined ? undefined : BigInt(amount),
        viewerOf(principal),
        idempotency?.resumed === true
      ),
      transferJson
    )
})

export const voidHold = operation({
  name: "transfers.void",
  description: "Release a hold",
  payload: ById,
  success: TransferJson,
  errors: [transferNotFound, transferRefused],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/transfers/:id/void" },
  handle: ({ id }, { principal, idempotency }) =>
    Effect.map(Transfers.voidHold(id as TransferId, viewerOf(principal), idempotency?.resumed === true), transferJson)
})

export const batch = operation({
  name: "transfers.batch",
  description: "Apply transfers atomically: all or none (a refusal names each failing item)",
  payload: Schema.Struct({ transfers: Schema.Array(CreateTransfer) }).annotate({ identifier: "CreateTransferBatch" }),
  success: Schema.Struct({ transfers: Schema.Array(TransferJson) }),
  errors: [batchRefused, batchSizeOutOfRange, transferIdReused, metadataTooLarge],
  access: "key",
  idempotent: true,
  http: { method: "POST", path: "/v1/transfer-batches", status: 201 },
  handle: ({ transfers }, { principal, idempotency }) =>
    Effect.gen(function* () {
      const batchId = yield* (yield* Ids).next
      const commands = yield* Effect.forEach(transfers, (t, i) =>
        toCommand(t, principal, { claimed: idempotency, operation: "transfers.batch" }, i, batchId)
      )
      return { transfers: (yield* Transfers.createBatch(commands, viewerOf(principal))).map(transferJson) }
    })
})

export const operations = [create, get, list, post, voidHold, batch] as const
