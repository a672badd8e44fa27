// `tally <group> <operation>`: the client commands, one per operation of the table on the CLI, over RPC (HTTP
// transport). Flags go after the subcommand: `tally transfers create --debit … --json`. Output and exit codes:
// docs/reference/cli.md.
import { Command } from "effect/cli"
import { accountsCreate, accountsGet, accountsList, entriesList } from "./ClientAccounts.ts"
import { apiKeysCreate, apiKeysList, apiKeysRevoke } from "./ClientApiKeys.ts"
import {
  fxRates,
  transfersBatch,
  transfersCreate,
  transfersGet,
  transfersList,
  transfersPost,
  transfersVoid
} from "./ClientTransfers.ts"

const group = <const Commands extends readonly [Command.Command.Any, ...Array<Command.Command.Any>]>(
  name: string,
  description: string,
  commands: Commands
) => Command.make(name).pipe(Command.withDescription(description), Command.withSubcommands(commands))

export const clientCommands = [
  group("accounts", "Ledger accounts", [accountsCreate, accountsGet, accountsList]),
  group("transfers", "Transfers, holds and batches", [
    transfersCreate,
    transfersGet,
    transfersList,
    transfersPost,
    transfersVoid,
    transfersBatch
  ]),
  group("entries", "Journal entries", [entriesList]),
  group("fx", "FX rates", [fxRates]),
  group("api-keys", "API keys (shown once when created)", [apiKeysCreate, apiKeysList, apiKeysRevoke])
] as const
