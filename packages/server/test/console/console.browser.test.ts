// The console in a real browser: Debian's chromium (/usr/bin/chromium) driven by playwright-core, no JavaScript
// of our own on any page. Signup → the mail in the file sink → its confirm link → log in → reserve → confirm →
// rate; the histogram page is saved as test-results/console/histogram.png.
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { assert, layer } from "@effect/vitest"
import type { EventId } from "@tally/domain/ticketing/Event"
import * as Events from "@tally/domain/usecases/Events"
import { DateTime, Duration, Effect } from "effect"
import { type Browser, chromium } from "playwright-core"
import { confirmLink } from "../support/ConsoleClient.ts"
import { call, TestServer } from "../support/TestServer.ts"

const CHROMIUM = "/usr/bin/chromium"
const artifacts = path.resolve(import.meta.dirname, "../../../../test-results/console")

/** A port free right now on loopback: the mailed link must name the server's own address (TALLY_PUBLIC_URL). */
const port = await new Promise<number>((resolve, reject) => {
  const probe = net.createServer()
  probe.once("error", reject)
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as net.AddressInfo
    probe.close(() => resolve(port))
  })
})
const base = `http://127.0.0.1:${port}`
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-console-browser-"))

const launch = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // root in CI containers: chromium's sandbox needs an unprivileged user
      args: ["--no-sandbox", "--disable-dev-shm-usage"]
    })
  ),
  (browser: Browser) => Effect.promise(() => browser.close())
)

layer(
  TestServer({
    port,
    env: {
      TALLY_DATA_DIR: dataDir,
      TALLY_PUBLIC_URL: base,
      TALLY_DISPATCH_POLL_INTERVAL_MS: "50",
      TALLY_PASSWORD_SCRYPT_COST: "1024"
    }
  }),
  { timeout: 180_000, excludeTestServices: true }
)("console in chromium", (it) => {
  it.effect(
    "signup → mail → confirm → log in → reserve → confirm → rate, with JavaScript disabled",
    () =>
      Effect.gen(function* () {
        assert.isTrue(
          fs.existsSync(CHROMIUM),
          `${CHROMIUM} is missing: apt-get install chromium (scripts/test-deps.sh)`
        )
        const organizer = yield* call("POST", "/v1/accounts", { body: { currency: "EUR" } })
        const event = yield* Events.create(
          {
            id: crypto.randomUUID() as EventId,
            organizerAccountId: organizer.body.id,
            title: "Effect Days <live>",
            startsAt: DateTime.addDuration(yield* DateTime.now, Duration.days(3)),
            capacity: 50,
            priceMinor: 2500n
          },
          null
        )
        const browser = yield* launch
        // the console needs no script: run the whole journey with JavaScript off
        const context = yield* Effect.promise(() =>
          browser.newContext({ javaScriptEnabled: false, viewport: { width: 1000, height: 760 } })
        )
        const page = yield* Effect.promise(() => context.newPage())
        const go = <A>(f: () => Promise<A>) => Effect.promise(f)
        const email = "browser@example.com"
        const password = "correct horse battery"

        yield* go(() => page.goto(`${base}/console/signup`))
        yield* go(() => page.getByLabel("Email").fill(email))
        yield* go(() => page.getByLabel("Name").fill("Bea Browser"))
        yield* go(() => page.getByLabel(/^Password/).fill(password))
        yield* go(() => page.getByRole("button", { name: "Sign up" }).click())
        assert.include(yield* go(() => page.textContent("main")), "We sent a confirmation link")

        const link = yield* confirmLink(path.join(dataDir, "mail"), email)
        assert.isTrue(link.startsWith(`${base}/console/confirm?token=`), link)
        yield* go(() => page.goto(link))
        yield* go(() => page.getByRole("button", { name: "Confirm my account" }).click())
        assert.include(yield* go(() => page.textContent("main")), "Your account is confirmed")

        yield* go(() => page.getByLabel("Email").fill(email))
        yield* go(() => page.getByLabel("Password", { exact: true }).fill(password))
        yield* go(() => page.getByRole("button", { name: "Log in", exact: true }).click())
        assert.strictEqual(yield* go(() => page.textContent("h1")), "Your accounts")
        const wallet = (yield* go(() => page.locator("table code").first().textContent()))!.trim()
        const bank = yield* call("POST", "/v1/accounts", { body: { currency: "EUR", allowNegative: true } })
        const funded = yield* call("POST", "/v1/transfers", {
          body: { debitAccountId: bank.body.id, creditAccountId: wallet, amount: "20000" }
        })
        assert.strictEqual(funded.status, 201)

        yield* go(() => page.getByRole("link", { name: "Events" }).click())
        yield* go(() => page.getByRole("link", { name: "Effect Days <live>" }).click())
        yield* go(() => page.getByLabel("Seats").fill("3"))
        yield* go(() => page.getByLabel("Pay from").selectOption(wallet))
        yield* go(() => page.getByRole("button", { name: "Reserve" }).click())
        assert.strictEqual(yield* go(() => page.textContent("#status")), "held")
        yield* go(() => page.getByRole("button", { name: "Confirm and pay" }).click())
        assert.strictEqual(yield* go(() => page.textContent("#status")), "confirmed")
        const tickets = yield* go(() => page.locator("table code").allTextContents())
        assert.strictEqual(tickets.length, 3)

        yield* go(() => page.getByRole("link", { name: "Rate this event" }).click())
        yield* go(() => page.getByLabel("5 ★").check())
        yield* go(() => page.getByRole("button", { name: "Rate" }).click())
        assert.include(yield* go(() => page.textContent("main")), "Thank you for your rating")
        assert.include(yield* go(() => page.textContent("figcaption")), "1 rating(s) · average 5.00")
        const bar = yield* go(() => page.getByRole("img", { name: "1 rating(s) of 5" }).boundingBox())
        assert.isAbove(bar!.width, 100)

        fs.mkdirSync(artifacts, { recursive: true })
        const file = path.join(artifacts, "histogram.png")
        yield* go(() => page.screenshot({ path: file, fullPage: true }))
        assert.isAbove(fs.statSync(file).size, 1000)

        const balance = yield* call("GET", `/v1/accounts/${wallet}`)
        assert.strictEqual(balance.body.balances.posted, "12500")
        assert.strictEqual((yield* Events.get(event.id)).seats.sold, 3)
      }),
    180_000
  )
})
