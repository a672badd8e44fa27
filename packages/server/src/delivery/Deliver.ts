// What each destination does with a claimed job. Every delivery carries the event id (mail header and
// Message-ID, webhook header and body) so receivers can drop the duplicates of at-least-once delivery.
import type { StoredEvent } from "@tally/domain/Event"
import type { ClaimedJob } from "@tally/domain/ports/JobStore"
import { Mailer, type MailMessage } from "@tally/domain/ports/Mailer"
import { WebhookSender } from "@tally/domain/ports/WebhookSender"
import { DateTime, Effect, Schema } from "effect"

export class DeliveryFailed extends Schema.TaggedError<DeliveryFailed>()("DeliveryFailed", {
  message: Schema.String
}) {}

/** The webhook body: the event as JSON. */
export const eventBody = (event: StoredEvent) =>
  JSON.stringify({
    id: event.id,
    name: event.name,
    source: event.source,
    sentAt: DateTime.formatIso(event.sentAt),
    context: event.context,
    data: event.data
  })

export const mailFor = (event: StoredEvent, publicUrl: string): MailMessage | undefined => {
  if (event.name !== "user.signed_up") return undefined
  const { email, name, token, tokenExpiresAt } = event.data as Record<string, string>
  return {
    to: email!,
    subject: "Confirm your Tally account",
    eventId: event.id,
    text: [
      `Hello ${name},`,
      "",
      "confirm your Tally account in the web console:",
      "",
      `    ${publicUrl}/console/confirm?token=${encodeURIComponent(token!)}`,
      "",
      `or with this token (valid until ${tokenExpiresAt}):`,
      "",
      `    ${token}`,
      "",
      `For example: curl -X POST ${publicUrl}/v1/users/confirm -H 'content-type: application/json' \\`,
      `  -d '{"token":"${token}"}'`,
      ""
    ].join("\n")
  }
}

export const deliver = (claimed: ClaimedJob, publicUrl: string) =>
  Effect.gen(function* () {
    switch (claimed.job.destination) {
      case "mail": {
        const message = mailFor(claimed.event, publicUrl)
        if (message === undefined) {
          return yield* new DeliveryFailed({ message: `no mail for event ${claimed.event.name}` })
        }
        return yield* (yield* Mailer).send(message)
      }
      case "webhook": {
        if (claimed.webhook === null) return yield* new DeliveryFailed({ message: "webhook endpoint not found" })
        return yield* (yield* WebhookSender).send({
          url: claimed.webhook.url,
          secret: claimed.webhook.secret,
          eventId: claimed.event.id,
          eventName: claimed.event.name,
          jobId: claimed.job.id,
          attempt: claimed.head.attempt,
          body: eventBody(claimed.event)
        })
      }
    }
  })
