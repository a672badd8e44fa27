// Password hashing with node:crypto scrypt, and random tokens stored by their SHA-256. A hash string carries its
// parameters (`scrypt$N$r$p$salt$hash`), so they can be raised later without breaking stored hashes.
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { PasswordHasher } from "@tally/domain/ports/PasswordHasher"
import { SecretTokens } from "@tally/domain/ports/SecretTokens"
import { Config, Effect, Layer, Redacted } from "effect"

const KEY_BYTES = 64
const SALT_BYTES = 16

const derive = (password: string, salt: Buffer, n: number, r: number, p: number) =>
  Effect.callback<Buffer>((resume) => {
    scrypt(password, salt, KEY_BYTES, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (error, key) =>
      resume(error === null ? Effect.succeed(key) : Effect.die(error))
    )
  })

export const scryptHasher = (cost: { readonly n: number; readonly r: number; readonly p: number }) =>
  PasswordHasher.of({
    hash: (password) =>
      Effect.gen(function* () {
        const salt = randomBytes(SALT_BYTES)
        const key = yield* derive(Redacted.value(password), salt, cost.n, cost.r, cost.p)
        return `scrypt$${cost.n}$${cost.r}$${cost.p}$${salt.toString("base64url")}$${key.toString("base64url")}`
      }),
    verify: (password, hash) =>
      Effect.gen(function* () {
        const [kind, n, r, p, salt, key] = hash.split("$")
        const expected = Buffer.from(key ?? "", "base64url")
        const params = [Number(n), Number(r), Number(p)] as const
        const valid = kind === "scrypt" && params.every((x) => Number.isInteger(x) && x > 0) && expected.length > 0
        // an unparseable hash still costs one derivation: failing fast would tell it apart
        const actual = yield* derive(
          Redacted.value(password),
          Buffer.from(salt ?? "", "base64url"),
          valid ? params[0] : cost.n,
          valid ? params[1] : cost.r,
          valid ? params[2] : cost.p
        )
        return valid && actual.length === expected.length && timingSafeEqual(actual, expected)
      })
  })

/** TALLY_PASSWORD_SCRYPT_COST (N, default 16384; r = 8, p = 1). */
export const PasswordHasherLive = Layer.effect(
  PasswordHasher,
  Effect.map(Config.Int("TALLY_PASSWORD_SCRYPT_COST").pipe(Config.withDefault(16384)), (n) =>
    scryptHasher({ n, r: 8, p: 1 })
  )
)

export const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex")

export const SecretTokensLive = Layer.succeed(
  SecretTokens,
  SecretTokens.of({
    generate: (prefix) =>
      Effect.sync(() => {
        const token = `${prefix}${randomBytes(32).toString("base64url")}`
        return { token: Redacted.make(token), hash: sha256Hex(token) }
      }),
    hashOf: (token) => sha256Hex(Redacted.value(token))
  })
)

export const layer = Layer.mergeAll(PasswordHasherLive, SecretTokensLive)
