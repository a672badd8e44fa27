// Bearer API keys, one check for every surface. The admin key comes from TALLY_ADMIN_API_KEY (or is generated
// once into the data directory for a local run). Owners' keys are stored as SHA-256 hashes; lookups are cached
// for TALLY_API_KEY_CACHE_SECONDS, which bounds how long a revoked key keeps working on this instance.
import { randomBytes, timingSafeEqual } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import type { OwnerId } from "@tally/domain/Account"
import { ApiKeyStore } from "@tally/domain/ports/ApiKeyStore"
import { Cache, Config, Context, Effect, Layer, Option, Redacted } from "effect"
import { ServerConfig } from "./Config.ts"
import { memo, sha256, sha256Hex } from "./Hash.ts"

/** Who is calling: the admin key acts on any object; an owner's key on its owner's objects. */
export type Principal =
  | { readonly kind: "admin" }
  | { readonly kind: "owner"; readonly ownerId: string; readonly keyId: string }

/** The owner whose objects the principal sees; null = all (the admin). */
export const viewerOf = (principal: Principal): OwnerId | null =>
  principal.kind === "admin" ? null : (principal.ownerId as OwnerId)

export const keyHash = (key: string) => sha256Hex(key)

/** A new key: `tally_` + 32 random bytes (base64url). Only its hash is stored. */
export const newApiKey = () => `tally_${randomBytes(32).toString("base64url")}`

const BEARER = /^Bearer\s+(\S+)\s*$/i

// one wrapper per header value: a request reads its token more than once (rate limit, operation), and every
// Redacted.make registers its value in a WeakMap, which is not free at thousands of requests per second
const redactedToken = memo((authorization: string) => {
  const token = BEARER.exec(authorization)?.[1]
  return token === undefined ? Option.none<Redacted.Redacted>() : Option.some(Redacted.make(token))
}, 1_024)

/** The token of an `authorization: Bearer …` header. */
export const bearerToken = (authorization: string | undefined): Option.Option<Redacted.Redacted> =>
  authorization === undefined ? Option.none() : redactedToken(authorization)

/** The admin key: configured, or generated once and kept in `<dataDir>/admin-api-key` (mode 0600). */
export const resolveAdminKey = Effect.gen(function* () {
  const config = yield* ServerConfig
  if (config.adminApiKey !== undefined) return config.adminApiKey
  const file = path.resolve(config.dataDir, "admin-api-key")
  if (fs.existsSync(file)) return Redacted.make(fs.readFileSync(file, "utf8").trim())
  const key = `tally_admin_${randomBytes(24).toString("base64url")}`
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 })
  yield* Effect.logWarning(`TALLY_ADMIN_API_KEY is not set: generated an admin key into ${file}`)
  return Redacted.make(key)
})

/** Turns a presented bearer token into a principal (none: missing, unknown or revoked). */
export class Authenticator extends Context.Service<
  Authenticator,
  {
    readonly authenticate: (token: Redacted.Redacted) => Effect.Effect<Option.Option<Principal>>
    /** Forget cached lookups (after a revocation on this instance). */
    readonly invalidate: Effect.Effect<void>
  }
>()("tally/server/Authenticator") {
  static readonly layer = Layer.effect(
    Authenticator,
    Effect.gen(function* () {
      const adminDigest = sha256(Redacted.value(yield* resolveAdminKey))
      const store = yield* ApiKeyStore
      const ttlSeconds = yield* Config.Int("TALLY_API_KEY_CACHE_SECONDS").pipe(Config.withDefault(5))
      const cache = yield* Cache.make({
        capacity: 10_000,
        timeToLive: `${ttlSeconds} seconds`,
        lookup: (hash: string) =>
          Effect.map(
            store.findByHash(hash),
            Option.map((k): Principal => ({ kind: "owner", ownerId: k.ownerId, keyId: k.id }))
          )
      })
      const digestOf = memo(sha256, 1_024)
      const authenticate = (token: Redacted.Redacted) =>
        Effect.suspend(() => {
          const digest = digestOf(Redacted.value(token))
          if (timingSafeEqual(digest, adminDigest)) return Effect.succeedSome<Principal>({ kind: "admin" })
          return Cache.get(cache, digest.toString("hex")).pipe(
            Effect.catchTag("StoreUnavailable", () => Effect.succeedNone)
          )
        })
      return Authenticator.of({ authenticate, invalidate: Cache.invalidateAll(cache) })
    })
  )
}
