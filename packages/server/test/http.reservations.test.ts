// Events, reservations and ratings over HTTP against a real server: the flow a curl user follows, the refusals,
// and 1,000 concurrent reservations for 100 seats.
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { call, TestServer } from "./support/TestServer.ts"

const open = (currency: string, options: { allowNegative?: boolean; key?: string } = {}) =>
  Effect.map(
    call("POST", "/v1/accounts", {
      body: { currency, ...(options.allowNegative ? { allowNegative: true } : {}) },
      ...(options.key === undefined ? {} : { key: options.key })
    }),
    (r) => {
      assert.strictEqual(r.status, 201, JSON.stringify(r.body))
      return r.body.id as string
    }
  )

const fund = (from: string, to: string, amount: string) =>
  Effect.map(call("POST", "/v1/transfers", { body: { debitAccountId: from, creditAccountId: to, amount } }), (r) =>
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
  )

const balances = (id: string, key?: string) =>
  Effect.map(
    call("GET", `/v1/accounts/${id}`, key === undefined ? {} : { key }),
    (r) => r.body.balances as Record<string, string>
  )

const userKey = (name: string) =>
  Effect.map(call("POST", "/v1/api-keys", { body: { ownerName: name } }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return { key: r.body.key as string, ownerId: r.body.ownerId as string }
  })

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString()

const createEvent = (organizer: string, capacity: number, price: string, key?: string) =>
  Effect.map(
    call("POST", "/v1/events", {
      body: { organizerAccountId: organizer, title: "Tally live", startsAt: inAnHour(), capacity, price },
      ...(key === undefined ? {} : { key })
    }),
    (r) => {
      assert.strictEqual(r.status, 201, JSON.stringify(r.body))
      return r.body.id as string
    }
  )

layer(TestServer({ env: { TALLY_RATE_LIMIT_PER_SECOND: "0" } }), { timeout: 300_000 })(
  "HTTP events, reservations, ratings",
  (it) => {
    it.effect("reserve → confirm → rate, as a user would with curl; refusals take nothing", () =>
      Effect.gen(function* () {
        const world = yield* open("EUR", { allowNegative: true })
        const organizerUser = yield* userKey("organizer")
        const alice = yield* userKey("alice")
        const bob = yield* userKey("bob")
        const organizer = yield* open("EUR", { key: organizerUser.key })
        const aliceAccount = yield* open("EUR", { key: alice.key })
        const bobAccount = yield* open("EUR", { key: bob.key })
        yield* fund(world, aliceAccount, "10000")

        const eventId = yield* createEvent(organizer, 3, "2500", organizerUser.key)
        const event = yield* call("GET", `/v1/events/${eventId}`, { key: alice.key })
        assert.deepStrictEqual(event.body.seats, { capacity: 3, available: 3, held: 0, sold: 0 })
        assert.strictEqual(event.body.currency, "EUR")

        // someone else's account cannot organize; only the organizer may change the event
        const foreign = yield* call("POST", "/v1/events", {
          key: alice.key,
          body: { organizerAccountId: organizer, title: "x", startsAt: inAnHour(), capacity: 1, price: "1" }
        })
        assert.strictEqual(foreign.status, 404)
        assert.strictEqual(foreign.body.code, "organizer_account_not_found")
        const notMine = yield* call("PATCH", `/v1/events/${eventId}`, { key: alice.key, body: { title: "mine" } })
        assert.strictEqual(notMine.status, 403)
        assert.strictEqual(notMine.body.code, "not_event_organizer")
        const renamed = yield* call("PATCH", `/v1/events/${eventId}`, {
          key: organizerUser.key,
          body: { title: "Tally live!" }
        })
        assert.strictEqual(renamed.status, 200, JSON.stringify(renamed.body))
        assert.strictEqual(renamed.body.title, "Tally live!")

        // bob has no money: 422 insufficient_funds, no seat, no hold
        const broke = yield* call("POST", `/v1/events/${eventId}/reservations`, {
          key: bob.key,
          body: { quantity: 1, payerAccountId: bobAccount }
        })
        assert.strictEqual(broke.status, 422, JSON.stringify(broke.body))
        assert.strictEqual(broke.body.code, "insufficient_funds")
        assert.strictEqual((yield* balances(bobAccount, bob.key)).pendingDebits, "0")
        assert.strictEqual((yield* call("GET", `/v1/events/${eventId}`)).body.seats.held, 0)

        // more than the event has
        const tooMany = yield* call("POST", `/v1/events/${eventId}/reservations`, {
          key: alice.key,
          body: { quantity: 4, payerAccountId: aliceAccount }
        })
        assert.strictEqual(tooMany.status, 422)
        assert.strictEqual(tooMany.body.code, "quantity_exceeds_capacity")

        // alice reserves two seats; the idempotency key replays the first answer
        const headers = { "idempotency-key": "alice-seats-1" }
        const held = yield* call("POST", `/v1/events/${eventId}/reservations`, {
          key: alice.key,
          headers,
          body: { quantity: 2, payerAccountId: aliceAccount }
        })
        assert.strictEqual(held.status, 201, JSON.stringify(held.body))
        assert.strictEqual(held.body.status, "held")
        assert.strictEqual(held.body.amount, "5000")
        assert.isString(held.body.expiresAt)
        assert.isString(held.body.transferId)
        const again = yield* call("POST", `/v1/events/${eventId}/reservations`, {
          key: alice.key,
          headers,
          body: { quantity: 2, payerAccountId: aliceAccount }
        })
        assert.strictEqual(again.status, 201)
        assert.strictEqual(again.headers.get("idempotent-replayed"), "true")
        assert.strictEqual(again.body.id, held.body.id)
        assert.deepStrictEqual((yield* call("GET", `/v1/events/${eventId}`)).body.seats, {
          capacity: 3,
          available: 1,
          held: 2,
          sold: 0
        })
        const hold = yield* call("GET", `/v1/transfers/${held.body.transferId}`)
        assert.strictEqual(hold.body.status, "pending")
        assert.strictEqual((yield* balances(aliceAccount, alice.key)).pendingDebits, "5000")

        // another holder cannot see or confirm it
        const stranger = yield* call("POST", `/v1/reservations/${held.body.id}/confirm`, { key: bob.key })
        assert.strictEqual(stranger.status, 404)
        assert.strictEqual(stranger.body.code, "reservation_not_found")

        // bob is no ticket holder: he may not rate
        const rateEarly = yield* call("POST", `/v1/events/${eventId}/ratings`, { key: bob.key, body: { value: 5 } })
        assert.strictEqual(rateEarly.status, 403)
        assert.strictEqual(rateEarly.body.code, "not_a_ticket_holder")

        const confirmed = yield* call("POST", `/v1/reservations/${held.body.id}/confirm`, { key: alice.key })
        assert.strictEqual(confirmed.status, 200, JSON.stringify(confirmed.body))
        assert.strictEqual(confirmed.body.status, "confirmed")
        assert.strictEqual(confirmed.body.tickets.length, 2)
        for (const t of confirmed.body.tickets) assert.match(t.verificationCode, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)
        // a retry (as curl sends it, with a JSON content type and no body) returns the same tickets
        const retried = yield* call("POST", `/v1/reservations/${held.body.id}/confirm`, {
          key: alice.key,
          headers: { "content-type": "application/json" }
        })
        assert.strictEqual(retried.status, 200, JSON.stringify(retried.body))
        assert.deepStrictEqual(retried.body.tickets, confirmed.body.tickets)
        assert.deepStrictEqual(yield* balances(aliceAccount, alice.key), {
          posted: "5000",
          pendingDebits: "0",
          pendingCredits: "0",
          available: "5000"
        })
        assert.strictEqual((yield* balances(organizer, organizerUser.key)).posted, "5000")
        assert.deepStrictEqual((yield* call("GET", `/v1/events/${eventId}`)).body.seats, {
          capacity: 3,
          available: 1,
          held: 0,
          sold: 2
        })
        const got = yield* call("GET", `/v1/reservations/${held.body.id}`, { key: alice.key })
        assert.strictEqual(got.body.tickets.length, 2)

        // a rating, and a changed rating: one current rating per user
        const outOfRange = yield* call("POST", `/v1/events/${eventId}/ratings`, {
          key: alice.key,
          body: { value: 6 }
        })
        assert.strictEqual(outOfRange.status, 400)
        assert.strictEqual(outOfRange.body.code, "rating_out_of_range")
        assert.strictEqual(
          (yield* call("POST", `/v1/events/${eventId}/ratings`, { key: alice.key, body: { value: 2 } })).status,
          200
        )
        const rated = yield* call("POST", `/v1/events/${eventId}/ratings`, { key: alice.key, body: { value: 4 } })
        assert.deepStrictEqual(rated.body, {
          eventId,
          histogram: { "1": 0, "2": 0, "3": 0, "4": 1, "5": 0 },
          count: 1,
          average: 4,
          stats: { median: 4, standardDeviation: 0 }
        })
        assert.deepStrictEqual((yield* call("GET", `/v1/events/${eventId}/ratings`, { key: bob.key })).body, rated.body)
        const admin = yield* call("POST", `/v1/events/${eventId}/ratings`, { body: { value: 3 } })
        assert.strictEqual(admin.status, 403)
        assert.strictEqual(admin.body.code, "user_key_required")
        const rebuilt = yield* call("POST", "/v1/ratings/rebuild", { body: { eventId } })
        assert.strictEqual(rebuilt.status, 200, JSON.stringify(rebuilt.body))
        assert.deepStrictEqual(rebuilt.body.events, [
          { eventId, changed: false, before: rated.body, after: rated.body }
        ])

        // a held reservation cancelled gives its seat and its hold back
        const one = yield* call("POST", `/v1/events/${eventId}/reservations`, {
          key: alice.key,
          body: { quantity: 1, payerAccountId: aliceAccount }
        })
        assert.strictEqual(one.status, 201)
        const soldOut = yield* call("POST", `/v1/events/${eventId}/reservations`, {
          key: alice.key,
          body: { quantity: 1, payerAccountId: aliceAccount }
        })
        assert.strictEqual(soldOut.status, 422)
        assert.strictEqual(soldOut.body.code, "seats_sold_out")
        const cancelled = yield* call("POST", `/v1/reservations/${one.body.id}/cancel`, { key: alice.key })
        assert.strictEqual(cancelled.body.status, "cancelled")
        assert.strictEqual((yield* call("GET", `/v1/transfers/${one.body.transferId}`)).body.status, "voided")
        assert.strictEqual((yield* balances(aliceAccount, alice.key)).pendingDebits, "0")

        // lists: upcoming and by organizer
        const listed = yield* call("GET", `/v1/events?upcoming=true&organizerAccountId=${organizer}`)
        assert.deepStrictEqual(
          listed.body.items.map((e: { id: string }) => e.id),
          [eventId]
        )

        // the organizer cancels: the confirmed tickets are refunded through the ledger
        const cancelEvent = yield* call("POST", `/v1/events/${eventId}/cancel`, { key: organizerUser.key })
        assert.strictEqual(cancelEvent.status, 200, JSON.stringify(cancelEvent.body))
        assert.strictEqual(cancelEvent.body.refunded, 1)
        assert.strictEqual(cancelEvent.body.event.status, "cancelled")
        assert.strictEqual((yield* balances(aliceAccount, alice.key)).posted, "10000")
        assert.strictEqual((yield* balances(organizer, organizerUser.key)).posted, "0")
        const late = yield* call("POST", `/v1/events/${eventId}/reservations`, {
          key: alice.key,
          body: { quantity: 1, payerAccountId: aliceAccount }
        })
        assert.strictEqual(late.body.code, "event_cancelled")
        const upcoming = yield* call("GET", `/v1/events?upcoming=true&organizerAccountId=${organizer}`)
        assert.deepStrictEqual(upcoming.body.items, [])
      })
    )

    it.effect(
      "1,000 concurrent reservations for 100 seats: exactly 100 taken, counts and holds consistent at every sample",
      () =>
        Effect.gen(function* () {
          const sql = yield* PgClient.PgClient
          const capacity = 100
          const buyers = 1000
          const price = 700n
          const world = yield* open("EUR", { allowNegative: true })
          const organizer = yield* open("EUR")
          const payers = yield* Effect.forEach(
            Array.from({ length: buyers }, () => 0),
            () => open("EUR"),
            { concurrency: 16 }
          )
          // one in ten buyers has no money: refused, never charged
          const unfunded = new Set(payers.filter((_, i) => i % 10 === 9))
          const funded = payers.filter((p) => !unfunded.has(p))
          for (let i = 0; i < funded.length; i += 1000) {
            const r = yield* call("POST", "/v1/transfer-batches", {
              body: {
                transfers: funded
                  .slice(i, i + 1000)
                  .map((p) => ({ debitAccountId: world, creditAccountId: p, amount: "1000" }))
              }
            })
            assert.strictEqual(r.status, 201, JSON.stringify(r.body))
          }
          const eventId = yield* createEvent(organizer, capacity, price.toString())
          console.log(`setup: ${buyers} payers opened and funded`)

          // a consistent snapshot of the event's counters and the organizer's held credits
          const violations: Array<string> = []
          let samples = 0
          const sample = sql
            .withTransaction(
              Effect.gen(function* () {
                yield* sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`
                const [e] = yield* sql<{
                  capacity: number
                  held: number
                  sold: number
                }>`SELECT capacity, held, sold FROM ticketed_events WHERE id = ${eventId}`
                const [a] = yield* sql<{ pending: string; posted: string }>`
                  SELECT pending_credits::text AS pending, posted::text AS posted FROM accounts WHERE id = ${organizer}`
                const [r] = yield* sql<{ held: number; sold: number }>`
                  SELECT coalesce(sum(quantity) FILTER (WHERE status = 'held'), 0)::int AS held,
                    coalesce(sum(quantity) FILTER (WHERE status = 'confirmed'), 0)::int AS sold
                  FROM reservations WHERE event_id = ${eventId}`
                samples++
                const free = e!.capacity - e!.held - e!.sold
                if (free < 0 || e!.held < 0 || e!.sold < 0) violations.push(`counts ${JSON.stringify(e)}`)
                if (e!.held + e!.sold + free !== capacity) violations.push(`capacity ${JSON.stringify(e)}`)
                if (BigInt(a!.pending) !== BigInt(e!.held) * price) {
                  violations.push(`held funds ${a!.pending} for ${e!.held} seats`)
                }
                if (BigInt(a!.posted) !== BigInt(e!.sold) * price) {
                  violations.push(`posted ${a!.posted} for ${e!.sold} seats`)
                }
                if (r!.held !== e!.held || r!.sold !== e!.sold) {
                  violations.push(`reservations ${JSON.stringify(r)} vs counters ${JSON.stringify(e)}`)
                }
              })
            )
            .pipe(Effect.orDie)
          const over = { done: false }
          const sampler = yield* Effect.forkChild(
            Effect.gen(function* () {
              while (!over.done) {
                yield* sample
                // the HTTP view too: what a client sees is never oversold
                const seen = yield* call("GET", `/v1/events/${eventId}`)
                const s = seen.body.seats
                if (s.available < 0 || s.held + s.sold + s.available !== capacity) {
                  violations.push(`http ${JSON.stringify(s)}`)
                }
                // a real pause: it.effect's clock is a TestClock
                yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
              }
            })
          )

          // every buyer at once; every second success confirms at once
          const started = Date.now()
          const outcomes = yield* Effect.forEach(
            payers,
            (payer, i) =>
              Effect.gen(function* () {
                const r = yield* call("POST", `/v1/events/${eventId}/reservations`, {
                  body: { quantity: 1, payerAccountId: payer }
                })
                if (r.status === 201 && i % 2 === 0) {
                  const c = yield* call("POST", `/v1/reservations/${r.body.id}/confirm`)
                  assert.strictEqual(c.status, 200, JSON.stringify(c.body))
                  return { payer, status: r.status, code: "confirmed" as string }
                }
                return { payer, status: r.status, code: (r.status === 201 ? "held" : r.body.code) as string }
              }),
            { concurrency: "unbounded" }
          )
          over.done = true
          const stormMs = Date.now() - started
          yield* Fiber.join(sampler)
          yield* sample

          assert.deepStrictEqual(violations, [])
          assert.isAbove(samples, 2)
          const won = outcomes.filter((o) => o.status === 201)
          assert.strictEqual(won.length, capacity)
          for (const o of outcomes.filter((o) => o.status !== 201)) {
            assert.strictEqual(o.status, 422)
            assert.include(["seats_sold_out", "insufficient_funds"], o.code)
          }
          for (const o of won) assert.isFalse(unfunded.has(o.payer))
          const event = (yield* call("GET", `/v1/events/${eventId}`)).body
          const confirmed = won.filter((o) => o.code === "confirmed").length
          assert.deepStrictEqual(event.seats, { capacity, available: 0, held: capacity - confirmed, sold: confirmed })

          // no payer charged without a seat: every payer's balances are exactly what its seat (if any) explains
          const byPayer = new Map(outcomes.map((o) => [o.payer, o]))
          const rows = yield* sql<{ id: string; posted: string; pending: string }>`
            SELECT id, posted::text AS posted, pending_debits::text AS pending FROM accounts
            WHERE id IN ${sql.in(payers)}`
          assert.strictEqual(rows.length, buyers)
          for (const row of rows) {
            const o = byPayer.get(row.id)!
            const initial = unfunded.has(row.id) ? 0n : 1000n
            const expected =
              o.code === "confirmed"
                ? { posted: initial - price, pending: 0n }
                : o.code === "held"
                  ? { posted: initial, pending: price }
                  : { posted: initial, pending: 0n }
            assert.deepStrictEqual(
              { posted: BigInt(row.posted), pending: BigInt(row.pending) },
              expected,
              `payer ${row.id} (${o.code})`
            )
          }
          console.log(
            `1,000 buyers / 100 seats: ${samples} consistent samples, ${confirmed} confirmed, storm ${stormMs} ms`
          )
        }),
      240_000
    )
  }
)
