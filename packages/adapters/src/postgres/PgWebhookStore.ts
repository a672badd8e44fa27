import { PgClient } from "@effect/sql-pg"
import type { OwnerId } from "@tally/domain/Account"
import type { EventName } from "@tally/domain/Event"
import { WebhookStore } from "@tally/domain/ports/WebhookStore"
import type { Subscription } from "@tally/domain/Subscription"
import type { Webhook } from "@tally/domain/Webhook"
import { DateTime, Effect, Layer } from "effect"
import { unavailable } from "./PgLedgerStore.ts"

interface Row {
  readonly id: string
  readonly owner_id: string | null
  readonly url: string
  readonly events: ReadonlyArray<string>
  readonly created_at: Date
}

const toWebhook = (r: Row): Webhook => ({
  id: r.id,
  ownerId: r.owner_id as OwnerId | null,
  url: r.url,
  events: r.events as ReadonlyArray<EventName | "*">,
  createdAt: DateTime.fromDateUnsafe(r.created_at)
})

export const layer = Layer.effect(
  WebhookStore,
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const create = (webhook: Webhook, secret: string, subscriptions: ReadonlyArray<Subscription>) =>
      sql<Row>`WITH w AS (
          INSERT INTO webhooks (id, owner_id, url, secret, events, created_at)
          VALUES (${webhook.id}, ${webhook.ownerId}, ${webhook.url}, ${secret}, ${[...webhook.events]}::text[],
            ${DateTime.formatIso(webhook.createdAt)}::timestamptz)
          RETURNING id, owner_id, url, events, created_at
        ), s AS (
          INSERT INTO subscriptions (id, destination, webhook_id, event_name)
          SELECT v.id, 'webhook', ${webhook.id}::uuid, v.event_name
          FROM unnest(${subscriptions.map((s) => s.id)}::uuid[], ${subscriptions.map((s) => s.eventName)}::text[])
            AS v(id, event_name)
        )
        SELECT * FROM w`.pipe(
        Effect.map((rows) => toWebhook(rows[0]!)),
        Effect.mapError(unavailable)
      )
    const list = (ownerId: OwnerId | null) =>
      sql<Row>`SELECT id, owner_id, url, events, created_at FROM webhooks
        WHERE ${ownerId === null ? sql`true` : sql`owner_id = ${ownerId}`} ORDER BY created_at, id`.pipe(
        Effect.map((rows) => rows.map(toWebhook)),
        Effect.mapError(unavailable)
      )
    return WebhookStore.of({ create, list })
  })
)
