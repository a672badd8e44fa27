import { Effect } from "effect"
import { Flag } from "effect/cli"
import { operationCommand } from "./ClientCommand.ts"
import { idArgument, metadata, metadataOf, page, some } from "./ClientFlags.ts"
import { accountLine, accountText, entryLine, lines } from "./ClientOutput.ts"

export const accountsCreate = operationCommand(
  "accounts.create",
  {
    currency: Flag.String("currency").pipe(Flag.withDescription("ISO 4217 code, e.g. EUR")),
    allowNegative: Flag.Boolean("allow-negative").pipe(
      Flag.withDescription("A system account that may go below zero (admin key only)"),
      Flag.withDefault(false)
    ),
    metadata
  },
  (c) =>
    Effect.gen(function* () {
      const meta = yield* metadataOf(c.json, c.metadata)
      return { currency: c.currency, ...(c.allowNegative ? { allowNegative: true } : {}), ...meta }
    }),
  accountText
)

export const accountsGet = operationCommand(
  "accounts.get",
  { id: idArgument("id", "Account id") },
  (c) => ({ id: c.id }),
  accountText
)

export const accountsList = operationCommand(
  "accounts.list",
  page,
  (c) => ({ ...some("limit", c.limit), ...some("cursor", c.cursor) }),
  (p) => lines(p.items, accountLine, p.nextCursor)
)

export const entriesList = operationCommand(
  "entries.list",
  { ...page, accountId: idArgument("account", "Account id") },
  (c) => ({ accountId: c.accountId, ...some("limit", c.limit), ...some("cursor", c.cursor) }),
  (p) => lines(p.items, entryLine, p.nextCursor)
)
