// SSRF at registration: a webhook URL whose host is, or resolves to, a loopback, private, link-local or reserved
// address is refused (422 webhook_url_private) unless TALLY_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true. Every delivery
// checks again, on the address it connects to (adapters/webhook/AddressGuard.ts): DNS can change meanwhile.
import * as dns from "node:dns/promises"
import { isIP } from "node:net"
import { isPrivateAddress } from "@tally/adapters/webhook/AddressGuard"
import { Config, Effect } from "effect"
import { Refused } from "./Errors.ts"

export const allowPrivateNetworks = Config.Boolean("TALLY_WEBHOOK_ALLOW_PRIVATE_NETWORKS").pipe(
  Config.withDefault(false)
)

const privateTarget = (host: string, address: string) =>
  new Refused({
    code: "webhook_url_private",
    detail: `${host} is a loopback or private address (${address}); TALLY_WEBHOOK_ALLOW_PRIVATE_NETWORKS allows it`
  })

/** Passes when the URL's host is public (or private networks are allowed). */
export const checkTarget = Effect.fn("checkTarget")(function* (url: string) {
  // a malformed value already fails the start-up (the webhook sender reads it too)
  if (yield* Effect.orDie(allowPrivateNetworks)) return
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1")
  if (isIP(host) !== 0) {
    if (isPrivateAddress(host)) return yield* privateTarget(host, host)
    return
  }
  const addresses = yield* Effect.tryPromise({
    try: () => dns.lookup(host, { all: true, verbatim: true }),
    catch: () => new Refused({ code: "webhook_url_unresolvable", detail: `${host} does not resolve` })
  }).pipe(
    Effect.timeoutOrElse({
      duration: "5 seconds",
      orElse: () => Effect.fail(new Refused({ code: "webhook_url_unresolvable", detail: `${host}: DNS timed out` }))
    })
  )
  const refused = addresses.find((a) => isPrivateAddress(a.address))
  if (addresses.length === 0)
    return yield* new Refused({ code: "webhook_url_unresolvable", detail: `${host} has no address` })
  if (refused !== undefined) return yield* privateTarget(host, refused.address)
})
