// SHA-256, the one hash of the server: API keys at rest, idempotency request bodies, rate-limit buckets and
// derived transfer ids.
import { createHash } from "node:crypto"

export const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest()

export const sha256Hex = (text: string): string => sha256(text).toString("hex")

export const sha256Base64url = (text: string): string => sha256(text).toString("base64url")

/**
 * `f` remembered for the last distinct inputs (at most `capacity`; all forgotten when full). For values every
 * request recomputes from the same header (the bearer token's digest for authentication and for the rate-limit
 * bucket): one SHA-256 per key and instance instead of two per request.
 */
export const memo = <A>(f: (text: string) => A, capacity: number) => {
  const remembered = new Map<string, A>()
  return (text: string): A => {
    const known = remembered.get(text)
    if (known !== undefined) return known
    if (remembered.size >= capacity) remembered.clear()
    const value = f(text)
    remembered.set(text, value)
    return value
  }
}
