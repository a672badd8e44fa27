// The mail adapters for real: the file sink writes one .eml per message, SMTP talks to a server started here,
// and a server that never answers makes the send fail after its timeout instead of hanging.
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SMTPServer } from "smtp-server"
import { fileMailer, mailerFor, smtpMailer } from "../../src/mail/NodeMailer.ts"

const message = { to: "ada@example.com", subject: "Hello", text: "Body text", eventId: crypto.randomUUID() }

describe("mail adapters", () => {
  it.effect("the file sink writes one .eml per message, named by the event id", () =>
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-mail-"))
      const mailer = fileMailer(dir, { from: "Tally <t@example.com>", timeoutMs: 5000 })
      yield* mailer.send(message)
      yield* mailer.send(message) // a redelivery of the same event overwrites, never duplicates
      const files = fs.readdirSync(dir)
      assert.deepStrictEqual(files, [`${message.eventId}.eml`])
      const eml = fs.readFileSync(path.join(dir, files[0]!), "utf8")
      assert.match(eml, /^To: ada@example.com$/m)
      assert.match(eml, /^Subject: Hello$/m)
      assert.match(eml, new RegExp(`^X-Tally-Event-Id: ${message.eventId}$`, "im"))
      assert.match(eml, /Body text/)
      fs.rmSync(dir, { recursive: true })
    })
  )

  it.effect("SMTP with credentials from the URL delivers to a real server", () =>
    Effect.gen(function* () {
      const got: Array<string> = []
      const server = new SMTPServer({
        disabledCommands: ["STARTTLS"],
        allowInsecureAuth: true,
        onAuth: (auth, _s, cb) =>
          auth.username === "u@x" && auth.password === "p:w" ? cb(null, { user: "u" }) : cb(new Error("bad auth")),
        onData: (stream, _s, cb) => {
          let raw = ""
          stream.on("data", (c: Buffer) => {
            raw += c.toString()
          })
          stream.on("end", () => {
            got.push(raw)
            cb()
          })
        }
      })
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((r) =>
            server.listen(0, "127.0.0.1", () => r((server.server.address() as net.AddressInfo).port))
          )
      )
      const url = Redacted.make(`smtp://${encodeURIComponent("u@x")}:${encodeURIComponent("p:w")}@127.0.0.1:${port}`)
      yield* mailerFor({ url, from: "Tally <t@example.com>", timeoutMs: 5000 }).send(message)
      assert.strictEqual(got.length, 1)
      assert.match(got[0]!, /Subject: Hello/)
      const refused = yield* Effect.flip(
        mailerFor({
          url: Redacted.make(`smtp://u:wrong@127.0.0.1:${port}`),
          from: "t@example.com",
          timeoutMs: 5000
        }).send(message)
      )
      assert.strictEqual(refused._tag, "MailFailed")
      yield* Effect.promise(() => new Promise<void>((r) => server.close(() => r())))
    })
  )

  it.live("a server that never greets fails the send after the timeout", () =>
    Effect.gen(function* () {
      const sockets: Array<net.Socket> = []
      const silent = net.createServer((s) => void sockets.push(s))
      const port = yield* Effect.promise(
        () =>
          new Promise<number>((r) => silent.listen(0, "127.0.0.1", () => r((silent.address() as net.AddressInfo).port)))
      )
      const mailer = smtpMailer({
        url: Redacted.make(`smtp://127.0.0.1:${port}`),
        from: "t@example.com",
        timeoutMs: 300
      })
      const failed = yield* Effect.flip(mailer.send(message))
      assert.strictEqual(failed._tag, "MailFailed")
      for (const s of sockets) s.destroy()
      silent.close()
    })
  )

  it("TALLY_MAIL_URL must be smtp://, smtps:// or file:", () => {
    assert.throws(
      () => mailerFor({ url: Redacted.make("http://x"), from: "t@example.com", timeoutMs: 1 }),
      /TALLY_MAIL_URL/
    )
  })
})
