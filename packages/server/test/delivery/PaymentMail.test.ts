// reservation.held|confirmed|cancelled are appended with the change; a confirm mails the payer's user the
// payment confirmation with the tickets' verification codes; a payer that is no user gets no mail.

import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { PgStores, TestSecrets } from "@tally/adapters/test/support/Stores"
import { TestDatabase } from "@tally/adapters/test/support/TestDatabase"
import * as PgTicketingStore from "@tally/adapters/ticketing/PgTicketingStore"
import * as TicketCodes from "@tally/adapters/ticketing/TicketCodes"
import { uuidv7 } from "@tally/adapters/Uuid"
import { JobStore } from "@tally/domain/ports/JobStore"
import { Mailer, type MailMessage } from "@tally/domain/ports/Mailer"
import { WebhookSender } from "@tally/domain/ports/WebhookSender"
import type { ReservationId } from "@tally/domain/ticketing/Reservation"
import * as Reservations from "@tally/domain/usecases/Reservations"
import * as Transfers from "@tally/domain/usecases/Transfers"
import * as Users from "@tally/domain/usecases/Users"
import { Effect, Layer } from "effect"
import { command, openAt, world } from "../../../adapters/test/contract/LedgerContract.ts"
import { buyer, event } from "../../../adapters/test/contract/TicketingContract.ts"
import { DispatchConfig, type DispatchSettings } from "../../src/delivery/DispatchConfig.ts"
import { Dispatcher } from "../../src/delivery/Dispatcher.ts"

const mail = { maxAttempts: 3, concurrency: 4, backoffBaseMs: 1000, backoffMaxMs: 60_000, jitter: 0 }
const settings: DispatchSettings = {
  enabled: false,
  pollIntervalMs: 100,
  batchMax: 50,
  leaseSeconds: 30,
  publicUrl: "http://tally.test",
  destinations: { mail, webhook: mail }
}

const sent: Array<MailMessage> = []
const Recording = Layer.mergeAll(
  Layer.succeed(Mailer, Mailer.of({ send: (m) => Effect.sync(() => void sent.push(m)) })),
  Layer.succeed(WebhookSender, WebhookSender.of({ send: () => Effect.void }))
)

const Live = Dispatcher.layer.pipe(
  Layer.provide(Layer.mergeAll(DispatchConfig.layerWith(settings), Recording)),
  Layer.provideMerge(Layer.mergeAll(PgTicketingStore.layer, TicketCodes.layer)),
  Layer.provideMerge(Layer.merge(PgStores, TestSecrets)),
  Layer.provideMerge(TestDatabase())
)

/** The names of a reservation's events, sorted (under TestClock they share one sent_at). */
const eventNames = (reservationId: string) =>
  Effect.flatMap(PgClient.PgClient, (sql) =>
    sql<{ name: string }>`SELECT name FROM events WHERE data->>'reservationId' = ${reservationId} ORDER BY name`.pipe(
      Effect.map((rows) => rows.map((r) => r.name))
    )
  )

layer(Live, { timeout: 60_000 })("reservation events and the payment mail", (it) => {
  it.effect("confirm mails the paying user its tickets; cancel and refusals mail nothing", () =>
    Effect.gen(function* () {
      const dispatcher = yield* Dispatcher
      const { eurWorld } = yield* world
      const { event: e } = yield* event(10, 1_500n)
      const ada = yield* Users.signup({ email: "ada@example.com", name: "Ada", password: "correct horse battery" })
      yield* dispatcher.runDue("mail") // the signup mail
      sent.length = 0
      const wallet = yield* openAt("EUR", { ownerId: ada.id })
      yield* Transfers.create(command(eurWorld, wallet, 10_000n), null)

      const r = yield* Reservations.reserve(
        { id: uuidv7() as ReservationId, eventId: e.id, payerAccountId: wallet.id, quantity: 2 },
        ada.id
      )
      assert.deepStrictEqual(yield* eventNames(r.id), ["reservation.held"])
      const { tickets } = yield* Reservations.confirm(r.id, ada.id)
      assert.deepStrictEqual(yield* eventNames(r.id), ["reservation.confirmed", "reservation.held"])
      assert.strictEqual(yield* dispatcher.runDue("mail"), 1)
      assert.strictEqual(sent.length, 1)
      assert.strictEqual(sent[0]!.to, "ada@example.com")
      assert.strictEqual(sent[0]!.subject, "Your Tally tickets")
      for (const t of tickets) assert.include(sent[0]!.text, t.verificationCode)
      const [stored] = yield* (yield* JobStore).events([sent[0]!.eventId])
      assert.strictEqual(stored!.name, "reservation.confirmed")

      // cancelled: an event, no mail
      const c = yield* Reservations.reserve(
        { id: uuidv7() as ReservationId, eventId: e.id, payerAccountId: wallet.id, quantity: 1 },
        ada.id
      )
      yield* Reservations.cancel(c.id, ada.id)
      assert.deepStrictEqual(yield* eventNames(c.id), ["reservation.cancelled", "reservation.held"])
      assert.strictEqual(yield* dispatcher.runDue("mail"), 0)

      // refused (more seats than the event has): nothing appended
      const refusedId = uuidv7()
      yield* Effect.flip(
        Reservations.reserve(
          { id: refusedId as ReservationId, eventId: e.id, payerAccountId: wallet.id, quantity: 11 },
          ada.id
        )
      )
      assert.deepStrictEqual(yield* eventNames(refusedId), [])

      // a payer that is no user: its confirmation job succeeds with nothing to send
      const other = yield* buyer(eurWorld, 5_000n)
      const o = yield* Reservations.reserve(
        { id: uuidv7() as ReservationId, eventId: e.id, payerAccountId: other.account.id, quantity: 1 },
        other.ownerId
      )
      yield* Reservations.confirm(o.id, other.ownerId)
      assert.strictEqual(yield* dispatcher.runDue("mail"), 1)
      assert.strictEqual(sent.length, 1)
    })
  )
})
