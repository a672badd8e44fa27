import { Config, Redacted } from "effect"
import { Flag } from "effect/cli"
import { operationCommand } from "./ClientCommand.ts"
import { page, some } from "./ClientFlags.ts"
import { lines } from "./ClientOutput.ts"

type User = {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly confirmedAt: string | null
  readonly walletAccountId: string | null
}
const userLine = (u: User) =>
  [
    u.id,
    u.email,
    u.name,
    u.confirmedAt === null ? "unconfirmed" : `confirmed ${u.confirmedAt}`,
    ...(u.walletAccountId === null ? [] : [`wallet ${u.walletAccountId}`])
  ].join("  ")

export const usersSignup = operationCommand(
  "users.signup",
  {
    email: Flag.String("email").pipe(Flag.withDescription("The address the confirmation token is mailed to")),
    name: Flag.String("name").pipe(Flag.withDescription("The user's name")),
    password: Flag.Redacted("password").pipe(
      Flag.withDescription("10 to 200 characters (default $TALLY_PASSWORD; a flag shows in the process list)"),
      Flag.withFallbackConfig(Config.Redacted("TALLY_PASSWORD"))
    )
  },
  (c) => ({ email: c.email, name: c.name, password: Redacted.value(c.password) }),
  (u) => `${userLine(u)}\nconfirmation token mailed to ${u.email}: tally users confirm --token <token>`
)

export const usersConfirm = operationCommand(
  "users.confirm",
  { token: Flag.String("token").pipe(Flag.withDescription("The token from the confirmation mail")) },
  (c) => ({ token: c.token }),
  userLine
)

export const usersList = operationCommand(
  "users.list",
  page,
  (c) => ({ ...some("limit", c.limit), ...some("cursor", c.cursor) }),
  (r) => lines(r.items, userLine, r.nextCursor)
)
