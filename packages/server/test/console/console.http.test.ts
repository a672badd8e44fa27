// The console over HTTP on a real server and PostgreSQL: signup → mail → confirm → login, each user sees only
// their own data, every form refuses a POST without its CSRF token, titles are escaped, sessions end at logout
// and at expiry, the admin sees the users list.
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, layer } from "@effect/vitest"
import type { AccountId } from "@tally/domain/Account"
import type { EventId } from "@tally/domain/ticketing/Event"
import * as Events from "@tally/domain/usecases/Events"
import * as Users from "@tally/domain/usecases/Users"
import { DateTime, Duration, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { ConsoleClient, confirmLink, consoleClient, csrfOf } from "../support/ConsoleClient.ts"
import { ADMIN_KEY, BaseUrl, call, TestServer } from "../support/TestServer.ts"

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-console-"))
const mailDir = path.join(dataDir, "mail")
const PUBLIC_URL = "http://console.tally.test"
const password = "correct horse battery"

const env = {
  TALLY_DATA_DIR: dataDir,
  TALLY_PUBLIC_URL: PUBLIC_URL,
  TALLY_DISPATCH_POLL_INTERVAL_MS: "50",
  TALLY_PASSWORD_SCRYPT_COST: "1024"
}

/** Signs up through the console, follows the mailed link's path on the test server, confirms, logs in. */
const signedIn = (email: string, name: string) =>
  Effect.gen(function* () {
    const browser = yield* consoleClient
    const signup = yield* browser.submit("/console/signup", "/console/signup", { email, name, password })
    assert.strictEqual(signup.status, 201)
    const link = yield* confirmLink(mailDir, email)
    assert.isTrue(link.startsWith(`${PUBLIC_URL}/console/confirm?token=tc_`), link)
    const confirmPath = link.slice(PUBLIC_URL.length)
    const shown = yield* browser.get(confirmPath)
    const token = new URL(link).searchParams.get("token")!
    assert.include(shown.body, `value="${token}"`)
    const confirmed = yield* browser.request("POST", "/console/confirm", { csrf: csrfOf(shown.body)!, token })
    assert.strictEqual(confirmed.status, 303)
    assert.strictEqual(confirmed.location, "/console/login?done=confirmed")
    const login = yield* browser.submit("/console/login", "/console/login", { email, password })
    assert.strictEqual(login.status, 303)
    assert.strictEqual(login.location, "/console")
    return { browser, login }
  })

const walletOf = (browser: ConsoleClient) =>
  Effect.gen(function* () {
    const home = yield* browser.get("/console")
    assert.strictEqual(home.status, 200)
    const id = /<td><code>([0-9a-f-]{36})<\/code><\/td><td>EUR<\/td>/.exec(home.body)?.[1]
    assert.isDefined(id)
    return id as AccountId
  })

/** Money into a wallet from a system account, through the API with the admin key. */
const fund = (wallet: AccountId, amount: string) =>
  Effect.gen(function* () {
    const bank = yield* call("POST", "/v1/accounts", { body: { currency: "EUR", allowNegative: true } })
    const paid = yield* call("POST", "/v1/transfers", {
      body: { debitAccountId: bank.body.id, creditAccountId: wallet, amount }
    })
    assert.strictEqual(paid.status, 201)
  })

const newEvent = (title: string, capacity = 10) =>
  Effect.gen(function* () {
    const organizer = yield* call("POST", "/v1/accounts", { body: { currency: "EUR" } })
    return yield* Events.create(
      {
        id: crypto.randomUUID() as EventId,
        organizerAccountId: organizer.body.id,
        title,
        startsAt: DateTime.addDuration(yield* DateTime.now, Duration.days(7)),
        capacity,
        priceMinor: 1500n
      },
      null
    )
  })

layer(TestServer({ env }), { timeout: 120_000, excludeTestServices: true })("console", (it) => {
  it.effect("signup, confirm by the mailed link, login: the session cookie is HttpOnly, SameSite=Lax, not Secure", () =>
    Effect.gen(function* () {
      const { login } = yield* signedIn("ada@example.com", "Ada Lovelace")
      const cookie = login.headers.getSetCookie().find((c) => c.startsWith("tally_session="))!
      assert.match(cookie, /HttpOnly/i)
      assert.match(cookie, /SameSite=Lax/i)
      assert.match(cookie, /Path=\/console/i)
      assert.notMatch(cookie, /Secure/i)
    })
  )

  it.effect("behind https (x-forwarded-proto) the session cookie is Secure", () =>
    Effect.gen(function* () {
      const base = yield* BaseUrl
      const browser = new ConsoleClient(base)
      const shown = yield* browser.get("/console/login")
      const response = yield* Effect.promise(() =>
        fetch(`${base}/console/login/admin`, {
          method: "POST",
          redirect: "manual",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "x-forwarded-proto": "https",
            cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ")
          },
          body: new URLSearchParams({ csrf: csrfOf(shown.body)!, key: ADMIN_KEY }).toString()
        })
      )
      assert.strictEqual(response.status, 303)
      assert.match(response.headers.getSetCookie().find((c) => c.startsWith("tally_session="))!, /; Secure/i)
    })
  )

  it.effect("logging in before confirming is refused; a wrong password too", () =>
    Effect.gen(function* () {
      const browser = yield* consoleClient
      yield* browser.submit("/console/signup", "/console/signup", {
        email: "late@example.com",
        name: "Late",
        password
      })
      const early = yield* browser.submit("/console/login", "/console/login", { email: "late@example.com", password })
      assert.strictEqual(early.status, 403)
      assert.include(early.body, "Confirm your account first")
      const wrong = yield* browser.submit("/console/login", "/console/login", {
        email: "late@example.com",
        password: "not the password"
      })
      assert.strictEqual(wrong.status, 401)
      assert.isFalse(browser.cookies.has("tally_session"))
    })
  )

  it.effect("each user sees only their own accounts, balances and transfers", () =>
    Effect.gen(function* () {
      const grace = yield* signedIn("grace@example.com", "Grace Hopper")
      const alan = yield* signedIn("alan@example.com", "Alan Turing")
      const graceWallet = yield* walletOf(grace.browser)
      const alanWallet = yield* walletOf(alan.browser)
      yield* fund(graceWallet, "12345")
      const graceHome = yield* grace.browser.get("/console")
      assert.include(graceHome.body, "Grace Hopper")
      assert.include(graceHome.body, "123.45")
      assert.include(graceHome.body, "posted")
      assert.notInclude(graceHome.body, alanWallet)
      const alanHome = yield* alan.browser.get("/console")
      assert.include(alanHome.body, "Alan Turing")
      assert.notInclude(alanHome.body, graceWallet)
      assert.notInclude(alanHome.body, "123.45")
      assert.include(alanHome.body, "No transfers yet")
    })
  )

  it.effect("every form refuses a POST without its CSRF token (403), or with another session's", () =>
    Effect.gen(function* () {
      const { browser } = yield* signedIn("mallory@example.com", "Mallory")
      const other = yield* signedIn("victim@example.com", "Victim")
      const event = yield* newEvent("CSRF night")
      const wallet = yield* walletOf(browser)
      const posts: ReadonlyArray<readonly [string, Record<string, string>]> = [
        ["/console/logout", {}],
        [
          `/console/events/${event.id}/reservations`,
          { quantity: "1", payerAccountId: wallet, reservationId: crypto.randomUUID() }
        ],
        [`/console/events/${event.id}/ratings`, { value: "5" }],
        [`/console/reservations/${crypto.randomUUID()}/confirm`, {}]
      ]
      const theirs = csrfOf((yield* other.browser.get("/console")).body)!
      for (const [action, fields] of posts) {
        assert.strictEqual((yield* browser.request("POST", action, fields)).status, 403, action)
        assert.strictEqual((yield* browser.request("POST", action, { ...fields, csrf: "forged" })).status, 403, action)
        assert.strictEqual((yield* browser.request("POST", action, { ...fields, csrf: theirs })).status, 403, action)
      }
      // still signed in: the refused logout did nothing
      assert.strictEqual((yield* browser.get("/console")).status, 200)
      // the signed-out forms: no token, or no cookie to match it
      const anonymous = yield* consoleClient
      const signup = { email: "csrf@example.com", name: "No Token", password }
      assert.strictEqual((yield* anonymous.request("POST", "/console/signup", signup)).status, 403)
      const page = yield* anonymous.get("/console/signup")
      const stranger = yield* consoleClient
      const replayed = yield* stranger.request("POST", "/console/signup", { ...signup, csrf: csrfOf(page.body)! })
      assert.strictEqual(replayed.status, 403)
      assert.strictEqual(
        (yield* anonymous.request("POST", "/console/login", { email: "x@example.com", password })).status,
        403
      )
      assert.strictEqual((yield* anonymous.request("POST", "/console/confirm", { token: "tc_x" })).status, 403)
      const users = yield* Users.list({ cursor: null, limit: 500 })
      assert.isFalse(users.items.some((u) => u.email === "csrf@example.com"))
    })
  )

  it.effect("reserve, confirm and rate in the console; the histogram shows the rating", () =>
    Effect.gen(function* () {
      const { browser } = yield* signedIn("fan@example.com", "Fan")
      const wallet = yield* walletOf(browser)
      yield* fund(wallet, "10000")
      const event = yield* newEvent("Concert", 10)
      const shown = yield* browser.get(`/console/events/${event.id}`)
      assert.include(shown.body, "10 free, 0 held, 0 sold of 10")
      const reservationId = /name="reservationId" value="([^"]+)"/.exec(shown.body)![1]!
      const reserved = yield* browser.request("POST", `/console/events/${event.id}/reservations`, {
        csrf: csrfOf(shown.body)!,
        quantity: "2",
        payerAccountId: wallet,
        reservationId
      })
      assert.strictEqual(reserved.status, 303)
      const reservationPath = reserved.location!.split("?")[0]!
      // the same form submitted twice is one reservation
      const again = yield* browser.request("POST", `/console/events/${event.id}/reservations`, {
        csrf: csrfOf(shown.body)!,
        quantity: "2",
        payerAccountId: wallet,
        reservationId
      })
      assert.strictEqual(again.location!.split("?")[0], reservationPath)
      const held = yield* browser.get(reserved.location!)
      assert.include(held.body, '<dd id="status">held</dd>')
      assert.include(held.body, "30.00 EUR")
      assert.include((yield* browser.get("/console")).body, "70.00") // available after the hold
      const notYet = yield* browser.submit(
        `/console/events/${event.id}/ratings`,
        `/console/events/${event.id}/ratings`,
        {
          value: "4"
        }
      )
      assert.strictEqual(notYet.status, 403)
      const paid = yield* browser.submit(reservationPath, `${reservationPath}/confirm`, {})
      assert.strictEqual(paid.status, 303)
      const confirmed = yield* browser.get(paid.location!)
      assert.include(confirmed.body, '<dd id="status">confirmed</dd>')
      assert.strictEqual(
        confirmed.body.match(/<code>[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}<\/code>/g)?.length,
        2
      )
      const rated = yield* browser.submit(
        `/console/events/${event.id}/ratings`,
        `/console/events/${event.id}/ratings`,
        {
          value: "4"
        }
      )
      assert.strictEqual(rated.status, 303)
      const ratings = yield* browser.get(rated.location!)
      assert.include(ratings.body, "1 rating(s) · average 4.00")
      assert.include(ratings.body, 'style="width:100%" role="img" aria-label="1 rating(s) of 4"')
      assert.include(ratings.body, 'style="width:0%" role="img" aria-label="0 rating(s) of 5"')
      // refusals are shown on the page, nothing taken: a malformed payer, funds short of the price
      const form = yield* browser.get(`/console/events/${event.id}`)
      const tryReserve = (fields: Record<string, string>) =>
        browser.request("POST", `/console/events/${event.id}/reservations`, {
          csrf: csrfOf(form.body)!,
          reservationId: crypto.randomUUID(),
          ...fields
        })
      const malformed = yield* tryReserve({ quantity: "1", payerAccountId: "not-an-account" })
      assert.strictEqual(malformed.status, 422)
      assert.include(malformed.body, "Choose one of your accounts")
      const short = yield* tryReserve({ quantity: "3", payerAccountId: wallet }) // 45.00 of 70.00 left: fine
      assert.strictEqual(short.status, 303)
      const broke = yield* tryReserve({ quantity: "2", payerAccountId: wallet }) // 30.00 of 25.00 left
      assert.strictEqual(broke.status, 422)
      assert.include(broke.body, "Not reserved: insufficient funds.")
      const soldOut = yield* tryReserve({ quantity: "6", payerAccountId: wallet })
      assert.strictEqual(soldOut.status, 422)
      assert.include(soldOut.body, "Not reserved: seats sold out.")
      assert.include((yield* browser.get(`/console/events/${event.id}`)).body, "5 free, 3 held, 2 sold of 10")
      // another user cannot see this reservation
      const other = yield* signedIn("nosy@example.com", "Nosy")
      assert.strictEqual((yield* other.browser.get(reservationPath)).status, 404)
    })
  )

  it.effect("an event title with markup is shown as text", () =>
    Effect.gen(function* () {
      const { browser } = yield* signedIn("xss@example.com", '<b>Bold</b> & "quoted"')
      const event = yield* newEvent(`<script>alert("x")</script><img src=x onerror=alert(1)>`)
      for (const url of ["/console/events", `/console/events/${event.id}`, `/console/events/${event.id}/ratings`]) {
        const body = (yield* browser.get(url)).body
        assert.notInclude(body, "<script>alert", url)
        assert.notInclude(body, "<img src=x", url)
        assert.include(body, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;", url)
        assert.include(body, "&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot;", url)
      }
      const page = yield* browser.get("/console/events")
      assert.match(page.headers.get("content-security-policy")!, /default-src 'none'/)
      // notices are fixed texts picked by name: a name that is no notice shows nothing
      for (const done of ["constructor", "__proto__", "<b>hi</b>"]) {
        const shown = yield* browser.get(`/console/events?done=${encodeURIComponent(done)}`)
        assert.strictEqual(shown.status, 200)
        assert.notInclude(shown.body, 'class="notice"', done)
      }
    })
  )

  it.effect("logout ends the session on the server; an expired session is refused", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { browser } = yield* signedIn("leaving@example.com", "Leaving")
      const token = browser.cookies.get("tally_session")!
      const out = yield* browser.submit("/console", "/console/logout", {})
      assert.strictEqual(out.status, 303)
      assert.isFalse(browser.cookies.has("tally_session"))
      // the old cookie presented again is worth nothing
      browser.cookies.set("tally_session", token)
      const after = yield* browser.get("/console")
      assert.strictEqual(after.status, 303)
      assert.strictEqual(after.location, "/console/login")

      const second = yield* signedIn("leaving2@example.com", "Leaving Too")
      assert.strictEqual((yield* second.browser.get("/console")).status, 200)
      const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM console_sessions`
      assert.isAbove(rows[0]!.n, 0)
      const hashes = yield* sql<{ token_hash: string }>`SELECT token_hash FROM console_sessions`
      assert.isFalse(hashes.some((r) => r.token_hash === second.browser.cookies.get("tally_session")))
      yield* sql`UPDATE console_sessions SET expires_at = created_at + interval '1 millisecond'`
      const expired = yield* second.browser.get("/console")
      assert.strictEqual(expired.status, 303)
      assert.strictEqual(expired.location, "/console/login")
    })
  )

  it.effect("the admin (admin API key) sees the users list; a user does not", () =>
    Effect.gen(function* () {
      const { browser } = yield* signedIn("plain@example.com", "Plain User")
      assert.strictEqual((yield* browser.get("/console/admin/users")).status, 403)
      const admin = yield* consoleClient
      const wrong = yield* admin.submit("/console/login", "/console/login/admin", { key: "not-the-key" })
      assert.strictEqual(wrong.status, 401)
      const login = yield* admin.submit("/console/login", "/console/login/admin", { key: ADMIN_KEY })
      assert.strictEqual(login.status, 303)
      assert.strictEqual(login.location, "/console/admin/users")
      const users = yield* admin.get("/console/admin/users")
      assert.strictEqual(users.status, 200)
      assert.include(users.body, "plain@example.com")
      assert.include(users.body, "Plain User")
      assert.include(users.body, "ada@example.com")
    })
  )

  it.effect("unknown or malformed ids are 404 pages; a body that is not a form is 400", () =>
    Effect.gen(function* () {
      const { browser } = yield* signedIn("lost@example.com", "Lost")
      for (const url of [
        `/console/events/${crypto.randomUUID()}`,
        "/console/events/not-an-id",
        `/console/reservations/${crypto.randomUUID()}`,
        `/console/events/${crypto.randomUUID()}/ratings`
      ]) {
        const shown = yield* browser.get(url)
        assert.strictEqual(shown.status, 404, url)
        assert.include(shown.body, "Nothing here", url)
      }
      const base = yield* BaseUrl
      const json = yield* Effect.promise(() =>
        fetch(`${base}/console/logout`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ")
          },
          body: "{not json"
        })
      )
      assert.strictEqual(json.status, 400)
      assert.strictEqual((yield* browser.get("/console")).status, 200)
    })
  )

  it.effect("console pages are not API operations: /openapi.json lists no /console path", () =>
    Effect.gen(function* () {
      const spec = yield* call("GET", "/openapi.json", { key: null })
      assert.strictEqual(spec.status, 200)
      assert.isFalse(Object.keys(spec.body.paths).some((p) => p.startsWith("/console")))
    })
  )
})

layer(TestServer({ env: { ...env, TALLY_CONSOLE_LOGIN_ATTEMPTS_MAX: "3", TALLY_CONSOLE_LOGIN_WINDOW: "1 hour" } }), {
  timeout: 60_000,
  excludeTestServices: true
})("console login rate limit", (it) => {
  it.effect("after the allowed attempts, even the right password is refused with 429 and Retry-After", () =>
    Effect.gen(function* () {
      const browser = yield* consoleClient
      const attempt = (pw: string) =>
        browser.submit("/console/login", "/console/login", { email: "nobody@example.com", password: pw })
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* attempt(`guess-number-${i}`)).status, 401)
      const limited = yield* attempt("guess-number-4")
      assert.strictEqual(limited.status, 429)
      assert.isAbove(Number(limited.headers.get("retry-after")), 0)
      assert.include(limited.body, "Too many login attempts")
      // another email from the same address is still allowed (its own budget; the address limit is higher)
      const other = yield* browser.submit("/console/login", "/console/login", { email: "else@example.com", password })
      assert.strictEqual(other.status, 401)
    })
  )
})
