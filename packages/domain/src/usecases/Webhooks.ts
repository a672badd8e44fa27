import { DateTime, Effect, Result } from "effect"
import type { OwnerId } from "../Account.ts"
import { Ids } from "../ports/Ids.ts"
import { WebhookStore } from "../ports/WebhookStore.ts"
import { subscriptionsOf, validateWebhook, type Webhook, type WebhookInput } from "../Webhook.ts"

/** Registers an endpoint: every later event it subscribed to becomes one `webhook` job for it. */
export const create = Effect.fn("Webhooks.create")(function* (input: WebhookInput, ownerId: OwnerId | null) {
  const valid = yield* Result.match(validateWebhook(input), { onFailure: Effect.fail, onSuccess: Effect.succeed })
  const ids = yield* Ids
  const webhook: Webhook = { id: yield* ids.next, ownerId, ...valid, createdAt: yield* DateTime.now }
  const subscriptionIds = yield* Effect.forEach(valid.events, () => ids.next)
  return yield* (yield* WebhookStore).create(webhook, input.secret, subscriptionsOf(webhook, subscriptionIds))
})

export const list = Effect.fn("Webhooks.list")(function* (ownerId: OwnerId | null) {
  return yield* (yield* WebhookStore).list(ownerId)
})
