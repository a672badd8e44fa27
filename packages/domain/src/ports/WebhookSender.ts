import { Context, type Effect, Schema } from "effect"

export interface WebhookDelivery {
  readonly url: string
  readonly secret: string
  readonly eventId: string
  readonly eventName: string
  readonly jobId: string
  /** The attempt number (1, 2, …): with the job id it names one attempt; a retry carries the same event id. */
  readonly attempt: number
  /** The JSON body, exactly as signed and sent. */
  readonly body: string
}

export class WebhookFailed extends Schema.TaggedError<WebhookFailed>()("WebhookFailed", { message: Schema.String }) {}

/** POSTs one signed delivery; a non-2xx answer, a refused address or a timeout is a failure (retried). */
export class WebhookSender extends Context.Service<
  WebhookSender,
  { readonly send: (delivery: WebhookDelivery) => Effect.Effect<void, WebhookFailed> }
>()("tally/domain/WebhookSender") {}
