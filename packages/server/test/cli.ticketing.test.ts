// `tally events|reservations|ratings …` as a user runs them: reserve → confirm → rate, then rebuild the ratings.
import { execFile } from "node:child_process"
import * as path from "node:path"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ADMIN_KEY, BaseUrl, TestServer } from "./support/TestServer.ts"

const cli = path.resolve(import.meta.dirname, "../src/main.ts")

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const tally = (args: ReadonlyArray<string>, key = ADMIN_KEY) =>
  Effect.flatMap(BaseUrl, (url) =>
    Effect.promise(
      () =>
        new Promise<Run>((resolve) => {
          const { TALLY_API_KEY: _unset, ...rest } = process.env
          execFile(
            process.execPath,
            [cli, ...args, "--url", url],
            { env: { ...rest, TALLY_API_KEY: key }, timeout: 60_000 },
            (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
          )
        })
    )
  )

// biome-ignore lint/suspicious/noExplicitAny: test convenience for JSON output
const json = (args: ReadonlyArray<string>, key = ADMIN_KEY): Effect.Effect<any, never, BaseUrl> =>
  Effect.map(tally([...args, "--json"], key), (r) => {
    assert.strictEqual(r.code, 0, `${args.join(" ")}: ${r.stderr}${r.stdout}`)
    return JSON.parse(r.stdout)
  })

layer(TestServer(), { timeout: 180_000, excludeTestServices: true })("tally events, reservations, ratings", (it) => {
  it.effect(
    "reserve → confirm → rate with the CLI; a sold-out event exits 2; ratings rebuild gives the same numbers",
    () =>
      Effect.gen(function* () {
        const alice = yield* json(["api-keys", "create", "--owner-name", "alice"])
        const world = yield* json(["accounts", "create", "--currency", "EUR", "--allow-negative"])
        const organizer = yield* json(["accounts", "create", "--currency", "EUR"])
        const wallet = yield* json(["accounts", "create", "--currency", "EUR"], alice.key)
        yield* json(["transfers", "create", "--debit", world.id, "--credit", wallet.id, "--amount", "10000"])

        const startsAt = new Date(Date.now() + 86_400_000).toISOString()
        const event = yield* json([
          "events",
          "create",
          "--organizer",
          organizer.id,
          "--title",
          "Tally unplugged",
          "--starts-at",
          startsAt,
          "--capacity",
          "2",
          "--price",
          "1500"
        ])
        assert.deepStrictEqual(event.seats, { capacity: 2, available: 2, held: 0, sold: 0 })
        const listed = yield* tally(["events", "list", "--upcoming"], alice.key)
        assert.strictEqual(listed.code, 0, listed.stderr)
        assert.match(listed.stdout, /15\.00 EUR\/seat {2}seats 2 free, 0 held, 0 sold of 2 {2}Tally unplugged/)

        const held = yield* json(
          ["reservations", "create", "--event", event.id, "--quantity", "2", "--payer", wallet.id],
          alice.key
        )
        assert.strictEqual(held.status, "held")
        assert.strictEqual(held.amount, "3000")
        const soldOut = yield* tally(["reservations", "create", "--event", event.id, "--payer", wallet.id], alice.key)
        assert.strictEqual(soldOut.code, 2)
        assert.match(soldOut.stderr, /^seats_sold_out: /)

        const confirmed = yield* tally(["reservations", "confirm", held.id], alice.key)
        assert.strictEqual(confirmed.code, 0, confirmed.stderr)
        assert.match(confirmed.stdout, /confirmed {2}2 seat\(s\)/)
        assert.strictEqual(confirmed.stdout.match(/ticket {5}\S+ {2}seat \d {2}code [0-9A-Z-]{19}/g)?.length, 2)
        assert.strictEqual((yield* json(["accounts", "get", wallet.id], alice.key)).balances.available, "7000")

        const notYours = yield* tally(["ratings", "add", "--event", event.id, "--value", "5"])
        assert.strictEqual(notYours.code, 1)
        assert.match(notYours.stderr, /^user_key_required: /)
        const rated = yield* json(["ratings", "add", "--event", event.id, "--value", "5"], alice.key)
        assert.deepStrictEqual(rated.histogram, { "1": 0, "2": 0, "3": 0, "4": 0, "5": 1 })
        const shown = yield* tally(["ratings", "get", "--event", event.id], alice.key)
        assert.strictEqual(shown.code, 0, shown.stderr)
        assert.match(shown.stdout, /1 rating\(s\) {2}average 5 {2}median 5 {2}standard deviation 0/)

        const rebuilt = yield* json(["ratings", "rebuild"])
        const mine = rebuilt.events.find((e: { eventId: string }) => e.eventId === event.id)
        assert.deepStrictEqual(mine, { eventId: event.id, changed: false, before: rated, after: rated })
        const rebuiltText = yield* tally(["ratings", "rebuild", "--event", event.id])
        assert.strictEqual(rebuiltText.code, 0, rebuiltText.stderr)
        assert.include(rebuiltText.stdout, shown.stdout.trim())
      })
  )
})
