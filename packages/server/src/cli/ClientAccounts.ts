import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { CreateAccountRpc } from "../rpc/AccountsRpcs.ts"
import { idArgument, MetadataJson, metadata, page, payloadOf, some } from "./ClientFlags.ts"
import { accountLine, accountText, lines } from "./ClientOutput.ts"
import { connectionFlags, decodeInput, runCall } from "./ClientRun.ts"

const accountsCreate = Command.make(
  "create",
  {
    ...connectionFlags,
    currency: Flag.String("currency").pipe(Flag.withDescription("ISO 4217 code, e.g. EUR")),
    allowNegative: Flag.Boolean("allow-negative").pipe(
      Flag.withDescription("A system account that may go below zero (admin key only)"),
      Flag.withDefault(false)
    ),
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
          const payload = { currency: c.currency, ...(c.allowNegative ? { allowNegative: true } : {}), ...meta }
          return yield* client.accounts.create(yield* decodeInput(c.json, "account", CreateAccountRpc, payload))
        }),
      accountText
    )
).pipe(Command.withDescription("Open an account"))

const accountsGet = Command.make("get", { ...connectionFlags, id: idArgument("id", "Account id") }, (c) =>
  runCall(
    c,
    (client) =>
      Effect.flatMap(decodeInput(c.json, "account id", payloadOf("accounts.get"), { id: c.id }), client.accounts.get),
    accountText
  )
).pipe(Command.withDescription("Show an account and its balances"))

const accountsList = Command.make("list", { ...connectionFlags, ...page }, (c) =>
  runCall(
    c,
    (client) =>
      Effect.flatMap(
        decodeInput(c.json, "page", payloadOf("accounts.list"), {
          ...some("limit", c.limit),
          ...some("cursor", c.cursor)
        }),
        client.accounts.list
      ),
    (p) => lines(p.items, accountLine, p.nextCursor)
  )
).pipe(Command.withDescription("List the accounts this key may see"))

export const accounts = Command.make("accounts").pipe(
  Command.withDescription("Ledger accounts"),
  Command.withSubcommands([accountsCreate, accountsGet, accountsList])
)
