// User use cases: signup, confirm, API keys with email:password, the admin's user list.
import { Context, DateTime, Duration, Effect, Option, Redacted, Result } from "effect"
import { AccountId, type OwnerId, openAccount } from "../Account.ts"
import type { CurrencyCode } from "../Money.ts"
import { type ApiKey, ApiKeyStore } from "../ports/ApiKeyStore.ts"
import { Ids } from "../ports/Ids.ts"
import { JobStore } from "../ports/JobStore.ts"
import { LedgerStore } from "../ports/LedgerStore.ts"
import { PasswordHasher } from "../ports/PasswordHasher.ts"
import { SecretTokens } from "../ports/SecretTokens.ts"
import { UserStore } from "../ports/UserStore.ts"
import {
  confirmed,
  decideConfirm,
  InvalidCredentials,
  normalizeEmail,
  type SignupInput,
  signedUp,
  type User,
  UserNotConfirmed,
  UserNotFound,
  validateSignup
} from "../User.ts"

/** TALLY_USER_TOKEN_TTL_SECONDS, TALLY_WALLET_CURRENCY (configured by the server). */
export class UserSettings extends Context.Reference<{
  readonly tokenTtlSeconds: number
  readonly walletCurrency: CurrencyCode
}>("tally/domain/UserSettings", {
  defaultValue: () => ({ tokenTtlSeconds: 24 * 3600, walletCurrency: "EUR" as CurrencyCode })
}) {}

/** Signs a user up: owner, user and hashed token stored, user.signed_up (carrying the token to mail) appended. */
export const signup = Effect.fn("Users.signup")(function* (input: SignupInput) {
  const valid = yield* Result.match(validateSignup(input), { onFailure: Effect.fail, onSuccess: Effect.succeed })
  const settings = yield* UserSettings
  const ledger = yield* LedgerStore
  const users = yield* UserStore
  const jobs = yield* JobStore
  const passwordHash = yield* (yield* PasswordHasher).hash(Redacted.make(input.password))
  const { token, hash } = yield* (yield* SecretTokens).generate("tc_")
  const id = (yield* (yield* Ids).next) as OwnerId
  const now = yield* DateTime.now
  const expiresAt = DateTime.addDuration(now, Duration.seconds(settings.tokenTtlSeconds))
  const user: User = { id, ...valid, createdAt: now, confirmedAt: null, walletAccountId: null }
  return yield* ledger.transact(
    Effect.gen(function* () {
      const stored = yield* users.insert(user, passwordHash, { tokenHash: hash, userId: id, expiresAt, usedAt: null })
      yield* jobs.append([signedUp(stored, Redacted.value(token), expiresAt)])
      return stored
    })
  )
})

/** Confirms the token's user: token used, user confirmed, wallet opened, user.confirmed — one transaction. */
export const confirm = Effect.fn("Users.confirm")(function* (token: Redacted.Redacted) {
  const settings = yield* UserSettings
  const ledger = yield* LedgerStore
  const users = yield* UserStore
  const jobs = yield* JobStore
  const tokenHash = (yield* SecretTokens).hashOf(token)
  const walletId = AccountId.make(yield* (yield* Ids).next)
  return yield* ledger.transact(
    Effect.gen(function* () {
      const now = yield* DateTime.now
      const found = Option.getOrUndefined(yield* users.lockToken(tokenHash))
      yield* Result.match(decideConfirm(found?.token, now), { onFailure: Effect.fail, onSuccess: Effect.succeed })
      const user = found!.user
      const wallet = openAccount(
        {
          id: walletId,
          currency: settings.walletCurrency,
          ownerId: user.id,
          allowNegative: false,
          metadata: { wallet: true }
        },
        now
      )
      yield* ledger.createAccount(wallet)
      const updated = yield* users.confirm(user.id, tokenHash, wallet.id, now)
      yield* jobs.append([confirmed(updated, wallet.id, now)])
      return updated
    })
  )
})

/** The confirmed user with this email and password (as for HTTP Basic email:password). */
export const authenticate = Effect.fn("Users.authenticate")(function* (email: string, password: Redacted.Redacted) {
  const found = yield* (yield* UserStore).findByEmail(normalizeEmail(email))
  const hasher = yield* PasswordHasher
  // verify against a hash even for an unknown email, so timing does not tell which emails exist
  const hash = Option.match(found, { onNone: () => unknownUserHash, onSome: (f) => f.passwordHash })
  const matches = yield* hasher.verify(password, hash)
  if (Option.isNone(found) || !matches) return yield* new InvalidCredentials()
  const user = found.value.user
  if (user.confirmedAt === null) return yield* new UserNotConfirmed({ userId: user.id })
  return user
})

// scrypt hash of a random password nobody knows (N=16384, r=8, p=1): makes unknown emails cost a verification too
const unknownUserHash =
  "scrypt$16384$8$1$dW5rbm93bi11c2VyLXNhbHQ$GjsU2b5mcl1tmvbOx/tFH/4h1G7HB33V2AkYQbzkEfTc4lpJa9Mq4mYMH0yd/+CaQ2O1IkHY1ckxjWzrtWmvTQ"

const issueKey = (ownerId: OwnerId, name: string) =>
  Effect.gen(function* () {
    const { token, hash } = yield* (yield* SecretTokens).generate("tally_")
    const key: ApiKey = {
      id: yield* (yield* Ids).next,
      ownerId,
      name,
      prefix: Redacted.value(token).slice(0, 12),
      createdAt: DateTime.toDateUtc(yield* DateTime.now),
      revokedAt: null
    }
    const stored = yield* (yield* ApiKeyStore).insert(key, hash)
    return { apiKey: stored, key: token }
  })

/** A confirmed user creates a key for itself with its email and password; the key sees only its accounts. */
export const createApiKey = Effect.fn("Users.createApiKey")(function* (
  email: string,
  password: Redacted.Redacted,
  name: string
) {
  const user = yield* authenticate(email, password)
  return yield* issueKey(user.id, name)
})

/** The admin creates a key for any confirmed user. */
export const createApiKeyFor = Effect.fn("Users.createApiKeyFor")(function* (userId: OwnerId, name: string) {
  const found = yield* (yield* UserStore).get(userId)
  if (Option.isNone(found)) return yield* new UserNotFound({ userId })
  if (found.value.confirmedAt === null) return yield* new UserNotConfirmed({ userId })
  return yield* issueKey(userId, name)
})

export const list = Effect.fn("Users.list")(function* (query: {
  readonly cursor: string | null
  readonly limit: number
}) {
  return yield* (yield* UserStore).list(query)
})
