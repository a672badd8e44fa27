// `tally <group> <operation>`: the client commands, one per operation of the table on the CLI, over RPC (HTTP
// transport). Flags go after the subcommand: `tally transfers create --debit … --json`. Output and exit codes:
// docs/reference/cli.md.
import { Command } from "effect/cli"
import { accountsCreate, accountsGet, accountsList, entriesList } from "./ClientAccounts.ts"
import { apiKeysCreate, apiKeysList, apiKeysRevoke } from "./ClientApiKeys.ts"
import { jobsList, jobsRetry } from "./ClientJobs.ts"
import {
  eventsCancel,
  eventsCreate,
  eventsGet,
  eventsList,
  eventsUpdate,
  ratingsAdd,
  ratingsGet,
  ratingsRebuild,
  reservationsCancel,
  reservationsConfirm,
  reservationsCreate,
  reservationsGet
} from "./ClientTicketing.ts"
import {
  fxRates,
  transfersBatch,
  transfersCreate,
  transfersGet,
  transfersList,
  transfersPost,
  transfersVoid
} from "./ClientTransfers.ts"
import { usersConfirm, usersList, usersSignup } from "./ClientUsers.ts"
import { webhooksCreate, webhooksList } from "./ClientWebhooks.ts"

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
  group("api-keys", "API keys (shown once when created)", [apiKeysCreate, apiKeysList, apiKeysRevoke]),
  group("users", "Users: signup, confirmation, the admin's list", [usersSignup, usersConfirm, usersList]),
  group("webhooks", "Webhook endpoints (signed event deliveries)", [webhooksCreate, webhooksList]),
  group("jobs", "The outbox's jobs (admin key)", [jobsList, jobsRetry]),
  group("events", "Events: seats for sale, paid through the ledger", [
    eventsCreate,
    eventsList,
    eventsGet,
    eventsUpdate,
    eventsCancel
  ]),
  group("reservations", "Seats held until confirmed (paid), cancelled or expired", [
    reservationsCreate,
    reservationsConfirm,
    reservationsCancel,
    reservationsGet
  ]),
  group("ratings", "Ratings of events by ticket holders", [ratingsAdd, ratingsGet, ratingsRebuild])
] as const
