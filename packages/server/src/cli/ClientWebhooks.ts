import { Config, Redacted } from "effect"
import { Flag } from "effect/cli"
import { operationCommand } from "./ClientCommand.ts"
import { lines } from "./ClientOutput.ts"

type Webhook = { readonly id: string; readonly url: string; readonly events: ReadonlyArray<string> }
const webhookLine = (w: Webhook) => [w.id, w.url, w.events.join(",")].join("  ")

export const webhooksCreate = operationCommand(
  "webhooks.create",
  {
    endpoint: Flag.String("endpoint").pipe(Flag.withDescription("The endpoint (http or https, a public host)")),
    secret: Flag.Redacted("secret").pipe(
      Flag.withDescription("The signing secret, 16 to 200 characters (default $TALLY_WEBHOOK_SECRET)"),
      Flag.withFallbackConfig(Config.Redacted("TALLY_WEBHOOK_SECRET"))
    ),
    events: Flag.String("events").pipe(
      Flag.withDescription('Comma-separated event names, or "*" for all'),
      Flag.withDefault("*")
    )
  },
  (c) => ({
    url: c.endpoint,
    secret: Redacted.value(c.secret),
    events: c.events.split(",").map((e) => e.trim())
  }),
  webhookLine
)

export const webhooksList = operationCommand(
  "webhooks.list",
  {},
  () => ({}),
  (r) => lines(r.items, webhookLine)
)
