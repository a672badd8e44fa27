import { Context, type Effect } from "effect"
import type { OwnerId } from "../Account.ts"
import type { Subscription } from "../Subscription.ts"
import type { Webhook } from "../Webhook.ts"
import type { StoreUnavailable } from "./StoreError.ts"

export class WebhookStore extends Context.Service<
  WebhookStore,
  {
    /** Stores the endpoint with its secret and its subscriptions, atomically. */
    readonly create: (
      webhook: Webhook,
      secret: string,
      subscriptions: ReadonlyArray<Subscription>
    ) => Effect.Effect<Webhook, StoreUnavailable>
    /** Endpoints `ownerId` created (null = all, for the admin). */
    readonly list: (ownerId: OwnerId | null) => Effect.Effect<ReadonlyArray<Webhook>, StoreUnavailable>
  }
>()("tally/domain/WebhookStore") {}
