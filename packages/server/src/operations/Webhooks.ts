// Webhook endpoints: a URL, a signing secret and the events (names or `*`) it receives, signed deliveries
// (docs/reference/webhooks.md).
import { eventNames } from "@tally/domain/Event"
import * as Webhooks from "@tally/domain/usecases/Webhooks"
import { validateWebhook, type Webhook } from "@tally/domain/Webhook"
import { Effect, Result, Schema } from "effect"
import { viewerOf } from "../Auth.ts"
import { invalidWebhook } from "./Errors.ts"
import { operation } from "./Operation.ts"
import { iso } from "./Schemas.ts"
import { translate } from "./Translate.ts"
import { checkTarget } from "./WebhookTarget.ts"

export const groups = {
  webhooks: {
    title: "Webhooks",
    description:
      "Endpoints that receive events as HTTP POSTs signed with HMAC-SHA256 (docs/reference/webhooks.md); " +
      "loopback and private addresses are refused"
  }
}

export const WebhookJson = Schema.Struct({
  id: Schema.String,
  ownerId: Schema.NullOr(Schema.String),
  url: Schema.String,
  events: Schema.Array(Schema.String),
  createdAt: Schema.String
}).annotate({ identifier: "Webhook" })

const webhookJson = (w: Webhook): typeof WebhookJson.Type => ({
  id: w.id,
  ownerId: w.ownerId,
  url: w.url,
  events: w.events,
  createdAt: iso(w.createdAt)
})

export const CreateWebhook = Schema.Struct({
  url: Schema.String.check(Schema.isMaxLength(4000)).annotate({ description: "http or https, a public host" }),
  secret: Schema.String.check(Schema.isMaxLength(1000)).annotate({
    description: "16 to 200 characters: the HMAC-SHA256 key of the signatures; never returned"
  }),
  events: Schema.Array(Schema.String.check(Schema.isMaxLength(100))).annotate({
    description: `Event names (${eventNames.join(", ")}) or "*" for all`
  })
}).annotate({ identifier: "CreateWebhook" })

export const create = operation({
  name: "webhooks.create",
  description:
    "Register an endpoint for events (names or *): every later matching event is delivered to it (admin key)",
  payload: CreateWebhook,
  success: WebhookJson,
  errors: [invalidWebhook],
  // every endpoint receives the events of every owner (fan-out is not per owner): the admin's (docs/adr/0014)
  access: "admin",
  idempotent: false,
  http: { method: "POST", path: "/v1/webhooks", status: 201 },
  handle: (payload, { principal }) =>
    Effect.gen(function* () {
      // the shape first (its own codes), then where the URL points
      const valid = yield* Result.match(validateWebhook(payload), {
        onFailure: (error) => translate(error),
        onSuccess: Effect.succeed
      })
      yield* checkTarget(valid.url)
      return webhookJson(yield* Webhooks.create(payload, viewerOf(principal)))
    })
})

export const list = operation({
  name: "webhooks.list",
  description: "The registered endpoints (admin key)",
  payload: Schema.Struct({}),
  success: Schema.Struct({ items: Schema.Array(WebhookJson) }),
  errors: [],
  access: "admin",
  idempotent: false,
  http: { method: "GET", path: "/v1/webhooks" },
  handle: (_, { principal }) =>
    Effect.map(Webhooks.list(viewerOf(principal)), (items) => ({ items: items.map(webhookJson) }))
})

export const operations = [create, list] as const
