// Webhook endpoints: a URL, a signing secret and the events (names or `*`) it wants.
import { type DateTime, Result, Schema } from "effect"
import type { OwnerId } from "./Account.ts"
import { type EventName, isEventName } from "./Event.ts"
import type { Subscription } from "./Subscription.ts"

export interface Webhook {
  readonly id: string
  readonly ownerId: OwnerId | null
  readonly url: string
  readonly events: ReadonlyArray<EventName | "*">
  readonly createdAt: DateTime.Utc
}

export const secretLengthMin = 16
export const secretLengthMax = 200
export const eventsMax = 50

export class InvalidWebhook extends Schema.TaggedError<InvalidWebhook>()("InvalidWebhook", {
  field: Schema.Literals(["url", "secret", "events"]),
  reason: Schema.String
}) {}

export interface WebhookInput {
  readonly url: string
  readonly secret: string
  readonly events: ReadonlyArray<string>
}

/** Checks the shape only; whether the URL's host resolves to a public address is checked at every delivery. */
export const validateWebhook = (
  input: WebhookInput
): Result.Result<{ readonly url: string; readonly events: ReadonlyArray<EventName | "*"> }, InvalidWebhook> => {
  let url: URL
  try {
    url = new URL(input.url)
  } catch {
    return Result.fail(new InvalidWebhook({ field: "url", reason: "not a URL" }))
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Result.fail(new InvalidWebhook({ field: "url", reason: "http or https only" }))
  }
  if (url.username !== "" || url.password !== "" || input.url.length > 2000) {
    return Result.fail(
      new InvalidWebhook({ field: "url", reason: "no credentials in the URL, at most 2000 characters" })
    )
  }
  if (input.secret.length < secretLengthMin || input.secret.length > secretLengthMax) {
    return Result.fail(
      new InvalidWebhook({ field: "secret", reason: `${secretLengthMin} to ${secretLengthMax} characters` })
    )
  }
  const events = [...new Set(input.events)]
  if (events.length === 0 || events.length > eventsMax) {
    return Result.fail(new InvalidWebhook({ field: "events", reason: `1 to ${eventsMax} event names or "*"` }))
  }
  const unknown = events.find((e) => e !== "*" && !isEventName(e))
  if (unknown !== undefined)
    return Result.fail(new InvalidWebhook({ field: "events", reason: `unknown event ${unknown}` }))
  return Result.succeed({ url: url.toString(), events: events as ReadonlyArray<EventName | "*"> })
}

/** One subscription per event name (or `*`) of the endpoint. */
export const subscriptionsOf = (webhook: Webhook, ids: ReadonlyArray<string>): ReadonlyArray<Subscription> =>
  webhook.events.map((eventName, i) => ({ id: ids[i]!, destination: "webhook", webhookId: webhook.id, eventName }))
