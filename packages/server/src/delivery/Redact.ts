// Secrets in event data (the confirmation token of user.signed_up) are for the mail that carries them only:
// webhook bodies and the admin's job view get "[redacted]" in their place.
const SECRET = /token|password|secret/i

export const redacted = "[redacted]"

/** Any field whose name says it holds a secret is replaced, at any depth (`tokenExpiresAt` is not a secret). */
export const redact = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redact)
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET.test(k) && !k.endsWith("ExpiresAt") ? redacted : redact(v)])
    )
  }
  return value
}
