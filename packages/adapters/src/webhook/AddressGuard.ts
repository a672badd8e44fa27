// SSRF guard: webhook targets must resolve to public addresses only. Every address a name resolves to is
// checked, and the connection uses the checked address (no second lookup a DNS rebinding could answer).
import * as dns from "node:dns"
import { BlockList, isIP } from "node:net"

const blocked = new BlockList()
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4]
] as const) {
  blocked.addSubnet(net, prefix, "ipv4")
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  ["64:ff9b::", 96]
] as const) {
  blocked.addSubnet(net, prefix, "ipv6")
}

/** Whether an address is loopback, private, link-local, multicast, reserved or documentation space. */
export const isPrivateAddress = (address: string): boolean => {
  const family = isIP(address)
  if (family === 4) return blocked.check(address, "ipv4")
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
    if (mapped !== null) return blocked.check(mapped[1]!, "ipv4")
    return blocked.check(address, "ipv6")
  }
  return true
}

export class AddressRefused extends Error {}

/**
 * A `lookup` for node:http that resolves every address of the host and refuses the connection when any is
 * private (unless allowed), then connects to the first one.
 */
export const guardedLookup =
  (allowPrivate: boolean) =>
  (
    hostname: string,
    options: dns.LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void
  ) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error !== null) return callback(error, "")
      if (addresses.length === 0) return callback(new AddressRefused(`${hostname} has no address`), "")
      const refused = addresses.find((a) => isPrivateAddress(a.address))
      if (!allowPrivate && refused !== undefined) {
        return callback(
          new AddressRefused(`${hostname} resolves to a private or loopback address (${refused.address})`),
          ""
        )
      }
      const first = addresses[0]!
      return options.all === true ? callback(null, addresses) : callback(null, first.address, first.family)
    })
  }
