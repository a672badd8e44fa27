// The dispatcher against a real PostgreSQL job store, with recording senders: retry with backoff under TestClock,
// discard after max attempts, a retry by hand, and two dispatchers on one database never running one attempt twice.
import { assert, layer } from "@effect/vitest"
import * as Database from "@tally/adapters/Database"
import { DatabaseInfo } from "@tally/adapters/Database"
import * as PgJobStore from "@tally/adapters/postgres/PgJobStore"
import { PgStores, TestSecrets } from "@tally/adapters/test/support/Stores"
import { TestDatabase } from "@tally/adapters/test/support/TestDatabase"
import { JobStore, stateOf } from "@tally/domain/ports/JobStore"
import { Mailer, MailFailed, type MailMessage } from "@tally/domain/ports/Mailer"
import { type WebhookDelivery, WebhookSender } from "@tally/domain/ports/WebhookSender"
import * as Jobs from "@tally/domain/usecases/Jobs"
import * as Users from "@tally/domain/usecases/Users"
import { Context, Duration, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { DispatchConfig, type DispatchSettings } from "../../src/delivery/DispatchConfig.ts"
import { Dispatcher } from "../../src/delivery/Dispatcher.ts"

const settings: DispatchSettings = {
  enabled: false,
  pollIntervalMs: 100,
  batchMax: 50,
  leaseSeconds: 30,
  publicUrl: "http://tally.test",
  destinations: {
    mail: { maxAttempts: 3, concurrency: 4, backoffBaseMs: 1000, backoffMaxMs: 60_000, jitter: 0 },
    webhook: { maxAttempts: 3, concurrency: 4, backoffBaseMs: 1000, backoffMaxMs: 60_000, jitter: 0 }
  }
}

/** A mailer that fails while `failures` > 0 and records what it delivered. */
const recording = { sent: [] as Array<MailMessage>, failures: 0 }
const RecordingMailer = Layer.succeed(
  Mailer,
  Mailer.of({
    send: (message) =>
      Effect.suspend(() => {
        if (recording.failures > 0) {
          recording.failures--
          return Effect.fail(new MailFailed({ message: "smtp unavailable" }))
        }
        recording.sent.push(message)
        return Effect.void
      })
  })
)
const webhooks: Array<WebhookDelivery> = []
const RecordingWebhooks = Layer.succeed(
  WebhookSender,
  WebhookSender.of({ send: (d) => Effect.sync(() => void webhooks.push(d)) })
)

const DispatcherLive = Dispatcher.layer.pipe(
  Layer.provide(Layer.mergeAll(DispatchConfig.layerWith(settings), RecordingMailer, RecordingWebhooks))
)

const Live = Layer.mergeAll(DispatcherLive).pipe(
  Layer.provideMerge(Layer.merge(PgStores, TestSecrets)),
  Layer.provideMerge(TestDatabase())
)

const password = "correct horse battery"

layer(Live, { timeout: 60_000 })("Dispatcher", (it) => {
  it.effect("delivers a signup mail carrying the event id; retries with backoff; discards; a retry by hand", () =>
    Effect.gen(function* () {
      const dispatcher = yield* Dispatcher
      const store = yield* JobStore
      yield* Users.signup({ email: "first@example.com", name: "First", password })
      assert.strictEqual(yield* dispatcher.runDue("mail"), 1)
      assert.strictEqual(recording.sent.length, 1)
      const mail = recording.sent[0]!
      assert.strictEqual(mail.to, "first@example.com")
      assert.match(mail.text, /tc_[A-Za-z0-9_-]{20,}/)
      const [event] = yield* store.events([mail.eventId])
      assert.strictEqual(event!.name, "user.signed_up")

      // fails twice, then succeeds on the third attempt after 1 s and 2 s of backoff
      recording.failures = 2
      yield* Users.signup({ email: "second@example.com", name: "Second", password })
      assert.strictEqual(yield* dispatcher.runDue("mail"), 1)
      assert.strictEqual(yield* dispatcher.runDue("mail"), 0, "not due during its backoff")
      yield* TestClock.adjust(Duration.millis(999))
      assert.strictEqual(yield* dispatcher.runDue("mail"), 0)
      yield* TestClock.adjust(Duration.millis(1))
      assert.strictEqual(yield* dispatcher.runDue("mail"), 1)
      yield* TestClock.adjust(Duration.millis(1999))
      assert.strictEqual(yield* dispatcher.runDue("mail"), 0)
      yield* TestClock.adjust(Duration.millis(1))
      assert.strictEqual(yield* dispatcher.runDue("mail"), 1)
      assert.deepStrictEqual(
        recording.sent.map((m) => m.to),
        ["first@example.com", "second@example.com"]
      )

      // fails every time: discarded after 3 attempts, then a retry by hand delivers it
      recording.failures = 3
      yield* Users.signup({ email: "third@example.com", name: "Third", password })
      for (const wait of [0, 1000, 2000]) {
        yield* TestClock.adjust(Duration.millis(wait))
        assert.strictEqual(yield* dispatcher.runDue("mail"), 1)
      }
      yield* TestClock.adjust(Duration.hours(2))
      assert.strictEqual(yield* dispatcher.runDue("mail"), 0, "discarded: never due again")
      const page = yield* Jobs.list({
        destinations: ["mail"],
        events: ["user.signed_up"],
        statusIn: ["discarded"],
        statusNotIn: null,
        maxAttempts: 3,
        cursor: null,
        limit: 10
      })
      assert.strictEqual(page.items.length, 1)
      const discarded = page.items[0]!
      assert.deepStrictEqual(
        discarded.transitions.filter((t) => t.stateAfter === "failed").map((t) => t.error),
        ["smtp unavailable", "smtp unavailable", "smtp unavailable"]
      )
      yield* Jobs.retry(discarded.id)
      assert.strictEqual(yield* dispatcher.runDue("mail"), 1)
      assert.strictEqual(stateOf(yield* Jobs.get(discarded.id)), "succeeded")
      assert.strictEqual(recording.sent.at(-1)!.to, "third@example.com")
      assert.strictEqual(recording.sent.at(-1)!.eventId, discarded.eventId)
    })
  )

  it.effect("two dispatchers on one database never run the same attempt twice", () =>
    Effect.gen(function* () {
      recording.sent.length = 0
      recording.failures = 0
      const first = yield* Dispatcher
      // a second dispatcher with a pool of its own, as another instance would have
      const info = yield* DatabaseInfo
      const second = Context.get(
        yield* Layer.build(
          Dispatcher.layer.pipe(
            Layer.provide(Layer.mergeAll(DispatchConfig.layerWith(settings), RecordingMailer, RecordingWebhooks)),
            Layer.provide(PgJobStore.layer),
            Layer.provide(Database.layerUrl(info.url, { poolMax: 4 }))
          )
        ),
        Dispatcher
      )
      const signups = 60
      for (let i = 0; i < signups; i++) yield* Users.signup({ email: `race${i}@example.com`, name: `R${i}`, password })
      const ran = { first: 0, second: 0 }
      for (let round = 0; round < 200 && recording.sent.length < signups; round++) {
        const [a, b] = yield* Effect.all([first.runDue("mail"), second.runDue("mail")], { concurrency: 2 })
        ran.first += a
        ran.second += b
      }
      const ids = recording.sent.map((m) => m.eventId)
      assert.strictEqual(ids.length, signups, "each job ran exactly once")
      assert.strictEqual(new Set(ids).size, signups)
      assert.strictEqual(ran.first + ran.second, signups)
      assert.isAbove(ran.first, 0)
      assert.isAbove(ran.second, 0)
    }).pipe(Effect.scoped)
  )
})
