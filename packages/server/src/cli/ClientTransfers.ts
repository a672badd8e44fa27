import { Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { CreateTransfer } from "../api/TransfersApi.ts"
import { CreateTransferRpc } from "../rpc/TransfersRpcs.ts"
import { idArgument, idempotencyKey, MetadataJson, metadata, page, payloadOf, some } from "./ClientFlags.ts"
import { lines, transferLine, transferText } from "./ClientOutput.ts"
import { connectionFlags, decodeInput, runCall } from "./ClientRun.ts"

const transfersCreate = Command.make(
  "create",
  {
    ...connectionFlags,
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
    runCall(
      c,
      (client) =>
        Effect.gen(function* () {
          const meta = Option.isSome(c.metadata)
            ? { metadata: yield* decodeInput(c.json, "--metadata", MetadataJson, c.metadata.value) }
            : {}
          const payload = {
            ...some("id", c.id),
            debitAccountId: c.debit,
            creditAccountId: c.credit,
            amount: c.amount,
            ...(c.pending ? { pending: true } : {}),
            ...some("timeoutSeconds", c.timeout),
            ...meta,
            ...some("idempotencyKey", c.idempotencyKey)
          }
          return yield* client.transfers.create(yield* decodeInput(c.json, "transfer", CreateTransferRpc, payload))
        }),
      transferText
    )
).pipe(Command.withDescription("Move money: debit one account, credit another"))

const transfersGet = Command.make("get", { ...connectionFlags, id: idArgument("id", "Transfer id") }, (c) =>
  runCall(
    c,
    (client) =>
      Effect.flatMap(
        decodeInput(c.json, "transfer id", payloadOf("transfers.get"), { id: c.id }),
        client.transfers.get
      ),
    transferText
  )
).pipe(Command.withDescription("Show a transfer"))

const transfersList = Command.make(
  "list",
  {
    ...connectionFlags,
    ...page,
    account: Flag.String("account").pipe(Flag.withDescription("Only transfers of this account"), Flag.optional),
    status: Flag.String("status").pipe(
      Flag.withDescription("initiated, pending, posted, voided, expired or failed"),
      Flag.optional
    )
  },
  (c) =>
    runCall(
      c,
      (client) =>
        Effect.flatMap(
          decodeInput(c.json, "filter", payloadOf("transfers.list"), {
            ...some("limit", c.limit),
            ...some("cursor", c.cursor),
            ...some("accountId", c.account),
            ...some("status", c.status)
          }),
          client.transfers.list
        ),
      (p) => lines(p.items, transferLine, p.nextCursor)
    )
).pipe(Command.withDescription("List transfers, newest last"))

const transfersPost = Command.make(
  "post",
  {
    ...connectionFlags,
    id: idArgument("id", "Hold (pending transfer) id"),
    amount: Flag.String("amount").pipe(Flag.withDescription("Post part of the hold (minor units)"), Flag.optional),
    idempotencyKey
  },
  (c) =>
    runCall(
      c,
      (client) =>
        Effect.flatMap(
          decodeInput(c.json, "post", payloadOf("transfers.post"), {
            id: c.id,
            ...some("amount", c.amount),
            ...some("idempotencyKey", c.idempotencyKey)
          }),
          client.transfers.post
        ),
      transferText
    )
).pipe(Command.withDescription("Post a hold, in full or in part"))

const transfersVoid = Command.make(
  "void",
  { ...connectionFlags, id: idArgument("id", "Hold (pending transfer) id"), idempotencyKey },
  (c) =>
    runCall(
      c,
      (client) =>
        Effect.flatMap(
          decodeInput(c.json, "void", payloadOf("transfers.void"), {
            id: c.id,
            ...some("idempotencyKey", c.idempotencyKey)
          }),
          client.transfers.void
        ),
      transferText
    )
).pipe(Command.withDescription("Release a hold"))

const BatchFile = Schema.fromJsonString(
  Schema.Union([Schema.Array(CreateTransfer), Schema.Struct({ transfers: Schema.Array(CreateTransfer) })])
)

const transfersBatch = Command.make(
  "batch",
  {
    ...connectionFlags,
    file: Flag.FileText("file").pipe(
      Flag.withDescription('JSON: { "transfers": [ … ] } or [ … ], items as in `transfers create`')
    ),
    idempotencyKey
  },
  (c) =>
    runCall(
      c,
      (client) =>
        Effect.gen(function* () {
          const parsed = yield* decodeInput(c.json, "--file", BatchFile, c.file)
          const transfers = "transfers" in parsed ? parsed.transfers : parsed
          return yield* client.transfers.batch({ transfers, ...some("idempotencyKey", c.idempotencyKey) })
        }),
      (b) => lines(b.transfers, transferLine)
    )
).pipe(Command.withDescription("Apply transfers atomically: all or none"))

export const transfers = Command.make("transfers").pipe(
  Command.withDescription("Transfers, holds and batches"),
  Command.withSubcommands([transfersCreate, transfersGet, transfersList, transfersPost, transfersVoid, transfersBatch])
)
