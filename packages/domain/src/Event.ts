// Domain events: what happened, appended to the job store in the transaction of the change that caused it.
import type { DateTime } from "effect"

export const eventNames = [
  "transfer.posted",
  "transfer.failed",
  "hold.created",
  "hold.posted",
  "hold.voided",
  "hold.expired",
  "batch.posted",
  "account.created",
  "user.signed_up",
  "user.confirmed",
  "reservation.held",
  "reservation.confirmed",
  "reservation.cancelled",
  "reservation.expired",
  "reservation.refunded"
] as const
export type EventName = (typeof eventNames)[number]

export const isEventName = (name: string): name is EventName => (eventNames as ReadonlyArray<string>).includes(name)

/** JSON-safe values only (amounts are strings of digits): events are stored as jsonb and sent as JSON. */
export type EventData = Readonly<Record<string, unknown>>

/** An event about to be appended; the store gives it its id and ingestion time. */
export interface NewEvent {
  readonly name: EventName
  /** Which part of Tally emitted it: `tally/ledger`, `tally/users`. */
  readonly source: string
  /** Who caused it (owner id or null for the admin/system), for filtering and audit. */
  readonly context: EventData
  readonly data: EventData
  /** When the change was decided (the domain's `now`). */
  readonly sentAt: DateTime.Utc
}

export interface StoredEvent extends NewEvent {
  readonly id: string
  readonly receivedAt: DateTime.Utc
  readonly ingestedAt: DateTime.Utc
}
