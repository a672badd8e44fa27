import type { OwnerId } from "@tally/domain/Account"
import { WebhookStore } from "@tally/domain/ports/WebhookStore"
import type { Subscription } from "@tally/domain/Subscription"
import type { Webhook } from "@tally/domain/Webhook"
import { Effect, Layer } from "effect"
import { MemoryOutbox } from "./MemoryOutbox.ts"

export const layer = Layer.effect(
  WebhookStore,
  Effect.gen(function* () {
    const outbox = yield* MemoryOutbox
    const s = () => outbox.state()
    return WebhookStore.of({
      create: (webhook: Webhook, secret: string, subscriptions: ReadonlyArray<Subscription>) =>
        Effect.sync(() => {
          s().webhooks.set(webhook.id, { ...webhook, secret })
          for (const x of subscriptions) s().subscriptions.set(x.id, x)
          return webhook
        }),
      list: (ownerId: OwnerId | null) =>
        Effect.sync(() =>
          [...s().webhooks.values()]
            .filter((w) => ownerId === null || w.ownerId === ownerId)
            .map(({ secret: _, ...w }) => w)
        )
    })
  })
)
