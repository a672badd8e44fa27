// Signup end to end on a running server: the confirmation mail reaches a real SMTP server started here (through
// the job store and the dispatcher), its token confirms the user, the wallet exists, and the user's own API key
// (created with email:password) sees only its own accounts over HTTP.
import type { AddressInfo } from "node:net"
import { assert, layer } from "@effect/vitest"
import type { AccountId } from "@tally/domain/Account"
import * as Users from "@tally/domain/usecases/Users"
import { Effect, Redacted } from "effect"
import { SMTPServer } from "smtp-server"
import { call, TestServer } from "../support/TestServer.ts"

interface Received {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly raw: string
}
const received: Array<Received> = []

const smtp = new SMTPServer({
  disabledCommands: ["STARTTLS"],
  allowInsecureAuth: true,
  onAuth: (auth, _session, callback) =>
    auth.username === "tally" && auth.password === "s3cret"
      ? callback(null, { user: "tally" })
      : callback(new Error("invalid credentials")),
  onData: (stream, session, callback) => {
    const chunks: Array<Buffer> = []
    stream.on("data", (c: Buffer) => chunks.push(c))
    stream.on("end", () => {
      received.push({
        from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks).toString("utf8")
      })
      callback()
    })
  }
})
const smtpPort = await new Promise<number>((resolve) => {
  smtp.listen(0, "127.0.0.1", () => resolve((smtp.server.address() as AddressInfo).port))
})

/** The body as sent (quoted-printable: soft line breaks and =XX escapes). */
const quotedPrintable = (raw: string) =>
  raw
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))

const waitFor = <A>(check: () => A | undefined) =>
  Effect.gen(function* () {
    for (let i = 0; i < 300; i++) {
      const value = check()
      if (value !== undefined) return value
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.die(new Error("timed out waiting"))
  })

layer(
  TestServer({
    env: {
      TALLY_MAIL_URL: `smtp://tally:s3cret@127.0.0.1:${smtpPort}`,
      TALLY_MAIL_FROM: "Tally <tally@example.com>",
      TALLY_DISPATCH_POLL_INTERVAL_MS: "50",
      TALLY_PASSWORD_SCRYPT_COST: "1024"
    }
  }),
  { timeout: 60_000, excludeTestServices: true }
)("signup through SMTP", (it) => {
  it.effect("the mail arrives, its token confirms, the wallet exists, the user's key sees only its accounts", () =>
    Effect.gen(function* () {
      const password = "correct horse battery"
      const user = yield* Users.signup({ email: "ada@example.com", name: "Ada Lovelace", password })
      const mail = yield* waitFor(() => received.find((m) => m.to.includes("ada@example.com")))
      assert.strictEqual(mail.from, "tally@example.com")
      assert.match(mail.raw, /Subject: Confirm your Tally account/)
      assert.match(mail.raw, /X-Tally-Event-Id: [0-9a-f-]{36}/i)
      const token = /tc_[A-Za-z0-9_-]+/.exec(quotedPrintable(mail.raw))?.[0]
      assert.isDefined(token)

      const confirmed = yield* Users.confirm(Redacted.make(token!))
      assert.isNotNull(confirmed.walletAccountId)
      const reused = yield* Effect.flip(Users.confirm(Redacted.make(token!)))
      assert.strictEqual(reused._tag, "ConfirmationRefused")

      const { key } = yield* Users.createApiKey("ADA@example.com", Redacted.make(password), "laptop")
      const mine = yield* call("GET", "/v1/accounts", { key: Redacted.value(key) })
      assert.strictEqual(mine.status, 200)
      assert.deepStrictEqual(
        mine.body.items.map((a: { id: AccountId }) => a.id),
        [confirmed.walletAccountId]
      )
      const wallet = yield* call("GET", `/v1/accounts/${confirmed.walletAccountId}`, { key: Redacted.value(key) })
      assert.strictEqual(wallet.status, 200)
      assert.strictEqual(wallet.body.currency, "EUR")
      // someone else's account (created by the admin) is invisible to the user's key
      const other = yield* call("POST", "/v1/accounts", { body: { currency: "EUR" } })
      assert.strictEqual(other.status, 201)
      const hidden = yield* call("GET", `/v1/accounts/${other.body.id}`, { key: Redacted.value(key) })
      assert.strictEqual(hidden.status, 404)
      assert.strictEqual(user.id, confirmed.id)
    })
  )
})
