// `tally accounts|transfers|entries|fx …`: the client commands, over RPC (HTTP transport). Flags go after the
// subcommand: `tally transfers create --debit … --json`. Output and exit codes: docs/reference/cli.md.
import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { accounts } from "./ClientAccounts.ts"
import { idArgument, page, payloadOf, some } from "./ClientFlags.ts"
import { entryLine, fxLine, lines } from "./ClientOutput.ts"
import { connectionFlags, decodeInput, runCall } from "./ClientRun.ts"
import { transfers } from "./ClientTransfers.ts"

const entriesList = Command.make(
  "list",
  { ...connectionFlags, ...page, accountId: idArgument("account", "Account id") },
  (c) =>
    runCall(
      c,
      (client) =>
        Effect.flatMap(
          decodeInput(c.json, "account id", payloadOf("entries.list"), {
            accountId: c.accountId,
            ...some("limit", c.limit),
            ...some("cursor", c.cursor)
          }),
          client.entries.list
        ),
      (p) => lines(p.items, entryLine, p.nextCursor)
    )
).pipe(Command.withDescription("The journal of an account: one entry per posted debit or credit"))

const entries = Command.make("entries").pipe(
  Command.withDescription("Journal entries"),
  Command.withSubcommands([entriesList])
)

const fxRates = Command.make(
  "rates",
  {
    ...connectionFlags,
    base: Flag.String("base").pipe(Flag.withDescription("Only this base currency"), Flag.optional),
    quote: Flag.String("quote").pipe(Flag.withDescription("Only this quote currency"), Flag.optional)
  },
  (c) =>
    runCall(
      c,
      (client) => client.fx.rates({ ...some("base", c.base), ...some("quote", c.quote) }),
      (r) => lines(r.rates, fxLine)
    )
).pipe(Command.withDescription("The cached FX rates cross-currency transfers use"))

const fx = Command.make("fx").pipe(Command.withDescription("FX rates"), Command.withSubcommands([fxRates]))

export const clientCommands = [accounts, transfers, entries, fx] as const
