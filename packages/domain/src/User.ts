// Users: signup with email + password, confirmation by a mailed single-use token that expires.
import { DateTime, Result, Schema } from "effect"
import type { OwnerId } from "./Account.ts"
import type { NewEvent } from "./Event.ts"

export interface User {
  /** Also the user's owner id: its wallet, keys and transfers belong to it. */
  readonly id: OwnerId
  readonly email: string
  readonly name: string
  readonly createdAt: DateTime.Utc
  readonly confirmedAt: DateTime.Utc | null
  readonly walletAccountId: string | null
}

export interface ConfirmationToken {
  readonly tokenHash: string
  readonly userId: OwnerId
  readonly expiresAt: DateTime.Utc
  readonly usedAt: DateTime.Utc | null
}

export const usersSource = "tally/users"
export const passwordLengthMin = 10
export const passwordLengthMax = 200

export class InvalidSignup extends Schema.TaggedError<InvalidSignup>()("InvalidSignup", {
  field: Schema.Literals(["email", "name", "password"]),
  reason: Schema.String
}) {}

export class EmailTaken extends Schema.TaggedError<EmailTaken>()("EmailTaken", { email: Schema.String }) {}

/** The confirmation token is unknown, already used, or expired (one reason each). */
export class ConfirmationRefused extends Schema.TaggedError<ConfirmationRefused>()("ConfirmationRefused", {
  reason: Schema.Literals(["unknown", "used", "expired"])
}) {}

/** Wrong email or password: deliberately not saying which. */
export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>()("InvalidCredentials", {}) {}

export class UserNotConfirmed extends Schema.TaggedError<UserNotConfirmed>()("UserNotConfirmed", {
  userId: Schema.String
}) {}

export class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", { userId: Schema.String }) {}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export const normalizeEmail = (email: string): string => email.trim().toLowerCase()

export interface SignupInput {
  readonly email: string
  readonly name: string
  readonly password: string
}

/** Validates and normalises signup input (the password is only measured, never kept). */
export const validateSignup = (
  input: SignupInput
): Result.Result<{ readonly email: string; readonly name: string }, InvalidSignup> => {
  const email = normalizeEmail(input.email)
  const name = input.name.trim()
  if (email.length > 254 || !EMAIL.test(email)) {
    return Result.fail(new InvalidSignup({ field: "email", reason: "not an email address" }))
  }
  if (name.length < 1 || name.length > 200) {
    return Result.fail(new InvalidSignup({ field: "name", reason: "1 to 200 characters" }))
  }
  if (input.password.length < passwordLengthMin || input.password.length > passwordLengthMax) {
    return Result.fail(
      new InvalidSignup({ field: "password", reason: `${passwordLengthMin} to ${passwordLengthMax} characters` })
    )
  }
  return Result.succeed({ email, name })
}

/** A token confirms its user once, before it expires. */
export const decideConfirm = (
  token: ConfirmationToken | undefined,
  now: DateTime.Utc
): Result.Result<ConfirmationToken, ConfirmationRefused> =>
  token === undefined
    ? Result.fail(new ConfirmationRefused({ reason: "unknown" }))
    : token.usedAt !== null
      ? Result.fail(new ConfirmationRefused({ reason: "used" }))
      : DateTime.toEpochMillis(token.expiresAt) <= DateTime.toEpochMillis(now)
        ? Result.fail(new ConfirmationRefused({ reason: "expired" }))
        : Result.succeed(token)

/** Carries the clear token to the mail destination; only its hash is stored with the user. */
export const signedUp = (user: User, token: string, expiresAt: DateTime.Utc): NewEvent => ({
  name: "user.signed_up",
  source: usersSource,
  context: { ownerId: user.id },
  data: { userId: user.id, email: user.email, name: user.name, token, tokenExpiresAt: DateTime.formatIso(expiresAt) },
  sentAt: user.createdAt
})

export const confirmed = (user: User, walletAccountId: string, now: DateTime.Utc): NewEvent => ({
  name: "user.confirmed",
  source: usersSource,
  context: { ownerId: user.id },
  data: { userId: user.id, email: user.email, walletAccountId },
  sentAt: now
})
