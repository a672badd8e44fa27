// Webhooks through the dispatcher to a real local receiver that verifies each signature: a receiver that fails
// three times and then succeeds gets the event once more, every time with the same event id.
import { createHmac } from "node:crypto"
import * as http from "node:http"
import type * as net from "node:net"
import { assert, layer } from "@effect/vitest"
import { PgStores, TestSecrets } from "@tally/adapters/test/support/Stores"
import { TestDatabase } from "@tally/adapters/test/support/TestDatabase"
import * as HttpWebhookSender from "@tally/adapters/webhook/HttpWebhookSender"
import type { AccountId } from "@tally/domain/Account"
import { openAccount } from "@tally/domain/Account"
import type { CurrencyCode } from "@tally/domain/Money"
import { JobStore } from "@tally/domain/ports/JobStore"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { Mailer, MailFailed } from "@tally/domain/ports/Mailer"
import { WebhookSender } from "@tally/domain/ports/WebhookSender"
import type { TransferId } from "@tally/domain/Transfer"
import * as Jobs from "@tally/domain/usecases/Jobs"
import * as Transfers from "@tally/domain/usecases/Transfers"
import * as Webhooks from "@tally/domain/usecases/Webhooks"
import { DateTime, Duration, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { DispatchConfig } from "../../src/delivery/DispatchConfig.ts"
import { Dispatcher } from "../../src/delivery/Dispatcher.ts"

const secret = "whsec_receiver_secret_42"
const seen: Array<{ eventId: string; attempt: string; valid: boolean; body: string }> = []
let failuresLeft = 3
const server = http.createServer((req, res) => {
  let body = ""
  req.on("data", (c: Buffer) => {
    body += c.toString()
  })
  req.on("end", () => {
    const [t, v1] = String(req.headers["tally-signature"])
      .split(",")
      .map((p) => p.slice(p.indexOf("=") + 1))
    const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")
    seen.push({
      eventId: String(req.headers["tally-event-id"]),
      attempt: String(req.headers["tally-attempt"]),
      valid: v1 === expected,
      body
    })
    res.statusCode = failuresLeft-- > 0 ? 503 : 200
    res.end()
  })
})
const port = await new Promise<number>((r) =>
  server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port))
)

const Live = Dispatcher.layer.pipe(
  Layer.provide(
    Layer.mergeAll(
      DispatchConfig.layerWith({
        enabled: false,
        pollIntervalMs: 100,
        batchMax: 10,
        leaseSeconds: 30,
        publicUrl: "http://tally.test",
        destinations: {
          mail: { maxAttempts: 5, concurrency: 2, backoffBaseMs: 1000, backoffMaxMs: 60_000, jitter: 0 },
          webhook: { maxAttempts: 5, concurrency: 2, backoffBaseMs: 1000, backoffMaxMs: 60_000, jitter: 0.5 }
        }
      }),
      Layer.succeed(Mailer, Mailer.of({ send: () => Effect.fail(new MailFailed({ message: "unused" })) })),
      Layer.succeed(WebhookSender, HttpWebhookSender.make({ timeoutMs: 5000, allowPrivateNetworks: true }))
    )
  ),
  Layer.provideMerge(Layer.merge(PgStores, TestSecrets)),
  Layer.provideMerge(TestDatabase())
)

layer(Live, { timeout: 60_000 })("webhook delivery", (it) => {
  it.effect(
    "fails three times with backoff, then delivers once more with the same event id and a valid signature",
    () =>
      Effect.gen(function* () {
        const dispatcher = yield* Dispatcher
        const ledger = yield* LedgerStore
        const jobs = yield* JobStore
        yield* Webhooks.create({ url: `http://127.0.0.1:${port}/hook`, secret, events: ["transfer.posted"] }, null)
        const now = yield* DateTime.now
        const open = (allowNegative: boolean) =>
          ledger.createAccount(
            openAccount(
              {
                id: crypto.randomUUID() as AccountId,
                currency: "EUR" as CurrencyCode,
                ownerId: null,
                allowNegative,
                metadata: null
              },
              now
            )
          )
        const world = yield* open(true)
        const shop = yield* open(false)
        const transfer = yield* Transfers.create(
          {
            id: crypto.randomUUID() as TransferId,
            debitAccountId: world.id,
            creditAccountId: shop.id,
            amountMinor: 1050n,
            pending: false,
            timeoutSeconds: null,
            metadata: null,
            batchId: null
          },
          null
        )
        for (let attempt = 1; attempt <= 4; attempt++) {
          assert.strictEqual(yield* dispatcher.runDue("webhook"), 1, `attempt ${attempt} is due`)
          assert.strictEqual(yield* dispatcher.runDue("webhook"), 0, "nothing due during the backoff")
          // base 1 s doubling, half of it jitter: at most 1 s, 2 s, 4 s
          yield* TestClock.adjust(Duration.seconds(2 ** (attempt - 1)))
        }
        assert.strictEqual(seen.length, 4)
        assert.isTrue(
          seen.every((s) => s.valid),
          "every delivery verifies"
        )
        assert.strictEqual(new Set(seen.map((s) => s.eventId)).size, 1, "one event id throughout")
        assert.deepStrictEqual(
          seen.map((s) => s.attempt),
          ["1", "2", "3", "4"]
        )
        const body = JSON.parse(seen[0]!.body)
        assert.strictEqual(body.name, "transfer.posted")
        assert.strictEqual(body.data.transferId, transfer.id)
        assert.strictEqual(body.data.amount, "1050")
        const [job] = (yield* Jobs.list({
          destinations: ["webhook"],
          events: ["transfer.posted"],
          statusIn: ["succeeded"],
          statusNotIn: null,
          maxAttempts: null,
          cursor: null,
          limit: 10
        })).items
        assert.strictEqual(job!.eventId, body.id)
        assert.deepStrictEqual(
          job!.transitions.filter((t) => t.stateAfter === "failed").map((t) => t.error),
          ["answered HTTP 503", "answered HTTP 503", "answered HTTP 503"]
        )
        // the delays between attempts grew (exponential), within the jittered bounds
        const starts = job!.transitions
          .filter((t) => t.stateAfter === "executing")
          .map((t) => DateTime.toEpochMillis(t.createdAt))
        assert.strictEqual(starts.length, 4)
        assert.isTrue(Option.isSome(yield* jobs.get(job!.id)))
        server.close()
      })
  )
})
