import { Context, type Effect, Schema } from "effect"

export interface MailMessage {
  readonly to: string
  readonly subject: string
  readonly text: string
  /** Sent as a header (X-Tally-Event-Id) so a receiver can drop the duplicates of at-least-once delivery. */
  readonly eventId: string
}

export class MailFailed extends Schema.TaggedError<MailFailed>()("MailFailed", { message: Schema.String }) {}

/** Sends one mail; fails (to be retried by the dispatcher) on any error or timeout. */
export class Mailer extends Context.Service<
  Mailer,
  { readonly send: (message: MailMessage) => Effect.Effect<void, MailFailed> }
>()("tally/domain/Mailer") {}
