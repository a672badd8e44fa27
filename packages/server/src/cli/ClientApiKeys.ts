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
    ownerName: Flag.String("owner-name").pipe(Flag.withDescription("For a new owner (admin key)"), Flag.optional)
  },
  (c) => ({ ...some("name", c.name), ...some("ownerId", c.ownerId), ...some("ownerName", c.ownerName) }),
  (k) => `${keyLine(k)}\nkey ${k.key}  (shown once: store it now)`
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
