// Issue 8 over HTTP on a running server, as a curl user sees it: signup → the mail at a real SMTP server →
// confirm → wallet → the user's own key (HTTP Basic) sees only its accounts; a webhook registered over HTTP gets a
// signed transfer.posted; the admin's job list filters, never shows the token, and retry revives a discarded job.
import { createHmac } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SMTPServer } from "smtp-server"
import { call, TestServer } from "../support/TestServer.ts"

const mails: Array<{ readonly to: ReadonlyArray<string>; readonly raw: string }> = []
const smtp = new SMTPServer({
  disabledCommands: ["STARTTLS", "AUTH"],
  onData: (stream, session, callback) => {
    const chunks: Array<Buffer> = []
    stream.on("data", (c: Buffer) => chunks.push(c))
    stream.on("end", () => {
      mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") })
      callback()
    })
  }
})
const smtpPort = await new Promise<number>((resolve) => {
  smtp.listen(0, "127.0.0.1", () => resolve((smtp.server.address() as AddressInfo).port))
})

const secret = "whsec_http_receiver_secret"
interface Delivery {
  readonly path: string
  readonly eventId: string
  readonly valid: boolean
  readonly body: { readonly id: string; readonly name: string; readonly data?: Record<string, unknown> }
}
const deliveries: Array<Delivery> = []
let failing = true
const receiver = http.createServer((req, res) => {
  let body = ""
  req.on("data", (c: Buffer) => {
    body += c.toString()
  })
  req.on("end", () => {
    const [t, v1] = String(req.headers["tally-signature"])
      .split(",")
      .map((p) => p.slice(p.indexOf("=") + 1))
    const valid = v1 === createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")
    deliveries.push({
      path: req.url ?? "",
      eventId: String(req.headers["tally-event-id"]),
      valid,
      body: JSON.parse(body)
    })
    res.statusCode = req.url === "/flaky" && failing ? 500 : 200
    res.end()
  })
})
const receiverPort = await new Promise<number>((r) =>
  receiver.listen(0, "127.0.0.1", () => r((receiver.address() as AddressInfo).port))
)

const quotedPrintable = (raw: string) =>
  raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))

const waitFor = <A>(check: () => A | undefined) =>
  Effect.gen(function* () {
    for (let i = 0; i < 400; i++) {
      const value = check()
      if (value !== undefined) return value
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.die(new Error("timed out waiting"))
  })

const waitForReply = <R>(check: () => Effect.Effect<boolean, never, R>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 400; i++) {
      if (yield* check()) return
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.die(new Error("timed out waiting"))
  })

const basic = (email: string, password: string) => ({
  key: null,
  headers: { authorization: `Basic ${Buffer.from(`${email}:${password}`).toString("base64")}` }
})

const tokenMailedTo = (email: string) =>
  Effect.map(
    waitFor(() => mails.find((m) => m.to.includes(email))),
    (mail) => /tc_[A-Za-z0-9_-]+/.exec(quotedPrintable(mail.raw))![0]
  )

/** Signs up and confirms over HTTP; returns the user as confirmed. */
const confirmedUser = (email: string, name: string, password: string) =>
  Effect.gen(function* () {
    const signup = yield* call("POST", "/v1/users", { key: null, body: { email, name, password } })
    assert.strictEqual(signup.status, 201, JSON.stringify(signup.body))
    const token = yield* tokenMailedTo(email)
    const confirmed = yield* call("POST", "/v1/users/confirm", { key: null, body: { token } })
    assert.strictEqual(confirmed.status, 200, JSON.stringify(confirmed.body))
    return { user: confirmed.body, token }
  })

layer(
  TestServer({
    env: {
      TALLY_MAIL_URL: `smtp://127.0.0.1:${smtpPort}`,
      TALLY_DISPATCH_POLL_INTERVAL_MS: "50",
      TALLY_DISPATCH_WEBHOOK_MAX_ATTEMPTS: "2",
      TALLY_DISPATCH_BACKOFF_BASE_MS: "50",
      TALLY_DISPATCH_JITTER: "0",
      TALLY_WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
      TALLY_PASSWORD_SCRYPT_COST: "1024"
    }
  }),
  { timeout: 90_000, excludeTestServices: true }
)("delivery over HTTP", (it) => {
  const password = "correct horse battery"

  it.effect("signup → mail → confirm → wallet → own key with Basic auth → only its own accounts", () =>
    Effect.gen(function* () {
      const signup = yield* call("POST", "/v1/users", {
        key: null,
        body: { email: "Ada@Example.com", name: "Ada Lovelace", password }
      })
      assert.strictEqual(signup.status, 201)
      assert.strictEqual(signup.body.email, "ada@example.com")
      assert.isNull(signup.body.confirmedAt)
      assert.notProperty(signup.body, "password")

      const again = yield* call("POST", "/v1/users", {
        key: null,
        body: { email: "ada@example.com", name: "Ada", password }
      })
      assert.strictEqual(again.status, 409)
      assert.strictEqual(again.body.code, "email_taken")
      const weak = yield* call("POST", "/v1/users", {
        key: null,
        body: { email: "x@example.com", name: "X", password: "short" }
      })
      assert.strictEqual(weak.status, 400)
      assert.strictEqual(weak.body.code, "weak_password")
      const badEmail = yield* call("POST", "/v1/users", { key: null, body: { email: "nope", name: "X", password } })
      assert.strictEqual(badEmail.body.code, "invalid_email")

      // not confirmed yet: Basic auth is refused with its own code
      const early = yield* call("POST", "/v1/api-keys", { ...basic("ada@example.com", password), body: {} })
      assert.strictEqual(early.status, 403)
      assert.strictEqual(early.body.code, "user_not_confirmed")

      const token = yield* tokenMailedTo("ada@example.com")
      const confirmed = yield* call("POST", "/v1/users/confirm", { key: null, body: { token } })
      assert.strictEqual(confirmed.status, 200)
      assert.isString(confirmed.body.walletAccountId)
      const reused = yield* call("POST", "/v1/users/confirm", { key: null, body: { token } })
      assert.strictEqual(reused.status, 422)
      assert.strictEqual(reused.body.code, "confirmation_token_used")
      const unknown = yield* call("POST", "/v1/users/confirm", { key: null, body: { token: "tc_nothing" } })
      assert.strictEqual(unknown.body.code, "confirmation_token_unknown")

      const wrong = yield* call("POST", "/v1/api-keys", { ...basic("ada@example.com", "wrong password!"), body: {} })
      assert.strictEqual(wrong.status, 401)
      assert.strictEqual(wrong.body.code, "invalid_credentials")
      const nobody = yield* call("POST", "/v1/api-keys", { ...basic("nobody@example.com", password), body: {} })
      assert.strictEqual(nobody.body.code, "invalid_credentials")

      const created = yield* call("POST", "/v1/api-keys", {
        ...basic("ADA@example.com", password),
        body: { name: "laptop" }
      })
      assert.strictEqual(created.status, 201, JSON.stringify(created.body))
      assert.strictEqual(created.body.ownerId, confirmed.body.id)
      const key = created.body.key as string
      // a user may not create keys for another user
      const forOther = yield* call("POST", "/v1/api-keys", {
        ...basic("ada@example.com", password),
        body: { userId: "0190b3f4-0000-7000-8000-000000000000" }
      })
      assert.strictEqual(forOther.status, 403)
      assert.strictEqual(forOther.body.code, "admin_required")

      const mine = yield* call("GET", "/v1/accounts", { key })
      assert.strictEqual(mine.status, 200)
      assert.deepStrictEqual(
        mine.body.items.map((a: { id: string }) => a.id),
        [confirmed.body.walletAccountId]
      )
      // another user's wallet is invisible to Ada's key
      const bob = yield* confirmedUser("bob@example.com", "Bob", password)
      const hidden = yield* call("GET", `/v1/accounts/${bob.user.walletAccountId}`, { key })
      assert.strictEqual(hidden.status, 404)
      assert.strictEqual(hidden.body.code, "account_not_found")

      // the admin: every user, and a key for any confirmed one
      const users = yield* call("GET", "/v1/users")
      assert.strictEqual(users.status, 200)
      assert.includeMembers(
        users.body.items.map((u: { email: string }) => u.email),
        ["ada@example.com", "bob@example.com"]
      )
      const denied = yield* call("GET", "/v1/users", { key })
      assert.strictEqual(denied.status, 403)
      const forBob = yield* call("POST", "/v1/api-keys", { body: { userId: bob.user.id, name: "support" } })
      assert.strictEqual(forBob.status, 201)
      assert.strictEqual(forBob.body.ownerId, bob.user.id)
      const bobs = yield* call("GET", "/v1/accounts", { key: forBob.body.key })
      assert.deepStrictEqual(
        bobs.body.items.map((a: { id: string }) => a.id),
        [bob.user.walletAccountId]
      )
      const noUser = yield* call("POST", "/v1/api-keys", { body: { userId: "0190b3f4-0000-7000-8000-000000000000" } })
      assert.strictEqual(noUser.status, 404)
      assert.strictEqual(noUser.body.code, "user_not_found")

      // the admin's job list shows the signup mail's job, never its token
      const jobs = yield* call("GET", "/v1/admin/jobs?events=user.signed_up&destinations=mail")
      assert.strictEqual(jobs.status, 200)
      assert.isAtLeast(jobs.body.items.length, 2)
      const text = JSON.stringify(jobs.body)
      assert.notInclude(text, token)
      assert.notInclude(text, bob.token)
      const adaJob = jobs.body.items.find(
        (j: { event: { data: { email?: string } } | null }) => j.event?.data.email === "ada@example.com"
      )
      assert.strictEqual(adaJob.event.data.token, "[redacted]")
      assert.isString(adaJob.event.data.tokenExpiresAt)
      assert.strictEqual(adaJob.eventName, "user.signed_up")
    })
  )

  it.effect("a webhook registered over HTTP receives a signed transfer.posted", () =>
    Effect.gen(function* () {
      const refusedSecret = yield* call("POST", "/v1/webhooks", {
        body: { url: `http://127.0.0.1:${receiverPort}/ok`, secret: "short", events: ["*"] }
      })
      assert.strictEqual(refusedSecret.status, 422)
      assert.strictEqual(refusedSecret.body.code, "webhook_secret_invalid")
      const badEvent = yield* call("POST", "/v1/webhooks", {
        body: { url: `http://127.0.0.1:${receiverPort}/ok`, secret, events: ["transfer.exploded"] }
      })
      assert.strictEqual(badEvent.body.code, "webhook_events_invalid")

      const hook = yield* call("POST", "/v1/webhooks", {
        body: { url: `http://127.0.0.1:${receiverPort}/ok`, secret, events: ["transfer.posted"] }
      })
      assert.strictEqual(hook.status, 201, JSON.stringify(hook.body))
      assert.notProperty(hook.body, "secret")
      const listed = yield* call("GET", "/v1/webhooks")
      assert.include(
        listed.body.items.map((w: { id: string }) => w.id),
        hook.body.id
      )

      const a = yield* call("POST", "/v1/accounts", { body: { currency: "EUR", allowNegative: true } })
      const b = yield* call("POST", "/v1/accounts", { body: { currency: "EUR" } })
      const transfer = yield* call("POST", "/v1/transfers", {
        body: { debitAccountId: a.body.id, creditAccountId: b.body.id, amount: "1250" }
      })
      assert.strictEqual(transfer.status, 201, JSON.stringify(transfer.body))
      const got = yield* waitFor(() =>
        deliveries.find((d) => d.path === "/ok" && d.body.data?.transferId === transfer.body.id)
      )
      assert.isTrue(got.valid)
      assert.strictEqual(got.body.name, "transfer.posted")
      assert.strictEqual(got.eventId, got.body.id)

      // a webhook gets user.signed_up without its token: that leaves only in the mail
      const users = yield* call("POST", "/v1/webhooks", {
        body: { url: `http://127.0.0.1:${receiverPort}/users`, secret, events: ["user.signed_up"] }
      })
      assert.strictEqual(users.status, 201)
      const carol = yield* call("POST", "/v1/users", {
        key: null,
        body: { email: "carol@example.com", name: "Carol", password: "correct horse battery" }
      })
      assert.strictEqual(carol.status, 201)
      const signedUp = yield* waitFor(() =>
        deliveries.find((d) => d.path === "/users" && d.body.data?.userId === carol.body.id)
      )
      assert.isTrue(signedUp.valid)
      assert.strictEqual(signedUp.body.data?.token, "[redacted]")
      const token = yield* tokenMailedTo("carol@example.com")
      assert.notInclude(JSON.stringify(signedUp.body), token)
    })
  )

  it.effect("jobs: filters, transitions, retry brings a discarded job back; only failed or discarded", () =>
    Effect.gen(function* () {
      const hook = yield* call("POST", "/v1/webhooks", {
        body: { url: `http://127.0.0.1:${receiverPort}/flaky`, secret, events: ["account.created"] }
      })
      assert.strictEqual(hook.status, 201)
      const account = yield* call("POST", "/v1/accounts", { body: { currency: "EUR" } })
      assert.strictEqual(account.status, 201)
      const discardedOf = () =>
        call("GET", "/v1/admin/jobs?destinations=webhook&events=account.created&statusIn=discarded")
      yield* waitForReply(() => Effect.map(discardedOf(), (r) => r.body.items.length > 0))
      const discarded = (yield* discardedOf()).body.items[0]
      assert.strictEqual(discarded.state, "discarded")
      assert.strictEqual(discarded.attempts, 2)
      assert.deepStrictEqual(
        discarded.transitions.map((t: { stateAfter: string }) => t.stateAfter),
        ["acknowledged", "awaiting", "executing", "failed", "awaiting", "executing", "failed", "discarded"]
      )

      // the other filters agree with it
      const notDiscarded = yield* call("GET", "/v1/admin/jobs?destinations=webhook&statusNotIn=discarded")
      assert.notInclude(
        notDiscarded.body.items.map((j: { id: string }) => j.id),
        discarded.id
      )
      const fewAttempts = yield* call("GET", "/v1/admin/jobs?statusIn=discarded&maxAttempts=1")
      assert.notInclude(
        fewAttempts.body.items.map((j: { id: string }) => j.id),
        discarded.id
      )
      const mailOnly = yield* call("GET", "/v1/admin/jobs?destinations=mail")
      assert.isTrue(mailOnly.body.items.every((j: { destination: string }) => j.destination === "mail"))
      const page = yield* call("GET", "/v1/admin/jobs?limit=1")
      assert.lengthOf(page.body.items, 1)
      assert.isString(page.body.nextCursor)
      const next = yield* call("GET", `/v1/admin/jobs?limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`)
      assert.notStrictEqual(next.body.items[0].id, page.body.items[0].id)
      const badFilter = yield* call("GET", "/v1/admin/jobs?statusIn=lost")
      assert.strictEqual(badFilter.status, 400)
      assert.strictEqual(badFilter.body.code, "validation_failed")
      const notAdmin = yield* call("POST", "/v1/api-keys", { body: { ownerName: "someone" } })
      const denied = yield* call("GET", "/v1/admin/jobs", { key: notAdmin.body.key })
      assert.strictEqual(denied.status, 403)
      assert.strictEqual(denied.body.code, "admin_required")

      failing = false
      const retried = yield* call("POST", `/v1/admin/jobs/${discarded.id}/retry`)
      assert.strictEqual(retried.status, 200, JSON.stringify(retried.body))
      assert.strictEqual(retried.body.state, "awaiting")
      const jobOf = () => call("GET", "/v1/admin/jobs?destinations=webhook&events=account.created&statusIn=succeeded")
      yield* waitForReply(() =>
        Effect.map(jobOf(), (r) => r.body.items.some((j: { id: string }) => j.id === discarded.id))
      )
      const again = yield* call("POST", `/v1/admin/jobs/${discarded.id}/retry`)
      assert.strictEqual(again.status, 409)
      assert.strictEqual(again.body.code, "job_not_retryable")
      const missing = yield* call("POST", "/v1/admin/jobs/0190b3f4-0000-7000-8000-000000000000/retry")
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(missing.body.code, "job_not_found")
    })
  )
})
