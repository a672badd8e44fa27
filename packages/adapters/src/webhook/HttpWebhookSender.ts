// Webhook deliveries: HTTP POST of the event as JSON, signed with HMAC-SHA256 over `timestamp + "." + body`
// (docs/reference/webhooks.md). 2xx is success; anything else, a refused address or a timeout is a failure.
import { createHmac } from "node:crypto"
import * as http from "node:http"
import * as https from "node:https"
import { isIP } from "node:net"
import { WebhookFailed, WebhookSender } from "@tally/domain/ports/WebhookSender"
import { Clock, Config, Effect, Layer } from "effect"
import { guardedLookup, isPrivateAddress } from "./AddressGuard.ts"

export const signatureOf = (secret: string, timestampSeconds: number, body: string) =>
  createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex")

export interface WebhookSettings {
  readonly timeoutMs: number
  readonly allowPrivateNetworks: boolean
}

export const WebhookConfig = Config.all({
  timeoutMs: Config.Int("TALLY_WEBHOOK_TIMEOUT_MS").pipe(Config.withDefault(10_000)),
  allowPrivateNetworks: Config.Boolean("TALLY_WEBHOOK_ALLOW_PRIVATE_NETWORKS").pipe(Config.withDefault(false))
})

export const make = (settings: WebhookSettings) => {
  const lookup = guardedLookup(settings.allowPrivateNetworks)
  return WebhookSender.of({
    send: (delivery) =>
      Effect.gen(function* () {
        const timestamp = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const signature = signatureOf(delivery.secret, timestamp, delivery.body)
        const url = new URL(delivery.url)
        // an IP literal is connected to without a lookup: check it here
        const literal = url.hostname.replace(/^\[(.*)\]$/, "$1")
        if (!settings.allowPrivateNetworks && isIP(literal) !== 0 && isPrivateAddress(literal)) {
          return yield* new WebhookFailed({ message: `${literal} is a private or loopback address` })
        }
        const status = yield* Effect.callback<number, WebhookFailed>((resume, signal) => {
          const request = (url.protocol === "https:" ? https : http).request(url, {
            method: "POST",
            lookup: lookup as never,
            timeout: settings.timeoutMs,
            signal,
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(delivery.body),
              "user-agent": "tally-webhooks/1",
              "tally-event-id": delivery.eventId,
              "tally-event-name": delivery.eventName,
              "tally-job-id": delivery.jobId,
              "tally-attempt": String(delivery.attempt),
              "tally-signature": `t=${timestamp},v1=${signature}`
            }
          })
          request.on("response", (response) => {
            response.resume()
            response.on("end", () => resume(Effect.succeed(response.statusCode ?? 0)))
            response.on("error", (error) => resume(Effect.fail(new WebhookFailed({ message: error.message }))))
          })
          request.on("timeout", () => request.destroy(new Error(`timed out after ${settings.timeoutMs} ms`)))
          request.on("error", (error) => resume(Effect.fail(new WebhookFailed({ message: error.message }))))
          request.end(delivery.body)
        }).pipe(
          Effect.timeoutOrElse({
            duration: settings.timeoutMs + 1000,
            orElse: () => Effect.fail(new WebhookFailed({ message: `timed out after ${settings.timeoutMs} ms` }))
          })
        )
        if (status < 200 || status > 299) return yield* new WebhookFailed({ message: `answered HTTP ${status}` })
      })
  })
}

export const layer = Layer.effect(WebhookSender, Effect.map(WebhookConfig, make))
