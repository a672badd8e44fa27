// A ticket rush: buyers (the customer accounts) reserve one seat each of one event with far fewer seats
// (SEATS), at RATE reservations per second; every reservation won is confirmed at once. Sold out is the
// expected answer once the seats are gone (a 422 that counts as an expected response, not a failure).
// Teardown checks money conservation (the organizer is one of the customer accounts) and that the event
// sold no more than its capacity.
//
//   k6 run -e API_KEY=… -e RATE=200 -e DURATION=30s -e ACCOUNTS=2000 -e SEATS=100 k6/ticket-rush.ts
import { check } from "k6"
import http from "k6/http"
import type { SetupData, SummaryData } from "./lib.ts"
import {
  accountCount,
  config,
  envInt,
  headers,
  json,
  randomInt,
  recordRefusal,
  scenarioOptions,
  setupAccounts,
  summary,
  verifyConservation
} from "./lib.ts"

declare const console: { error(...args: unknown[]): void }

const NAME = "ticket_rush"
const ACCOUNTS = accountCount(1000)
const SEATS = envInt("SEATS", 100)

export const options = scenarioOptions(NAME)

// sold out (422) is an expected answer here: it must not count towards http_req_failed
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 422))

interface RushData extends SetupData {
  readonly eventId: string
}

export function setup(): RushData {
  const data = setupAccounts(ACCOUNTS)
  const res = http.post(
    `${config.baseUrl}/v1/events`,
    JSON.stringify({
      organizerAccountId: data.accounts[0],
      title: "k6 ticket rush",
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      capacity: Math.max(1, SEATS),
      price: "2500"
    }),
    { headers: headers(), tags: { op: "create_event", phase: "setup" } }
  )
  const eventId = json(res)?.id
  if (res.status !== 201 || typeof eventId !== "string") throw new Error(`setup: POST /v1/events → ${res.status}`)
  return { ...data, eventId }
}

export default function (data: RushData): void {
  // any customer but the organizer (accounts[0])
  const payer = data.accounts[randomInt(1, data.accounts.length - 1)]
  const res = http.post(
    `${config.baseUrl}/v1/events/${data.eventId}/reservations`,
    JSON.stringify({ quantity: 1, payerAccountId: payer }),
    { headers: headers(), tags: { op: "reserve", name: "POST /v1/events/:id/reservations" } }
  )
  check(res, {
    "reserve: held or sold out": (r) =>
      (r.status === 201 && json(r)?.status === "held") || (r.status === 422 && json(r)?.code === "seats_sold_out")
  })
  recordRefusal(res, "reserve")
  if (res.status !== 201) return
  const confirmed = http.post(`${config.baseUrl}/v1/reservations/${json(res)?.id}/confirm`, null, {
    headers: headers(),
    tags: { op: "confirm", name: "POST /v1/reservations/:id/confirm" }
  })
  check(confirmed, { "confirm: status 200": (r) => r.status === 200 && json(r)?.status === "confirmed" })
  recordRefusal(confirmed, "confirm")
}

export function teardown(data: RushData): void {
  verifyConservation(data)
  if (!config.verify) return
  const res = http.get(`${config.baseUrl}/v1/events/${data.eventId}`, {
    headers: headers(),
    tags: { op: "get_event", phase: "teardown" }
  })
  const seats = json(res)?.seats as { capacity: number; held: number; sold: number } | undefined
  const ok = check(
    seats,
    { "rush: never oversold": (s) => s !== undefined && s.held + s.sold <= s.capacity && s.capacity === SEATS },
    { phase: "teardown" }
  )
  if (!ok) console.error(`rush: seats ${JSON.stringify(seats)} for capacity ${SEATS}`)
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summary("ticket-rush", data, NAME)
}
