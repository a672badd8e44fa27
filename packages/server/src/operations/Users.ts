// Users: signup (a confirmation mail through the job store), confirmation, the admin's list.
import type { User } from "@tally/domain/User"
import * as Users from "@tally/domain/usecases/Users"
import { Effect, Redacted, Schema } from "effect"
import { AuthThrottle } from "./AuthThrottle.ts"
import {
  confirmationRefused,
  emailTaken,
  invalidCursor,
  invalidSignup,
  pageSizeTooLarge,
  signupRateLimited
} from "./Errors.ts"
import { pageSize } from "./Limits.ts"
import { operation } from "./Operation.ts"
import { iso, PageFields, pageOf } from "./Schemas.ts"

export const groups = {
  users: {
    title: "Users",
    description:
      "Signup with email and password, confirmed by a mailed token; a confirmed user has a wallet and creates its " +
      "own API keys with HTTP Basic email:password (POST /v1/api-keys)"
  }
}

export const UserJson = Schema.Struct({
  id: Schema.String.annotate({ description: "Also the user's owner id: its wallet and keys belong to it" }),
  email: Schema.String,
  name: Schema.String,
  createdAt: Schema.String,
  confirmedAt: Schema.NullOr(Schema.String),
  walletAccountId: Schema.NullOr(Schema.String)
}).annotate({ identifier: "User" })

export const userJson = (u: User): typeof UserJson.Type => ({
  id: u.id,
  email: u.email,
  name: u.name,
  createdAt: iso(u.createdAt),
  confirmedAt: u.confirmedAt === null ? null : iso(u.confirmedAt),
  walletAccountId: u.walletAccountId
})

// lengths are the domain's checks (User.ts), answered with their own codes; these only bound the wire
export const Signup = Schema.Struct({
  email: Schema.String.check(Schema.isMaxLength(1000)),
  name: Schema.String.check(Schema.isMaxLength(1000)),
  password: Schema.String.check(Schema.isMaxLength(1000)).annotate({
    description: "10 to 200 characters; stored as a scrypt hash"
  })
}).annotate({ identifier: "Signup" })

export const signup = operation({
  name: "users.signup",
  description: "Sign up: a confirmation token is mailed to the address (POST /v1/users/confirm with it)",
  payload: Signup,
  success: UserJson,
  errors: [invalidSignup, emailTaken, signupRateLimited],
  access: "public",
  idempotent: false,
  http: { method: "POST", path: "/v1/users", status: 201 },
  handle: (payload, { clientAddress }) =>
    Effect.gen(function* () {
      yield* (yield* AuthThrottle).attempt("signup", clientAddress, payload.email)
      return userJson(yield* Users.signup(payload))
    })
})

export const confirm = operation({
  name: "users.confirm",
  description: "Confirm a signup with the mailed token (once, before it expires): opens the user's wallet",
  payload: Schema.Struct({ token: Schema.String.check(Schema.isMaxLength(1000)) }).annotate({
    identifier: "ConfirmUser"
  }),
  success: UserJson,
  errors: [confirmationRefused],
  access: "public",
  idempotent: false,
  http: { method: "POST", path: "/v1/users/confirm" },
  handle: ({ token }) => Effect.map(Users.confirm(Redacted.make(token)), userJson)
})

export const list = operation({
  name: "users.list",
  description: "Every user, a page at a time (admin key)",
  payload: Schema.Struct(PageFields),
  success: pageOf(UserJson),
  errors: [pageSizeTooLarge, invalidCursor],
  access: "admin",
  idempotent: false,
  http: { method: "GET", path: "/v1/users" },
  handle: ({ cursor, limit }) =>
    Effect.gen(function* () {
      const page = yield* Users.list({ cursor: cursor ?? null, limit: yield* pageSize(limit) })
      return { items: page.items.map(userJson), nextCursor: page.nextCursor }
    })
})

export const operations = [signup, confirm, list] as const
