// Bearer API keys. The admin key comes from TALLY_ADMIN_API_KEY (or is generated once into the data
// directory for a local run). Owners' keys are stored as SHA-256 hashes; lookups are cached for
// TALLY_API_KEY_CACHE_SECONDS, which bounds how long a revoked key keeps working on this instance.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { ApiKeyStore } from "@tally/domain/ports/ApiKeyStore"
import { Cache, Config, Context, Effect, Layer, Option, Redacted } from "effect"
import { Unauthorized } from "../api/Problems.ts"
import { ApiKeyAuth, CurrentPrincipal, type Principal } from "../api/Security.ts"
import { ServerConfig } from "../Config.ts"

export const sha256 = (value: string) => createHash("sha256").update(value).digest()
export const keyHash = (key: string) => sha256(key).toString("hex")

/** A new key: `tally_` + 32 random bytes (base64url). Only its hash is stored. */
export const newApiKey = () => `tally_${randomBytes(32).toString("base64url")}`

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

const unauthorized = new Unauthorized({ code: "unauthorized", detail: "missing, unknown or revoked API key" })

/** Turns a presented bearer token into a principal; shared by HTTP and RPC. */
export class Authenticator extends Context.Service<
  Authenticator,
  {
    readonly authenticate: (token: Redacted.Redacted) => Effect.Effect<Principal, Unauthorized>
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
      const authenticate = (token: Redacted.Redacted) =>
        Effect.gen(function* () {
          const presented = Redacted.value(token)
          const digest = sha256(presented)
          if (timingSafeEqual(digest, adminDigest)) return { kind: "admin" } as Principal
          const found = yield* Cache.get(cache, digest.toString("hex")).pipe(
            Effect.catchTag("StoreUnavailable", () => Effect.succeed(Option.none<Principal>()))
          )
          if (Option.isNone(found)) return yield* unauthorized
          return found.value
        })
      return Authenticator.of({ authenticate, invalidate: Cache.invalidateAll(cache) })
    })
  )
}

export const ApiKeyAuthLive = Layer.effect(
  ApiKeyAuth,
  Effect.gen(function* () {
    const auth = yield* Authenticator
    return ApiKeyAuth.of({
      bearer: (httpEffect, { credential }) =>
        Effect.flatMap(auth.authenticate(credential), (principal) =>
          Effect.provideService(httpEffect, CurrentPrincipal, principal)
        )
    })
  })
)
