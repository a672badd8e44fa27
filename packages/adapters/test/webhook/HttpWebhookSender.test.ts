// Webhook deliveries to a real local receiver that checks the signature; the SSRF guard refuses loopback and
// private addresses unless private networks are allowed.
import { createHmac, timingSafeEqual } from "node:crypto"
import * as http from "node:http"
import type * as net from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { isPrivateAddress } from "../../src/webhook/AddressGuard.ts"
import { make } from "../../src/webhook/HttpWebhookSender.ts"

const secret = "whsec_0123456789abcdef"

/** What a receiver does (docs/reference/webhooks.md): recompute the HMAC over `t + "." + body` and compare. */
const verify = (header: string, body: string) => {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]))
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest()
  const given = Buffer.from(parts.v1 ?? "", "hex")
  return given.length === expected.length && timingSafeEqual(given, expected)
}

const receiver = (status: () => number) =>
  Effect.promise(
    () =>
      new Promise<{
        server: http.Server
        url: string
        seen: Array<{ valid: boolean; headers: http.IncomingHttpHeaders; body: string }>
      }>((resolve) => {
        const seen: Array<{ valid: boolean; headers: http.IncomingHttpHeaders; body: string }> = []
        const server = http.createServer((req, res) => {
          let body = ""
          req.on("data", (c: Buffer) => {
            body += c.toString()
          })
          req.on("end", () => {
            seen.push({ valid: verify(String(req.headers["tally-signature"]), body), headers: req.headers, body })
            res.statusCode = status()
            res.end()
          })
        })
        server.listen(0, "127.0.0.1", () =>
          resolve({ server, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`, seen })
        )
      })
  )

const delivery = (url: string) => ({
  url,
  secret,
  eventId: crypto.randomUUID(),
  eventName: "transfer.posted",
  jobId: crypto.randomUUID(),
  attempt: 1,
  body: JSON.stringify({ id: "e", name: "transfer.posted", data: { amount: "1050" } })
})

describe("webhook sender", () => {
  it.live("signs with HMAC-SHA256 over timestamp.body; 2xx succeeds, anything else fails", () =>
    Effect.gen(function* () {
      let status = 204
      const { server, url, seen } = yield* receiver(() => status)
      const sender = make({ timeoutMs: 2000, allowPrivateNetworks: true })
      const d = delivery(url)
      yield* sender.send(d)
      assert.strictEqual(seen.length, 1)
      assert.isTrue(seen[0]!.valid, "the receiver verifies the signature")
      assert.strictEqual(seen[0]!.headers["tally-event-id"], d.eventId)
      assert.strictEqual(seen[0]!.body, d.body)
      assert.match(String(seen[0]!.headers["tally-signature"]), /^t=\d+,v1=[0-9a-f]{64}$/)
      status = 500
      const failed = yield* Effect.flip(sender.send(d))
      assert.strictEqual(failed.message, "answered HTTP 500")
      // a tampered body does not verify
      assert.isFalse(verify(String(seen[0]!.headers["tally-signature"]), `${d.body} `))
      server.close()
    })
  )

  it.live("refuses loopback targets unless private networks are allowed; times out on a silent receiver", () =>
    Effect.gen(function* () {
      const { server, url } = yield* receiver(() => 200)
      const refused = yield* Effect.flip(make({ timeoutMs: 2000, allowPrivateNetworks: false }).send(delivery(url)))
      assert.match(refused.message, /private or loopback/)
      const byName = yield* Effect.flip(
        make({ timeoutMs: 2000, allowPrivateNetworks: false }).send(delivery(url.replace("127.0.0.1", "localhost")))
      )
      assert.match(byName.message, /private or loopback/)
      server.close()
      const silent = http.createServer(() => {})
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((r) => silent.listen(0, "127.0.0.1", () => r((silent.address() as net.AddressInfo).port)))
      )
      const slow = yield* Effect.flip(
        make({ timeoutMs: 300, allowPrivateNetworks: true }).send(delivery(`http://127.0.0.1:${port}/`))
      )
      assert.match(slow.message, /timed out/)
      silent.closeAllConnections()
      silent.close()
    })
  )

  it("classifies addresses", () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "100.64.0.1",
      "not-an-ip"
    ]) {
      assert.isTrue(isPrivateAddress(a), a)
    }
    for (const a of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1"]) {
      assert.isFalse(isPrivateAddress(a), a)
    }
  })
})
