// In-memory state of the job store, users and webhooks, shared by their memory twins and by MemoryLedgerStore,
// whose transactions snapshot and restore it with the ledger: a rolled-back change leaves no event here either.
import type { NewEvent, StoredEvent } from "@tally/domain/Event"
import { acknowledge, type Transition } from "@tally/domain/JobState"
import type { Job } from "@tally/domain/ports/JobStore"
import { fanOut, type Subscription } from "@tally/domain/Subscription"
import type { ConfirmationToken, User } from "@tally/domain/User"
import type { Webhook } from "@tally/domain/Webhook"
import { Context, DateTime, Effect, Layer } from "effect"
import { uuidv7 } from "../Uuid.ts"

export interface OutboxState {
  readonly events: Map<string, StoredEvent>
  readonly subscriptions: Map<string, Subscription>
  /** In creation order. */
  readonly jobs: Map<string, Job>
  readonly transitions: Map<string, ReadonlyArray<Transition>>
  readonly webhooks: Map<string, Webhook & { readonly secret: string }>
  readonly users: Map<string, { readonly user: User; readonly passwordHash: string }>
  readonly tokens: Map<string, ConfirmationToken>
}

const empty = (): OutboxState => ({
  events: new Map(),
  subscriptions: new Map([
    // migrations/0011_users.up.sql: the confirmation mail
    [
      "00000000-0000-7000-8000-00000000a001",
      {
        id: "00000000-0000-7000-8000-00000000a001",
        destination: "mail",
        webhookId: null,
        eventName: "user.signed_up"
      }
    ],
    // migrations/0033_reservation_mail.up.sql: the payment confirmation mail
    [
      "00000000-0000-7000-8000-00000000a002",
      {
        id: "00000000-0000-7000-8000-00000000a002",
        destination: "mail",
        webhookId: null,
        eventName: "reservation.confirmed"
      }
    ]
  ]),
  jobs: new Map(),
  transitions: new Map(),
  webhooks: new Map(),
  users: new Map(),
  tokens: new Map()
})

const copy = (s: OutboxState): OutboxState => ({
  events: new Map(s.events),
  subscriptions: new Map(s.subscriptions),
  jobs: new Map(s.jobs),
  transitions: new Map(s.transitions),
  webhooks: new Map(s.webhooks),
  users: new Map(s.users),
  tokens: new Map(s.tokens)
})

export class MemoryOutbox extends Context.Service<
  MemoryOutbox,
  {
    readonly state: () => OutboxState
    /** Appends events and fans them out to jobs, like the outbox CTE parts of the PostgreSQL store. */
    readonly append: (events: ReadonlyArray<NewEvent>) => Effect.Effect<ReadonlyArray<StoredEvent>>
    /** Takes a snapshot; the returned function restores it (a rollback). */
    readonly snapshot: () => () => void
  }
>()("tally/adapters/MemoryOutbox") {
  static readonly layer = Layer.sync(MemoryOutbox, () => {
    let state = empty()
    const append = (events: ReadonlyArray<NewEvent>) =>
      Effect.map(DateTime.now, (now) =>
        events.map((e): StoredEvent => {
          const stored: StoredEvent = {
            ...e,
            id: uuidv7(DateTime.toEpochMillis(e.sentAt)),
            receivedAt: e.sentAt,
            ingestedAt: now
          }
          state.events.set(stored.id, stored)
          for (const spec of fanOut(e.name, [...state.subscriptions.values()])) {
            const id = crypto.randomUUID()
            state.jobs.set(id, {
              id,
              eventId: stored.id,
              eventName: e.name,
              destination: spec.destination,
              subscriptionId: spec.subscriptionId,
              createdAt: e.sentAt
            })
            state.transitions.set(id, acknowledge(e.sentAt))
          }
          return stored
        })
      )
    return MemoryOutbox.of({
      state: () => state,
      append,
      snapshot: () => {
        const before = copy(state)
        return () => {
          state = before
        }
      }
    })
  })
}
