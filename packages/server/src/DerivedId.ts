import { createHash } from "node:crypto"
import type { Principal } from "./api/Security.ts"

/**
 * The transfer id of a request that carries an idempotency key but no transfer id: derived from (API key,
 * idempotency key, item index), so a re-run after a crash between commit and storing the response hits the
 * stored transfer instead of applying it again (docs/adr/0005-idempotency.md). Same over HTTP and RPC.
 */
export const derivedId = (principal: Principal, key: string, index: number) => {
  const h = createHash("sha256")
    .update(`${principal.kind === "admin" ? "admin" : principal.keyId}|${key}|${index}`)
    .digest("hex")
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}
