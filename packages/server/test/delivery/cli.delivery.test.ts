// `tally users|webhooks|jobs` and `tally api-keys create --email` as a user runs them: child processes over RPC
// against a real server whose mail goes to a file sink (one .eml per message, as with `make start`).
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ADMIN_KEY, BaseUrl, TestServer } from "../support/TestServer.ts"

const cli = path.resolve(import.meta.dirname, "../../src/main.ts")
const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-mail-"))

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** `tally <args> --url <server>`; no TALLY_API_KEY unless `env` gives one. */
const tally = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.flatMap(BaseUrl, (url) =>
    Effect.promise(
      () =>
        new Promise<Run>((resolve) => {
          const { TALLY_API_KEY: _k, TALLY_PASSWORD: _p, ...rest } = process.env
          execFile(
            process.execPath,
            [cli, ...args, "--url", url],
            { env: { ...rest, ...env }, timeout: 60_000 },
            (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
          )
        })
    )
  )

const admin = { TALLY_API_KEY: ADMIN_KEY }
const password = "correct horse battery"

const waitForMail = Effect.gen(function* () {
  for (let i = 0; i < 300; i++) {
    const files = fs.readdirSync(mailDir).filter((f) => f.endsWith(".eml"))
    if (files.length > 0) return fs.readFileSync(path.join(mailDir, files[0]!), "utf8")
    yield* Effect.sleep("50 millis")
  }
  return yield* Effect.die(new Error("no mail"))
})

layer(
  TestServer({
    env: {
      TALLY_MAIL_URL: `file:${mailDir}`,
      TALLY_DISPATCH_POLL_INTERVAL_MS: "50",
      TALLY_PASSWORD_SCRYPT_COST: "1024"
    }
  }),
  { timeout: 180_000, excludeTestServices: true }
)("tally users, webhooks, jobs", (it) => {
  it.effect("signup without a key, confirm with the mailed token, a key with --email, the admin's lists", () =>
    Effect.gen(function* () {
      const signup = yield* tally(["users", "signup", "--email", "cli@example.com", "--name", "Cli User"], {
        TALLY_PASSWORD: password
      })
      assert.strictEqual(signup.code, 0, signup.stderr)
      assert.include(signup.stdout, "cli@example.com")
      assert.include(signup.stdout, "unconfirmed")

      const mail = yield* waitForMail
      const token = /tc_[A-Za-z0-9_-]+/.exec(mail.replace(/=\r?\n/g, ""))![0]
      const confirm = yield* tally(["users", "confirm", "--token", token])
      assert.strictEqual(confirm.code, 0, confirm.stderr)
      assert.match(confirm.stdout, /confirmed .* wallet /)
      const again = yield* tally(["users", "confirm", "--token", token, "--json"])
      assert.strictEqual(again.code, 2)
      assert.strictEqual(JSON.parse(again.stdout).error.code, "confirmation_token_used")

      const wrong = yield* tally(["api-keys", "create", "--email", "cli@example.com"], { TALLY_PASSWORD: "nope nope" })
      assert.strictEqual(wrong.code, 1)
      assert.include(wrong.stderr, "invalid_credentials")
      const key = yield* tally(["api-keys", "create", "--email", "cli@example.com", "--json"], {
        TALLY_PASSWORD: password
      })
      assert.strictEqual(key.code, 0, key.stderr)
      const created = JSON.parse(key.stdout)
      const accounts = yield* tally(["accounts", "list", "--json"], { TALLY_API_KEY: created.key })
      assert.strictEqual(accounts.code, 0, accounts.stderr)
      assert.lengthOf(JSON.parse(accounts.stdout).items, 1)

      const users = yield* tally(["users", "list"], admin)
      assert.strictEqual(users.code, 0, users.stderr)
      assert.include(users.stdout, "cli@example.com")
      const notAdmin = yield* tally(["users", "list"], { TALLY_API_KEY: created.key })
      assert.strictEqual(notAdmin.code, 1)
      assert.include(notAdmin.stderr, "admin_required")
    })
  )

  it.effect("webhooks create|list, jobs list|retry", () =>
    Effect.gen(function* () {
      const hook = yield* tally(
        ["webhooks", "create", "--endpoint", "https://93.184.215.14/hook", "--events", "transfer.posted,hold.created"],
        { ...admin, TALLY_WEBHOOK_SECRET: "whsec_0123456789abcdef" }
      )
      assert.strictEqual(hook.code, 0, hook.stderr)
      assert.include(hook.stdout, "transfer.posted,hold.created")
      const privateHook = yield* tally(
        ["webhooks", "create", "--endpoint", "http://127.0.0.1:1/x", "--secret", "whsec_0123456789abcdef"],
        admin
      )
      assert.strictEqual(privateHook.code, 2)
      assert.include(privateHook.stderr, "webhook_url_private")
      const hooks = yield* tally(["webhooks", "list"], admin)
      assert.include(hooks.stdout, "https://93.184.215.14/hook")

      const jobs = yield* tally(["jobs", "list", "--events", "user.signed_up", "--json"], admin)
      assert.strictEqual(jobs.code, 0, jobs.stderr)
      const page = JSON.parse(jobs.stdout)
      assert.lengthOf(page.items, 1)
      assert.strictEqual(page.items[0].event.data.token, "[redacted]")
      assert.notMatch(jobs.stdout, /tc_[A-Za-z0-9_-]{20,}/)
      const text = yield* tally(["jobs", "list", "--status-in", "succeeded"], admin)
      assert.include(text.stdout, "user.signed_up")
      const retry = yield* tally(["jobs", "retry", page.items[0].id], admin)
      assert.strictEqual(retry.code, 2)
      assert.include(retry.stderr, "job_not_retryable")
    })
  )
})
