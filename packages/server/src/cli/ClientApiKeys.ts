import { Config, Option } from "effect"
import { Flag } from "effect/cli"
import { operationCommand } from "./ClientCommand.ts"
import { idArgument, some } from "./ClientFlags.ts"
import { lines } from "./ClientOutput.ts"

type Key = { readonly id: string; readonly ownerId: string; readonly name: string; readonly prefix: string }
const keyLine = (k: Key & { readonly revokedAt: string | null }) =>
  [k.id, k.prefix.padEnd(12), k.name, `owner ${k.ownerId}`, ...(k.revokedAt === null ? [] : ["revoked"])].join("  ")

export const apiKeysCreate = operationCommand(
  "apiKeys.create",
  {
    name: Flag.String("name").pipe(Flag.withDescription("A name to recognise the key by"), Flag.optional),
    ownerId: Flag.String("owner-id").pipe(Flag.withDescription("For an existing owner (admin key)"), Flag.optional),
    ownerName: Flag.String("owner-name").pipe(Flag.withDescription("For a new owner (admin key)"), Flag.optional),
    userId: Flag.String("user-id").pipe(Flag.withDescription("For a confirmed user (admin key)"), Flag.optional),
    email: Flag.String("email").pipe(
      Flag.withDescription("A confirmed user's email: a key for that user, with its password instead of a key"),
      Flag.optional
    ),
    password: Flag.Redacted("password").pipe(
      Flag.withDescription("With --email (default $TALLY_PASSWORD; a flag shows in the process list)"),
      Flag.withFallbackConfig(Config.Redacted("TALLY_PASSWORD")),
      Flag.optional
    )
  },
  (c) => ({
    ...some("name", c.name),
    ...some("ownerId", c.ownerId),
    ...some("ownerName", c.ownerName),
    ...some("userId", c.userId)
  }),
  (k) => `${keyLine(k)}\nkey ${k.key}  (shown once: store it now)`,
  (c) =>
    Option.isSome(c.email) && Option.isSome(c.password)
      ? { email: c.email.value, password: c.password.value }
      : undefined
)

export const apiKeysList = operationCommand(
  "apiKeys.list",
  {},
  () => ({}),
  (r) => lines(r.items, keyLine)
)

export const apiKeysRevoke = operationCommand(
  "apiKeys.revoke",
  { id: idArgument("id", "API key id") },
  (c) => ({ id: c.id }),
  keyLine
)
