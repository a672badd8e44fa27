// Tailing the transfer list and an account's entries over HTTP with `tailCursor` (issue 10 A7).
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { call, TestServer } from "./support/TestServer.ts"

const open = (currency: string, allowNegative = false) =>
  Effect.map(call("POST", "/v1/accounts", { body: { currency, ...(allowNegative ? { allowNegative } : {}) } }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.id as string
  })

const pay = (debitAccountId: string, creditAccountId: string, amount: string) =>
  Effect.map(call("POST", "/v1/transfers", { body: { debitAccountId, creditAccountId, amount } }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.id as string
  })

/** Reads a list to its current end, following tailCursor; returns the ids read and where to resume. */
const drain = (path: string, from: string | null) =>
  Effect.gen(function* () {
    const ids: Array<string> = []
    let cursor = from
    for (;;) {
      const page = yield* call("GET", `${path}?limit=2${cursor === null ? "" : `&cursor=${cursor}`}`)
      assert.strictEqual(page.status, 200, JSON.stringify(page.body))
      ids.push(...page.body.items.map((i: { id?: string; transferId?: string }) => i.id ?? i.transferId))
      cursor = page.body.tailCursor
      if (page.body.nextCursor === null) return { ids, cursor }
    }
  })

layer(TestServer(), { timeout: 120_000 })("HTTP tailing", (it) => {
  it.effect("a client resuming from tailCursor gets exactly what committed since", () =>
    Effect.gen(function* () {
      const world = yield* open("EUR", true)
      const alice = yield* open("EUR")
      const first = [yield* pay(world, alice, "500"), yield* pay(world, alice, "300"), yield* pay(world, alice, "1")]
      const read = yield* drain("/v1/transfers", null)
      assert.includeMembers(read.ids, first)
      assert.isString(read.cursor)
      const idle = yield* call("GET", `/v1/transfers?cursor=${read.cursor}`)
      assert.deepStrictEqual([idle.body.items, idle.body.nextCursor, idle.body.tailCursor], [[], null, read.cursor])
      const later = [yield* pay(alice, world, "7"), yield* pay(world, alice, "9")]
      assert.deepStrictEqual((yield* drain("/v1/transfers", read.cursor)).ids, later)

      const entries = yield* drain(`/v1/accounts/${alice}/entries`, null)
      assert.deepStrictEqual(entries.ids, [...first, ...later])
      const more = yield* pay(world, alice, "2")
      assert.deepStrictEqual((yield* drain(`/v1/accounts/${alice}/entries`, entries.cursor)).ids, [more])
    })
  )
})
