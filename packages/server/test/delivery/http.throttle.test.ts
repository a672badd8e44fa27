// Signup and login attempts are limited per client address and per email (429 with Retry-After, on HTTP and RPC
// alike); webhook URLs on loopback or private networks are refused at registration (SSRF).
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { makeTallyClient } from "../../src/rpc/Client.ts"
import { ADMIN_KEY, BaseUrl, call, TestServer } from "../support/TestServer.ts"

const password = "correct horse battery"
const signup = (email: string) => call("POST", "/v1/users", { key: null, body: { email, name: "N", password } })

layer(
  TestServer({
    env: {
      TALLY_DISPATCH_ENABLED: "false",
      TALLY_SIGNUP_RATE_PER_IP: "4",
      TALLY_SIGNUP_RATE_PER_EMAIL: "2",
      TALLY_LOGIN_RATE_PER_IP: "100",
      TALLY_LOGIN_RATE_PER_EMAIL: "2",
      TALLY_PASSWORD_SCRYPT_COST: "1024"
    }
  }),
  { timeout: 60_000, excludeTestServices: true }
)("signup and login throttling, SSRF", (it) => {
  it.effect("signup: per email, then per address → 429 signup_rate_limited with Retry-After", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* signup("a@example.com")).status, 201)
      assert.strictEqual((yield* signup("a@example.com")).status, 409)
      const byEmail = yield* signup("A@example.com")
      assert.strictEqual(byEmail.status, 429)
      assert.strictEqual(byEmail.body.code, "signup_rate_limited")
      assert.match(byEmail.body.detail, /email/)
      const retryAfter = Number(byEmail.headers.get("retry-after"))
      assert.isAbove(retryAfter, 0)
      assert.strictEqual(byEmail.body.retryAfterSeconds, retryAfter)
      // a fourth attempt from this address passes, the fifth does not, whatever the email
      assert.strictEqual((yield* signup("b@example.com")).status, 201)
      const byAddress = yield* signup("c@example.com")
      assert.strictEqual(byAddress.status, 429)
      assert.match(byAddress.body.detail, /address/)
      assert.isNotNull(byAddress.headers.get("retry-after"))
      const users = yield* call("GET", "/v1/users")
      assert.sameMembers(
        users.body.items.map((u: { email: string }) => u.email),
        ["a@example.com", "b@example.com"]
      )
    })
  )

  it.effect("RPC signups count for the same address (the socket's, not a header the client sends)", () =>
    Effect.gen(function* () {
      const client = yield* makeTallyClient({ url: yield* BaseUrl })
      const refused = yield* Effect.flip(client.users.signup({ email: "rpc@example.com", name: "R", password }))
      assert.strictEqual(refused._tag, "TooManyRequests")
      assert.strictEqual((refused as { code?: string }).code, "signup_rate_limited")
      const spoofed = yield* call("POST", "/v1/users", {
        key: null,
        headers: { "x-tally-client-address": "203.0.113.9" },
        body: { email: "spoof@example.com", name: "S", password }
      })
      assert.strictEqual(spoofed.status, 429)
      // nor can an RPC call's own headers (merged over the request's) name another address
      const perCall = yield* Effect.flip(
        client.users.signup(
          { email: "percall@example.com", name: "P", password },
          { headers: { "x-tally-client-address": "203.0.113.10", "x-forwarded-for": "203.0.113.11" } }
        )
      )
      assert.strictEqual(perCall._tag, "TooManyRequests")
      const admin = yield* makeTallyClient({ url: yield* BaseUrl, apiKey: ADMIN_KEY })
      const page = yield* admin.users.list({})
      assert.lengthOf(page.items, 2)
    }).pipe(Effect.scoped)
  )

  it.effect("login (HTTP Basic): per email → 429 login_rate_limited, whether the password is right or not", () =>
    Effect.gen(function* () {
      const basic = (p: string) => ({
        key: null,
        headers: { authorization: `Basic ${Buffer.from(`b@example.com:${p}`).toString("base64")}` },
        body: {}
      })
      const first = yield* call("POST", "/v1/api-keys", basic("wrong password 1"))
      assert.strictEqual(first.status, 401)
      assert.strictEqual(first.body.code, "invalid_credentials")
      assert.strictEqual((yield* call("POST", "/v1/api-keys", basic(password))).status, 403) // not confirmed
      const limited = yield* call("POST", "/v1/api-keys", basic(password))
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(limited.body.code, "login_rate_limited")
      assert.isAbove(Number(limited.headers.get("retry-after")), 0)
      // other emails are not affected
      const other = yield* call("POST", "/v1/api-keys", {
        ...basic("x"),
        headers: { authorization: `Basic ${Buffer.from("a@example.com:nope nope").toString("base64")}` }
      })
      assert.strictEqual(other.status, 401)
    })
  )

  it.effect("webhooks on loopback, private or unresolvable hosts are refused with 422", () =>
    Effect.gen(function* () {
      const register = (url: string) =>
        call("POST", "/v1/webhooks", { body: { url, secret: "whsec_0123456789abcdef", events: ["*"] } })
      for (const url of [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:192.168.0.1]/hook"
      ]) {
        const reply = yield* register(url)
        assert.strictEqual(reply.status, 422, url)
        assert.strictEqual(reply.body.code, "webhook_url_private", url)
      }
      assert.strictEqual((yield* register("ftp://example.com/x")).body.code, "webhook_url_invalid")
      assert.strictEqual((yield* register("http://does-not-exist.invalid/x")).body.code, "webhook_url_unresolvable")
      const hooks = yield* call("GET", "/v1/webhooks")
      assert.lengthOf(hooks.body.items, 0)
      // a public address literal needs no lookup and is accepted
      const ok = yield* register("https://93.184.215.14/hook")
      assert.strictEqual(ok.status, 201, JSON.stringify(ok.body))
    })
  )
})
