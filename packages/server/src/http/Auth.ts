// Bearer API keys. The admin key comes from TALLY_ADMIN_API_KEY (or is generated once into the data
// directory for a local run); owners' keys are stored hashed (issue: API keys).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Layer, Redacted } from "effect"
import { Unauthorized } from "../api/Problems.ts"
import { ApiKeyAuth, CurrentPrincipal } from "../api/Security.ts"
import { ServerConfig } from "../Config.ts"

export const sha256 = (value: string) => createHash("sha256").update(value).digest()

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

export const ApiKeyAuthLive = Layer.effect(
  ApiKeyAuth,
  Effect.gen(function* () {
    const adminDigest = sha256(Redacted.value(yield* resolveAdminKey))
    return ApiKeyAuth.of({
      bearer: (httpEffect, { credential }) => {
        const presented = sha256(Redacted.value(credential))
        if (timingSafeEqual(presented, adminDigest)) {
          return Effect.provideService(httpEffect, CurrentPrincipal, { kind: "admin" })
        }
        return Effect.fail(new Unauthorized({ code: "unauthorized", detail: "unknown or revoked API key" }))
      }
    })
  })
)
