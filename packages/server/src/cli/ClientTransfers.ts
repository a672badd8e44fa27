import { Effect, Schema } from "effect"
import { Flag } from "effect/cli"
import { CreateTransfer } from "../operations/TransferCommand.ts"
import { operationCommand } from "./ClientCommand.ts"
import { idArgument, idempotencyKey, metadata, metadataOf, page, some } from "./ClientFlags.ts"
import { fxLine, lines, transferLine, transferText } from "./ClientOutput.ts"
import { decodeInput } from "./ClientRun.ts"

export const transfersCreate = operationCommand(
  "transfers.create",
  {
    debit: Flag.String("debit").pipe(Flag.withDescription("Account to debit")),
    credit: Flag.String("credit").pipe(Flag.withDescription("Account to credit")),
    amount: Flag.String("amount").pipe(Flag.withDescription("Minor units, e.g. 1050 = 10.50 EUR")),
    pending: Flag.Boolean("pending").pipe(Flag.withDescription("Hold the funds (two-phase)"), Flag.withDefault(false)),
    timeout: Flag.Int("timeout").pipe(Flag.withDescription("Seconds until a hold expires"), Flag.optional),
    id: Flag.String("id").pipe(Flag.withDescription("Client-chosen transfer id (UUID)"), Flag.optional),
    idempotencyKey,
    metadata
  },
  (c) =>
    Effect.gen(function* () {
      const meta = yield* metadataOf(c.json, c.metadata)
      return {
        ...some("id", c.id),
        debitAccountId: c.debit,
        creditAccountId: c.credit,
        amount: c.amount,
        ...(c.pending ? { pending: true } : {}),
        ...some("timeoutSeconds", c.timeout),
        ...meta,
        ...some("idempotencyKey", c.idempotencyKey)
      }
    }),
  transferText
)

export const transfersGet = operationCommand(
  "transfers.get",
  { id: idArgument("id", "Transfer id") },
  (c) => ({ id: c.id }),
  transferText
)

export const transfersList = operationCommand(
  "transfers.list",
  {
    ...page,
    account: Flag.String("account").pipe(Flag.withDescription("Only transfers of this account"), Flag.optional),
    status: Flag.String("status").pipe(
      Flag.withDescription("initiated, pending, posted, voided, expired or failed"),
      Flag.optional
    )
  },
  (c) => ({
    ...some("limit", c.limit),
    ...some("cursor", c.cursor),
    ...some("accountId", c.account),
    ...some("status", c.status)
  }),
  (p) => lines(p.items, transferLine, p.nextCursor)
)

export const transfersPost = operationCommand(
  "transfers.post",
  {
    id: idArgument("id", "Hold (pending transfer) id"),
    amount: Flag.String("amount").pipe(Flag.withDescription("Post part of the hold (minor units)"), Flag.optional),
    idempotencyKey
  },
  (c) => ({ id: c.id, ...some("amount", c.amount), ...some("idempotencyKey", c.idempotencyKey) }),
  transferText
)

export const transfersVoid = operationCommand(
  "transfers.void",
  { id: idArgument("id", "Hold (pending transfer) id"), idempotencyKey },
  (c) => ({ id: c.id, ...some("idempotencyKey", c.idempotencyKey) }),
  transferText
)

const BatchFile = Schema.fromJsonString(
  Schema.Union([Schema.Array(CreateTransfer), Schema.Struct({ transfers: Schema.Array(CreateTransfer) })])
)

export const transfersBatch = operationCommand(
  "transfers.batch",
  {
    file: Flag.FileText("file").pipe(
      Flag.withDescription('JSON: { "transfers": [ … ] } or [ … ], items as in `transfers create`')
    ),
    idempotencyKey
  },
  (c) =>
    Effect.map(decodeInput(c.json, "--file", BatchFile, c.file), (parsed) => ({
      transfers: "transfers" in parsed ? parsed.transfers : parsed,
      ...some("idempotencyKey", c.idempotencyKey)
    })),
  (b) => lines(b.transfers, transferLine)
)

export const fxRates = operationCommand(
  "fx.rates",
  {
    base: Flag.String("base").pipe(Flag.withDescription("Only this base currency"), Flag.optional),
    quote: Flag.String("quote").pipe(Flag.withDescription("Only this quote currency"), Flag.optional)
  },
  (c) => ({ ...some("base", c.base), ...some("quote", c.quote) }),
  (r) => lines(r.rates, fxLine)
)
