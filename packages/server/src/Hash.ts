// SHA-256, the one hash of the server: API keys at rest, idempotency request bodies, rate-limit buckets and
// derived transfer ids.
import { createHash } from "node:crypto"

export const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest()

export const sha256Hex = (text: string): string => sha256(text).toString("hex")

export const sha256Base64url = (text: string): string => sha256(text).toString("base64url")
