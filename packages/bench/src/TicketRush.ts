// `--scenario ticket-rush`: many buyers, one event, seats ≪ buyers, over HTTP against `tally serve`. Every buyer
// (its own funded account) asks for one seat at once (--concurrency in flight); each reservation won is confirmed.
// Reports reservations/s and the latency of the reservation requests, then checks on the database: exactly
// `seats` seats sold, as many confirmed reservations, and no payer charged (posted or held) without a seat.
import * as fs from "node:fs"
import * as path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { Console, Effect, Redacted, Schema } from "effect"
import * as BenchDatabaseLayer from "./BenchDatabase.ts"
import { BenchDatabase } from "./BenchDatabase.ts"
import { runStamp } from "./ReportFiles.ts"
import { round, summarize } from "./Stats.ts"
import { TallyProcesses } from "./TallyProcess.ts"

export interface TicketRushOptions {
  readonly buyers: number
  readonly seats: number
  readonly concurrency: number
  readonly poolMax: number
  readonly databaseUrl: string | undefined
  readonly keepDatabase: boolean
  readonly outDir: string
  readonly command: string
}

export class TicketRushBroken extends Schema.TaggedError<TicketRushBroken>()("TicketRushBroken", {
  report: Schema.String
}) {
  override get message() {
    return `TICKET RUSH CORRECTNESS BROKEN:\n${this.report}`
  }
}

const PRICE = 2_500n
const FUNDS = 10_000n

const say = (line: string) => Console.error(line)

const client = (baseUrl: string, key: string) => (method: string, url: string, body?: unknown) =>
  Effect.promise(async () => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` }
    if (body !== undefined) headers["content-type"] = "application/json"
    const response = await fetch(`${baseUrl}${url}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the API
    return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as any }
  })

const rush = (options: TicketRushOptions) =>
  Effect.gen(function* () {
    const [server] = yield* TallyProcesses
    const call = client(server!.baseUrl, Redacted.value(server!.adminKey))
    const created = (r: { status: number; body: { id?: string } }, what: string) =>
      r.status === 201
        ? Effect.succeed(r.body.id!)
        : Effect.die(new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`))
    yield* say(`setup: ${options.buyers} buyer accounts, one event of ${options.seats} seats…`)
    const world = yield* created(yield* call("POST", "/v1/accounts", { currency: "EUR", allowNegative: true }), "world")
    const organizer = yield* created(yield* call("POST", "/v1/accounts", { currency: "EUR" }), "organizer")
    const payers = yield* Effect.forEach(
      Array.from({ length: options.buyers }),
      () => Effect.flatMap(call("POST", "/v1/accounts", { currency: "EUR" }), (r) => created(r, "buyer")),
      { concurrency: 32 }
    )
    for (let i = 0; i < payers.length; i += 1000) {
      const r = yield* call("POST", "/v1/transfer-batches", {
        transfers: payers
          .slice(i, i + 1000)
          .map((p) => ({ debitAccountId: world, creditAccountId: p, amount: FUNDS.toString() }))
      })
      if (r.status !== 201) return yield* Effect.die(new Error(`funding: ${r.status} ${JSON.stringify(r.body)}`))
    }
    const eventId = yield* created(
      yield* call("POST", "/v1/events", {
        organizerAccountId: organizer,
        title: "ticket rush",
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        capacity: options.seats,
        price: PRICE.toString()
      }),
      "event"
    )

    yield* say(`rush: ${options.buyers} buyers, ${options.concurrency} in flight…`)
    const latencies: Array<number> = []
    const codes = new Map<string, number>()
    let confirmed = 0
    const started = performance.now()
    yield* Effect.forEach(
      payers,
      (payer) =>
        Effect.gen(function* () {
          const t0 = performance.now()
          const r = yield* call("POST", `/v1/events/${eventId}/reservations`, { quantity: 1, payerAccountId: payer })
          latencies.push((performance.now() - t0) / 1000)
          const code = r.status === 201 ? "held" : `${r.status} ${r.body?.code ?? "?"}`
          codes.set(code, (codes.get(code) ?? 0) + 1)
          if (r.status === 201) {
            const c = yield* call("POST", `/v1/reservations/${r.body.id}/confirm`)
            if (c.status === 200) confirmed++
            else codes.set(`confirm ${c.status} ${c.body?.code}`, (codes.get(`confirm ${c.status}`) ?? 0) + 1)
          }
        }),
      { concurrency: options.concurrency, discard: true }
    )
    const seconds = (performance.now() - started) / 1000
    return { eventId, organizer, payers, latencies, codes, confirmed, seconds }
  })

/** What the database says after the run. */
const verify = (eventId: string, organizer: string, payers: ReadonlyArray<string>, seats: number) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const [event] = yield* sql<{ held: number; sold: number; capacity: number }>`
      SELECT held, sold, capacity FROM ticketed_events WHERE id = ${eventId}`
    const [reservations] = yield* sql<{ confirmed: number; held: number }>`
      SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
        count(*) FILTER (WHERE status = 'held')::int AS held FROM reservations WHERE event_id = ${eventId}`
    // a payer whose balances moved must have a confirmed seat, and one seat's price moved exactly
    const [charged] = yield* sql<{ without: number; wrong: number }>`
      SELECT count(*) FILTER (WHERE r.id IS NULL AND (a.posted <> ${FUNDS} OR a.pending_debits <> 0))::int AS without,
        count(*) FILTER (WHERE r.id IS NOT NULL AND (a.posted <> ${FUNDS - PRICE} OR a.pending_debits <> 0))::int AS wrong
      FROM accounts a LEFT JOIN reservations r ON r.payer_account_id = a.id AND r.status = 'confirmed'
      WHERE a.id IN ${sql.in(payers)}`
    const [org] = yield* sql<{ posted: string }>`SELECT posted::text AS posted FROM accounts WHERE id = ${organizer}`
    const problems: Array<string> = []
    if (event!.sold !== seats) problems.push(`sold ${event!.sold} seats, capacity ${seats}`)
    if (event!.held !== 0) problems.push(`${event!.held} seats still held`)
    if (reservations!.confirmed !== seats) problems.push(`${reservations!.confirmed} confirmed reservations`)
    if (charged!.without > 0) problems.push(`${charged!.without} payer(s) charged without a seat`)
    if (charged!.wrong > 0) problems.push(`${charged!.wrong} seat holder(s) charged other than the price`)
    if (BigInt(org!.posted) !== BigInt(seats) * PRICE) problems.push(`organizer received ${org!.posted}`)
    return { sold: event!.sold, confirmed: reservations!.confirmed, chargedWithoutSeat: charged!.without, problems }
  })

export const runTicketRush = Effect.fn("TicketRush.run")(function* (options: TicketRushOptions) {
  const startedAt = new Date().toISOString()
  const outcome = yield* Effect.gen(function* () {
    const db = yield* BenchDatabase
    const run = yield* rush(options).pipe(
      Effect.provide(TallyProcesses.layer({ databaseUrl: db.url, poolMax: options.poolMax, instances: 1 }))
    )
    return { run, check: yield* verify(run.eventId, run.organizer, run.payers, options.seats) }
  }).pipe(
    Effect.provide(
      BenchDatabaseLayer.layer({
        serverUrl: options.databaseUrl,
        poolMax: options.poolMax,
        keep: options.keepDatabase
      })
    )
  )
  const { run, check } = outcome
  const latency = summarize(run.latencies)
  const ms = (s: number) => `${round(s * 1000, 1)} ms`
  const result = {
    kind: "tally-ticket-rush-result",
    startedAt,
    command: options.command,
    buyers: options.buyers,
    seats: options.seats,
    concurrency: options.concurrency,
    seconds: round(run.seconds, 2),
    reservationsPerSecond: round(options.buyers / run.seconds, 1),
    latencySeconds: latency,
    outcomes: Object.fromEntries(run.codes),
    confirmed: run.confirmed,
    correctness: check
  }
  fs.mkdirSync(options.outDir, { recursive: true })
  const file = path.join(options.outDir, `${runStamp(startedAt)}-ticket-rush.json`)
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  yield* Console.log(
    [
      `ticket-rush: ${options.buyers} buyers, ${options.seats} seats, ${options.concurrency} in flight (http)`,
      `  reservation requests  ${result.reservationsPerSecond}/s over ${result.seconds} s`,
      `  latency               p50 ${ms(latency.p50)}  p95 ${ms(latency.p95)}  p99 ${ms(latency.p99)}  max ${ms(latency.max)}`,
      `  outcomes              ${[...run.codes].map(([c, n]) => `${c}: ${n}`).join(", ")}`,
      `  sold out correctly    ${check.problems.length === 0 ? "yes" : "NO"}: ${check.sold} sold, ${check.confirmed} confirmed, ${check.chargedWithoutSeat} charged without a seat`,
      `  report                ${file}`
    ].join("\n")
  )
  if (check.problems.length > 0) return yield* new TicketRushBroken({ report: check.problems.join("\n") })
  return result
})
