// The `basic` access kind: besides an API key, HTTP Basic `email:password` of a confirmed user. Each attempt is
// throttled per client address and per email (AuthThrottle.ts) before the password is checked.
import * as Users from "@tally/domain/usecases/Users"
import { Effect, Option, Redacted } from "effect"
import { AuthThrottle } from "./AuthThrottle.ts"
import type { WireError } from "./Errors.ts"
import { translate } from "./Translate.ts"

/** A confirmed user who presented its email and password: it acts on its own objects, like its keys. */
export interface UserPrincipal {
  readonly kind: "user"
  readonly ownerId: string
  readonly userId: string
}

export interface BasicCredentials {
  readonly email: string
  readonly password: Redacted.Redacted
}

const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i

/** The credentials of an `authorization: Basic …` header (RFC 7617: base64 of `email:password`). */
export const basicCredentials = (authorization: string | undefined): Option.Option<BasicCredentials> => {
  const encoded = BASIC.exec(authorization ?? "")?.[1]
  if (encoded === undefined) return Option.none()
  const decoded = Buffer.from(encoded, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon <= 0) return Option.none()
  return Option.some({ email: decoded.slice(0, colon), password: Redacted.make(decoded.slice(colon + 1)) })
}

/** The header a client sends for `basicCredentials`. */
export const basicAuthorization = (email: string, password: Redacted.Redacted) =>
  `Basic ${Buffer.from(`${email}:${Redacted.value(password)}`, "utf8").toString("base64")}`

/** The user behind the credentials, after one throttled login attempt. */
export const userPrincipal = (credentials: BasicCredentials, clientAddress: string | undefined) =>
  Effect.gen(function* () {
    yield* (yield* AuthThrottle).attempt("login", clientAddress, credentials.email)
    const user = yield* Users.authenticate(credentials.email, credentials.password).pipe(
      Effect.catch((error) => translate(error))
    )
    return { kind: "user", ownerId: user.id, userId: user.id } satisfies UserPrincipal as UserPrincipal
  }) as Effect.Effect<UserPrincipal, WireError, Effect.Services<ReturnType<typeof Users.authenticate>> | AuthThrottle>
