// What each destination does with a claimed job. Every delivery carries the event id (mail header and
// Message-ID, webhook header and body) so receivers can drop the duplicates of at-least-once delivery.
import type { OwnerId } from "@tally/domain/Account"
import type { StoredEvent } from "@tally/domain/Event"
import type { ClaimedJob } from "@tally/domain/ports/JobStore"
import { Mailer, type MailMessage } from "@tally/domain/ports/Mailer"
import { UserStore } from "@tally/domain/ports/UserStore"
import { WebhookSender } from "@tally/domain/ports/WebhookSender"
import type { User } from "@tally/domain/User"
import { DateTime, Effect, Option, Schema } from "effect"
import { redact } from "./Redact.ts"

export class DeliveryFailed extends Schema.TaggedError<DeliveryFailed>()("DeliveryFailed", {
  message: Schema.String
}) {}

/** The webhook body: the event as JSON, its secrets redacted (Redact.ts). */
export const eventBody = (event: StoredEvent) =>
  JSON.stringify({
    id: event.id,
    name: event.name,
    source: event.source,
    sentAt: DateTime.formatIso(event.sentAt),
    context: redact(event.context),
    data: redact(event.data)
  })

/** The payment confirmation: to the payer's user (the holder), with the tickets' verification codes. */
export const paymentMailFor = (event: StoredEvent, user: User): MailMessage => {
  const data = event.data as {
    reservationId: string
    eventId: string
    quantity: number
    amount: string
    tickets: ReadonlyArray<{ id: string; seat: number; verificationCode: string }>
  }
  return {
    to: user.email,
    subject: "Your Tally tickets",
    eventId: event.id,
    text: [
      `Hello ${user.name},`,
      "",
      `your payment for ${data.quantity} seat(s) of event ${data.eventId} is confirmed`,
      `(reservation ${data.reservationId}, ${data.amount} minor units of your account's currency).`,
      "",
      ...data.tickets.map((t) => `    seat ${t.seat}: ticket ${t.id}, verification code ${t.verificationCode}`),
      ""
    ].join("\n")
  }
}

/** The mail of a reservation.confirmed: none when the payer is not a user (nothing to send, not a failure). */
const paymentMail = (event: StoredEvent) =>
  Effect.gen(function* () {
    const users = yield* Effect.serviceOption(UserStore)
    if (Option.isNone(users)) return undefined
    const holderId = (event.data as { holderId: string }).holderId
    const user = yield* users.value
      .get(holderId as OwnerId)
      .pipe(Effect.mapError((e) => new DeliveryFailed({ message: `user store: ${e.message}` })))
    return Option.isSome(user) ? paymentMailFor(event, user.value) : undefined
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
        if (claimed.event.name === "reservation.confirmed") {
          const payment = yield* paymentMail(claimed.event)
          if (payment === undefined) return // the payer is no user: there is nobody to mail
          return yield* (yield* Mailer).send(payment)
        }
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
