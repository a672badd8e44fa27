// The transactional outbox and the job store, run unchanged on the in-memory twins and on PostgreSQL: every
// committed change leaves exactly one event of its kind, a rolled-back one leaves none, jobs follow subscriptions.
import { assert, type Vitest } from "@effect/vitest"
import type { AccountId, OwnerId } from "@tally/domain/Account"
import type { EventName, StoredEvent } from "@tally/domain/Event"
import { decideGroup } from "@tally/domain/Group"
import { complete, type RetryPolicy } from "@tally/domain/JobState"
import type { ApiKeyStore } from "@tally/domain/ports/ApiKeyStore"
import type { Ids } from "@tally/domain/ports/Ids"
import { headOf, JobStore, stateOf } from "@tally/domain/ports/JobStore"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { PasswordHasher } from "@tally/domain/ports/PasswordHasher"
import type { SecretTokens } from "@tally/domain/ports/SecretTokens"
import type { UserStore } from "@tally/domain/ports/UserStore"
import type { WebhookStore } from "@tally/domain/ports/WebhookStore"
import type { TransferId } from "@tally/domain/Transfer"
import * as Jobs from "@tally/domain/usecases/Jobs"
import * as Transfers from "@tally/domain/usecases/Transfers"
import * as Users from "@tally/domain/usecases/Users"
import * as Webhooks from "@tally/domain/usecases/Webhooks"
import { Data, DateTime, Duration, Effect, Option, Redacted, Result } from "effect"
import { TestClock } from "effect/testing"
import { uuidv7 } from "../../src/Uuid.ts"
import { command, openAt, world } from "./LedgerContract.ts"

export type OutboxServices =
  | LedgerStore
  | JobStore
  | UserStore
  | WebhookStore
  | ApiKeyStore
  | Ids
  | PasswordHasher
  | SecretTokens
type It = Vitest.MethodsNonLive<OutboxServices>

class Boom extends Data.TaggedError("Boom")<{}> {}

const eventsNamed = (name: EventName) =>
  Effect.flatMap(JobStore, (jobs) => jobs.listEvents({ names: [name], afterId: null, limit: 10_000 }))

const about = (events: ReadonlyArray<StoredEvent>, key: string, value: string) =>
  events.filter((e) => e.data[key] === value)

const countOf = (name: EventName, key: string, value: string) =>
  Effect.map(eventsNamed(name), (events) => about(events, key, value).length)

const policy: RetryPolicy = { maxAttempts: 3, backoffBaseMs: 1000, backoffMaxMs: 60_000, jitter: 0 }

let emails = 0
const email = () => `user${++emails}-${uuidv7().slice(-8)}@example.com`

export const outboxContract = (it: It) => {
  it.effect("each committed change leaves exactly one event of its kind", () =>
    Effect.gen(function* () {
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const b = yield* openAt("EUR")
      assert.strictEqual(yield* countOf("account.created", "accountId", a.id), 1)

      const posted = yield* Transfers.create(command(eurWorld, a, 10_000n), null)
      assert.strictEqual(yield* countOf("transfer.posted", "transferId", posted.id), 1)

      const refused = yield* Effect.flip(Transfers.create(command(a, b, 10n ** 12n), null))
      assert.strictEqual(refused._tag, "TransferRefused")
      if (refused._tag === "TransferRefused") {
        assert.strictEqual(yield* countOf("transfer.failed", "transferId", refused.transferId), 1)
      }

      const hold = yield* Transfers.create(command(a, b, 100n, { pending: true, timeoutSeconds: 60 }), null)
      assert.strictEqual(yield* countOf("hold.created", "transferId", hold.id), 1)
      yield* Transfers.post(hold.id, 40n, null)
      assert.strictEqual(yield* countOf("hold.posted", "transferId", hold.id), 1)
      const [created] = about(yield* eventsNamed("hold.posted"), "transferId", hold.id)
      assert.strictEqual(created!.data.postedAmount, "40")

      const toVoid = yield* Transfers.create(command(a, b, 100n, { pending: true, timeoutSeconds: 60 }), null)
      yield* Transfers.voidHold(toVoid.id, null)
      assert.strictEqual(yield* countOf("hold.voided", "transferId", toVoid.id), 1)

      const toExpire = yield* Transfers.create(command(a, b, 100n, { pending: true, timeoutSeconds: 1 }), null)
      yield* TestClock.adjust(Duration.seconds(2))
      yield* Transfers.expireDue(100)
      assert.strictEqual(yield* countOf("hold.expired", "transferId", toExpire.id), 1)

      const batchId = uuidv7()
      const batch = yield* Transfers.createBatch([command(a, b, 1n, { batchId }), command(b, a, 1n, { batchId })], null)
      assert.strictEqual(yield* countOf("batch.posted", "batchId", batchId), 1)
      assert.strictEqual(yield* countOf("transfer.posted", "transferId", batch[0]!.id), 1)

      const user = yield* Users.signup({ email: email(), name: "Ada", password: "correct horse battery" })
      assert.strictEqual(yield* countOf("user.signed_up", "userId", user.id), 1)
      const [signedUp] = about(yield* eventsNamed("user.signed_up"), "userId", user.id)
      const confirmed = yield* Users.confirm(Redacted.make(signedUp!.data.token as string))
      assert.strictEqual(yield* countOf("user.confirmed", "userId", user.id), 1)
      assert.strictEqual(yield* countOf("account.created", "accountId", confirmed.walletAccountId!), 1)
    })
  )

  it.effect("a change that rolls back leaves no event", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const cmd = command(eurWorld, a, 500n)
      const address = email()
      let accountId = ""
      const failed = yield* Effect.flip(
        store.transact(
          Effect.gen(function* () {
            accountId = (yield* openAt("EUR")).id
            yield* Transfers.create(cmd, null)
            yield* Users.signup({ email: address, name: "Rolled Back", password: "correct horse battery" })
            return yield* new Boom()
          })
        )
      )
      assert.strictEqual(failed._tag, "Boom")
      assert.strictEqual(yield* countOf("account.created", "accountId", accountId), 0)
      assert.strictEqual(yield* countOf("transfer.posted", "transferId", cmd.id), 0)
      assert.strictEqual(yield* countOf("user.signed_up", "email", address), 0)
      assert.isTrue(Option.isNone(yield* store.getAccount(accountId as AccountId)))
      assert.deepStrictEqual(yield* store.getTransfers([cmd.id as TransferId], null), [])
    })
  )

  it.effect("one write of several owners' transfers stores each as its owner's, and its events name that owner", () =>
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const { eurWorld } = yield* world
      const [x, y] = [uuidv7() as OwnerId, uuidv7() as OwnerId]
      for (const id of [x, y]) yield* store.createOwner({ id, kind: "service", name: `owner ${id}` })
      const a = yield* openAt("EUR", { ownerId: x })
      const b = yield* openAt("EUR", { ownerId: y })
      const limits = { fxMaxAgeSeconds: 3600, timeoutSecondsMax: 3600 }
      // as a group commit writes them: the admin funds a, x pays b, y tries too much, then pays back a little
      const members = [
        { cmd: command(eurWorld, a, 100n), viewer: null, limits },
        { cmd: command(a, b, 30n), viewer: x, limits },
        { cmd: command(b, a, 40n), viewer: y, limits },
        { cmd: command(b, a, 20n), viewer: y, limits }
      ]
      const accounts = new Map([eurWorld, a, b].map((account) => [account.id, account]))
      const group = decideGroup(members, accounts, () => undefined, yield* DateTime.now)
      yield* store.transact(store.write({ ...group, inserted: group.transfers, updated: [] }))
      const [funded, paid, refused, repaid] = members.map((m) => m.cmd.id as TransferId)
      const ids = [funded!, paid!, refused!, repaid!]
      const created = (by: OwnerId | null) =>
        Effect.map(store.getCreatedTransfers(ids, by), (ts) => ts.map((t) => t.id).sort())
      assert.deepStrictEqual(yield* created(x), [paid])
      assert.deepStrictEqual(yield* created(y), [refused, repaid].sort())
      assert.deepStrictEqual(yield* created(null), [...ids].sort())
      // another owner's refusal is not shown to the owner of the account it named; its postings are
      const visibleTo = (by: OwnerId) => Effect.map(store.getTransfers(ids, by), (ts) => ts.map((t) => t.id).sort())
      assert.deepStrictEqual(yield* visibleTo(x), [funded, paid, repaid].sort())
      assert.deepStrictEqual(yield* visibleTo(y), [paid, refused, repaid].sort())
      const ownerIn = (name: EventName, id: TransferId) =>
        Effect.map(eventsNamed(name), (events) => about(events, "transferId", id).map((e) => e.context.ownerId))
      assert.deepStrictEqual(yield* ownerIn("transfer.posted", funded!), [null])
      assert.deepStrictEqual(yield* ownerIn("transfer.posted", paid!), [x])
      assert.deepStrictEqual(yield* ownerIn("transfer.failed", refused!), [y])
      assert.deepStrictEqual(yield* ownerIn("transfer.posted", repaid!), [y])
    })
  )

  it.effect("jobs follow subscriptions: a wildcard and a specific one give a target two jobs per event", () =>
    Effect.gen(function* () {
      const jobs = yield* JobStore
      const { eurWorld } = yield* world
      const a = yield* openAt("EUR")
      const hook = yield* Webhooks.create(
        { url: "https://example.com/hook", secret: "s".repeat(24), events: ["*", "transfer.posted"] },
        null
      )
      const t = yield* Transfers.create(command(eurWorld, a, 700n), null)
      const [event] = about(yield* eventsNamed("transfer.posted"), "transferId", t.id)
      const page = yield* jobs.list({
        destinations: ["webhook"],
        events: ["transfer.posted"],
        statusIn: null,
        statusNotIn: null,
        maxAttempts: null,
        cursor: null,
        limit: 500
      })
      const mine = page.items.filter((j) => j.eventId === event!.id)
      assert.strictEqual(mine.length, 2)
      assert.deepStrictEqual(
        mine.map((j) => j.transitions.map((x) => x.stateAfter)),
        [
          ["acknowledged", "awaiting"],
          ["acknowledged", "awaiting"]
        ]
      )
      const hold = yield* Transfers.create(command(a, eurWorld, 1n, { pending: true, timeoutSeconds: 60 }), null)
      const [holdEvent] = about(yield* eventsNamed("hold.created"), "transferId", hold.id)
      const holdJobs = yield* jobs.list({
        destinations: ["webhook"],
        events: ["hold.created"],
        statusIn: ["awaiting"],
        statusNotIn: ["succeeded"],
        maxAttempts: 0,
        cursor: null,
        limit: 500
      })
      assert.strictEqual(holdJobs.items.filter((j) => j.eventId === holdEvent!.id).length, 1)
      assert.isTrue((yield* Webhooks.list(null)).some((w) => w.id === hook.id))
    })
  )

  it.effect("claim, fail, back off, discard, retry by hand, succeed; a stale writer conflicts; retention", () =>
    Effect.gen(function* () {
      const jobs = yield* JobStore
      const user = yield* Users.signup({ email: email(), name: "Mail Me", password: "correct horse battery" })
      const lease = Duration.seconds(30)
      const claimMine = Effect.gen(function* () {
        const claimed = yield* jobs.claim("mail", yield* DateTime.now, 100, lease, policy.maxAttempts)
        return claimed.filter((c) => c.event.data.userId === user.id)
      })
      const fail = (c: { job: { id: string }; head: Parameters<typeof complete>[0] }) =>
        Effect.gen(function* () {
          const next = complete(c.head, { _tag: "Failed", error: "smtp down" }, policy, 0.5, yield* DateTime.now)
          yield* jobs.appendTransitions(c.job.id, Result.getOrThrow(next))
        })
      const [first] = yield* claimMine
      assert.isDefined(first)
      assert.strictEqual(first!.head.attempt, 1)
      assert.strictEqual(first!.event.name, "user.signed_up")
      assert.deepStrictEqual(yield* claimMine, [], "a claimed job is not claimed again during its lease")
      yield* fail(first!)
      assert.deepStrictEqual(yield* claimMine, [], "not due before its backoff")
      yield* TestClock.adjust(Duration.millis(1000))
      const [second] = yield* claimMine
      assert.strictEqual(second!.head.attempt, 2)
      // a writer holding the first attempt's head is stale now
      const stale = yield* Effect.flip(
        jobs.appendTransitions(
          first!.job.id,
          Result.getOrThrow(complete(first!.head, { _tag: "Succeeded" }, policy, 0, yield* DateTime.now))
        )
      )
      assert.strictEqual(stale._tag, "TransitionConflict")
      yield* fail(second!)
      yield* TestClock.adjust(Duration.millis(2000))
      const [third] = yield* claimMine
      assert.strictEqual(third!.head.attempt, 3)
      yield* fail(third!)
      const discarded = yield* Jobs.get(first!.job.id)
      assert.strictEqual(stateOf(discarded), "discarded")
      yield* TestClock.adjust(Duration.hours(1))
      assert.deepStrictEqual(yield* claimMine, [], "a discarded job is never due")

      const notRetryable = yield* Effect.flip(Jobs.retry(uuidv7()))
      assert.strictEqual(notRetryable._tag, "JobNotFound")
      yield* Jobs.retry(first!.job.id)
      const again = yield* Effect.flip(Jobs.retry(first!.job.id))
      assert.strictEqual(again._tag, "JobNotRetryable")
      const [fourth] = yield* claimMine
      assert.strictEqual(fourth!.head.attempt, 1, "a retry by hand gives a fresh attempt budget")
      yield* jobs.appendTransitions(
        fourth!.job.id,
        Result.getOrThrow(complete(fourth!.head, { _tag: "Succeeded" }, policy, 0, yield* DateTime.now))
      )
      const done = yield* Jobs.get(first!.job.id)
      assert.deepStrictEqual(
        done.transitions.map((t) => t.stateAfter),
        [
          "acknowledged",
          "awaiting",
          "executing",
          "failed",
          "awaiting",
          "executing",
          "failed",
          "awaiting",
          "executing",
          "failed",
          "discarded",
          "awaiting",
          "executing",
          "succeeded"
        ]
      )
      assert.deepStrictEqual(
        done.transitions.map((t) => t.seq),
        done.transitions.map((_, i) => i)
      )
      assert.strictEqual(headOf(done).attempt, 1)

      const stats = yield* jobs.stats(yield* DateTime.now)
      assert.isTrue(stats.counts.some((c) => c.destination === "mail" && c.state === "succeeded" && c.count >= 1))
      assert.strictEqual(yield* jobs.pruneSucceeded(yield* DateTime.now, 1000), 0, "younger than the cutoff")
      yield* TestClock.adjust(Duration.days(8))
      const cutoff = DateTime.subtractDuration(yield* DateTime.now, Duration.days(7))
      assert.isAtLeast(yield* jobs.pruneSucceeded(cutoff, 1000), 1)
      assert.isTrue(Option.isNone(yield* jobs.get(first!.job.id)))
      assert.strictEqual((yield* jobs.events([first!.event.id])).length, 1, "events outlive their jobs")
    })
  )

  it.effect("a lease that ends is claimed again as a new attempt; past the last attempt the job is discarded", () =>
    Effect.gen(function* () {
      const jobs = yield* JobStore
      const user = yield* Users.signup({ email: email(), name: "Crashy", password: "correct horse battery" })
      const lease = Duration.seconds(30)
      const claimMine = Effect.gen(function* () {
        const claimed = yield* jobs.claim("mail", yield* DateTime.now, 100, lease, policy.maxAttempts)
        return claimed.filter((c) => c.event.data.userId === user.id)
      })
      const attempts: Array<number> = []
      for (let i = 0; i < 3; i++) {
        const [claimed] = yield* claimMine
        attempts.push(claimed!.head.attempt)
        yield* TestClock.adjust(Duration.seconds(29))
        assert.deepStrictEqual(yield* claimMine, [], "not during the lease")
        yield* TestClock.adjust(Duration.seconds(1))
      }
      assert.deepStrictEqual(attempts, [1, 2, 3])
      const [signedUp] = about(yield* eventsNamed("user.signed_up"), "userId", user.id)
      const page = yield* jobs.list({
        destinations: ["mail"],
        events: ["user.signed_up"],
        statusIn: ["executing"],
        statusNotIn: null,
        maxAttempts: null,
        cursor: null,
        limit: 1000
      })
      const jobId = page.items.find((j) => j.eventId === signedUp!.id)?.id
      assert.deepStrictEqual(yield* claimMine, [], "the third lease ended: discarded, not claimed")
      const job = yield* Jobs.get(jobId!)
      assert.deepStrictEqual(
        job.transitions.slice(2).map((t) => [t.stateAfter, t.attempt, t.error === null ? null : "lease"]),
        [
          ["executing", 1, null],
          ["executing", 2, "lease"],
          ["executing", 3, "lease"],
          ["failed", 3, "lease"],
          ["discarded", 3, null]
        ]
      )
      yield* TestClock.adjust(Duration.hours(1))
      assert.deepStrictEqual(yield* claimMine, [])
    })
  )

  it.effect("signup: duplicate email, confirmation once, expiry, credentials", () =>
    Effect.gen(function* () {
      const address = email()
      const password = "correct horse battery"
      const user = yield* Users.signup({ email: address.toUpperCase(), name: "Grace", password })
      assert.strictEqual(user.email, address)
      const taken = yield* Effect.flip(Users.signup({ email: address, name: "Again", password }))
      assert.strictEqual(taken._tag, "EmailTaken")
      const invalid = yield* Effect.flip(Users.signup({ email: "nope", name: "X", password }))
      assert.strictEqual(invalid._tag, "InvalidSignup")
      const notYet = yield* Effect.flip(Users.createApiKey(address, Redacted.make(password), "k"))
      assert.strictEqual(notYet._tag, "UserNotConfirmed")

      const [event] = about(yield* eventsNamed("user.signed_up"), "userId", user.id)
      const token = Redacted.make(event!.data.token as string)
      const unknown = yield* Effect.flip(Users.confirm(Redacted.make("tc_nothing")))
      assert.deepStrictEqual(
        [unknown._tag, "reason" in unknown ? unknown.reason : ""],
        ["ConfirmationRefused", "unknown"]
      )
      const confirmed = yield* Users.confirm(token)
      assert.isNotNull(confirmed.confirmedAt)
      const wallet = yield* (yield* LedgerStore).getAccount(confirmed.walletAccountId as never)
      assert.isTrue(Option.isSome(wallet) && wallet.value.ownerId === (user.id as OwnerId))
      const twice = yield* Effect.flip(Users.confirm(token))
      assert.deepStrictEqual([twice._tag, "reason" in twice ? twice.reason : ""], ["ConfirmationRefused", "used"])

      const wrong = yield* Effect.flip(Users.createApiKey(address, Redacted.make("wrong password!"), "k"))
      assert.strictEqual(wrong._tag, "InvalidCredentials")
      const stranger = yield* Effect.flip(Users.createApiKey("nobody@example.com", Redacted.make(password), "k"))
      assert.strictEqual(stranger._tag, "InvalidCredentials")
      const issued = yield* Users.createApiKey(address, Redacted.make(password), "laptop")
      assert.strictEqual(issued.apiKey.ownerId, user.id)
      assert.isTrue(Redacted.value(issued.key).startsWith(issued.apiKey.prefix))
      const listed = yield* Users.list({ cursor: null, limit: 1000 })
      assert.isTrue(listed.items.some((u) => u.id === user.id))

      const late = yield* Users.signup({ email: email(), name: "Late", password })
      const [lateEvent] = about(yield* eventsNamed("user.signed_up"), "userId", late.id)
      yield* TestClock.adjust(Duration.hours(25))
      const expired = yield* Effect.flip(Users.confirm(Redacted.make(lateEvent!.data.token as string)))
      assert.deepStrictEqual(
        [expired._tag, "reason" in expired ? expired.reason : ""],
        ["ConfirmationRefused", "expired"]
      )
    })
  )
}
