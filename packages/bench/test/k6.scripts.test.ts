// The k6 scripts (k6/*.ts) checked without k6 (k6/README.md): each is loaded with stub `k6/*` modules and a
// recording `__ENV`; its options, exports and `__ENV` knobs are checked, and setup → default → teardown run
// against a stub HTTP that answers like Tally and keeps balances, so the conservation check can pass or fail.
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it, vi } from "vitest"

interface Request {
  readonly method: string
  readonly url: string
  readonly body: string | undefined
  readonly tags: Record<string, string>
}

/** What the scripts did with the k6 API; reset before each load. */
const k6 = vi.hoisted(() => {
  const state = {
    requests: [] as Array<Request>,
    checks: [] as Array<{ readonly name: string; readonly ok: boolean; readonly tags: Record<string, string> }>,
    counters: [] as Array<string>,
    responseCallback: undefined as unknown,
    /** Posted balance per account id, as the stub server keeps it. */
    balances: new Map<string, bigint>(),
    events: new Map<string, { organizer: string; price: bigint; capacity: number; sold: number }>(),
    reservations: new Map<string, { payer: string; event: { organizer: string; price: bigint } }>(),
    reset() {
      state.requests = []
      state.checks = []
      state.counters = []
      state.responseCallback = undefined
      state.balances = new Map()
      state.events = new Map()
      state.reservations = new Map()
    }
  }
  return state
})

const reply = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) })

/** A tiny Tally: accounts, transfers and batches that move posted balances, account reads. */
const answer = (method: string, url: string, body: string | undefined, params?: { tags?: Record<string, string> }) => {
  k6.requests.push({ method, url, body, tags: params?.tags ?? {} })
  const route = new URL(url).pathname
  const json = body === undefined ? undefined : JSON.parse(body)
  const move = (t: { debitAccountId: string; creditAccountId: string; amount: string }) => {
    k6.balances.set(t.debitAccountId, (k6.balances.get(t.debitAccountId) ?? 0n) - BigInt(t.amount))
    k6.balances.set(t.creditAccountId, (k6.balances.get(t.creditAccountId) ?? 0n) + BigInt(t.amount))
  }
  if (method === "POST" && route === "/v1/accounts") {
    const id = crypto.randomUUID()
    k6.balances.set(id, 0n)
    return reply(201, { id, currency: json.currency })
  }
  if (method === "POST" && route === "/v1/transfers") {
    move(json)
    return reply(201, { ...json, status: "posted" })
  }
  if (method === "POST" && route === "/v1/transfer-batches") {
    for (const t of json.transfers) move(t)
    return reply(201, { transfers: json.transfers.map((t: object) => ({ ...t, status: "posted" })) })
  }
  // events and reservations: seats counted, a confirm moves the price from the payer to the organizer
  if (method === "POST" && route === "/v1/events") {
    const id = crypto.randomUUID()
    k6.events.set(id, {
      organizer: json.organizerAccountId,
      price: BigInt(json.price),
      capacity: json.capacity,
      sold: 0
    })
    return reply(201, { id, seats: { capacity: json.capacity, held: 0, sold: 0 } })
  }
  const reserve = /^\/v1\/events\/([^/]+)\/reservations$/.exec(route)
  const event = reserve === null ? undefined : k6.events.get(reserve[1]!)
  if (method === "POST" && event !== undefined) {
    if (event.sold >= event.capacity) return reply(422, { code: "seats_sold_out" })
    event.sold++
    const id = crypto.randomUUID()
    k6.reservations.set(id, { payer: json.payerAccountId, event })
    return reply(201, { id, status: "held" })
  }
  const confirm = /^\/v1\/reservations\/([^/]+)\/confirm$/.exec(route)
  const held = confirm === null ? undefined : k6.reservations.get(confirm[1]!)
  if (method === "POST" && held !== undefined) {
    move({ debitAccountId: held.payer, creditAccountId: held.event.organizer, amount: String(held.event.price) })
    return reply(200, { id: confirm![1], status: "confirmed" })
  }
  const got = /^\/v1\/events\/([^/]+)$/.exec(route)
  const gotEvent = got === null ? undefined : k6.events.get(got[1]!)
  if (method === "GET" && gotEvent !== undefined) {
    return reply(200, { seats: { capacity: gotEvent.capacity, held: 0, sold: gotEvent.sold } })
  }
  const account = /^\/v1\/accounts\/([^/]+)$/.exec(route)
  if (method === "GET" && account !== null && k6.balances.has(account[1]!)) {
    return reply(200, { id: account[1], balances: { posted: String(k6.balances.get(account[1]!)) } })
  }
  return reply(404, { code: "not_found" })
}

vi.mock("k6", () => ({
  check: (value: unknown, checks: Record<string, (v: unknown) => boolean>, tags?: Record<string, string>) => {
    let all = true
    for (const [name, predicate] of Object.entries(checks)) {
      const ok = predicate(value)
      k6.checks.push({ name, ok, tags: tags ?? {} })
      all &&= ok
    }
    return all
  },
  fail: (message: string) => {
    throw new Error(message)
  }
}))

vi.mock("k6/http", () => ({
  default: {
    post: (url: string, body: string, params?: { tags?: Record<string, string> }) => answer("POST", url, body, params),
    get: (url: string, params?: { tags?: Record<string, string> }) => answer("GET", url, undefined, params),
    batch: (
      requests: Array<{ method: string; url: string; body?: string; params?: { tags?: Record<string, string> } }>
    ) => requests.map((r) => answer(r.method, r.url, r.body, r.params)),
    expectedStatuses: (...ranges: Array<unknown>) => ({ expectedStatuses: ranges }),
    setResponseCallback: (callback: unknown) => {
      k6.responseCallback = callback
    }
  }
}))

vi.mock("k6/crypto", () => ({
  randomBytes: (n: number) => {
    const bytes = crypto.randomBytes(n)
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + n)
  }
}))

vi.mock("k6/metrics", () => ({
  Counter: class {
    readonly name: string
    constructor(name: string) {
      this.name = name
      k6.counters.push(name)
    }
    add() {}
  }
}))

const k6Dir = path.resolve(import.meta.dirname, "../../../k6")

// biome-ignore lint/suspicious/noExplicitAny: a k6 script's exports, checked below
type Script = Record<string, any>

/** Loads a fresh copy of `k6/<file>` with `env` as `__ENV`; returns its exports and the variables it read. */
const load = async (file: string, env: Record<string, string> = {}) => {
  vi.resetModules()
  k6.reset()
  const read = new Set<string>()
  const values: Record<string, string> = { ...env }
  ;(globalThis as { __ENV?: unknown }).__ENV = new Proxy(values, {
    get: (target, key) => {
      if (typeof key === "string") read.add(key)
      return typeof key === "string" ? target[key] : undefined
    }
  })
  const script: Script = await import(/* @vite-ignore */ path.join(k6Dir, file))
  return { script, read }
}

afterEach(() => {
  delete (globalThis as { __ENV?: unknown }).__ENV
})

/** The knobs in k6/README.md's configuration table. */
const documentedKnobs = (() => {
  const readme = fs.readFileSync(path.join(k6Dir, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Thresholds"))
  return new Set(
    section
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .flatMap((line) => [...(line.split("|")[1] ?? "").matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!))
  )
})()

const builtinMetrics = new Set(["http_req_failed", "http_req_duration", "checks", "dropped_iterations"])

const scripts = [
  { file: "transfers.ts", scenario: "transfers", summary: "transfers" },
  { file: "hot-accounts.ts", scenario: "hot_accounts", summary: "hot-accounts" },
  { file: "batches.ts", scenario: "batches", summary: "batches" },
  { file: "ticket-rush.ts", scenario: "ticket_rush", summary: "ticket-rush" }
] as const

const knobs = {
  RATE: "7",
  DURATION: "3s",
  VUS: "2",
  MAX_VUS: "9",
  P95_MS: "111",
  P99_MS: "222",
  MAX_ERROR_RATE: "0.05",
  ACCOUNTS: "4",
  BATCH_SIZE: "3",
  SEATS: "3",
  API_KEY: "k",
  BASE_URL: "http://tally.test:8080/"
}

describe("k6 scripts", () => {
  it("are exactly the documented ones", () => {
    const files = fs.readdirSync(k6Dir).filter((f) => f.endsWith(".ts") && f !== "lib.ts")
    expect(files.sort()).toEqual(scripts.map((s) => s.file).sort())
  })

  it("read only documented __ENV variables, and every documented one is read", async () => {
    const read = new Set<string>()
    for (const { file } of scripts) for (const name of (await load(file)).read) read.add(name)
    expect([...read].filter((name) => !documentedKnobs.has(name))).toEqual([])
    expect([...documentedKnobs].filter((name) => !read.has(name))).toEqual([])
  })

  it("refuse a malformed knob at load time", async () => {
    await expect(load("transfers.ts", { RATE: "-1" })).rejects.toThrow(/RATE must be a non-negative integer/)
  })

  for (const { file, scenario, summary } of scripts) {
    describe(file, () => {
      it("runs one constant-arrival-rate scenario configured from __ENV, tagged with its workload", async () => {
        const { script } = await load(file, knobs)
        expect(Object.keys(script.options.scenarios)).toEqual([scenario])
        const s = script.options.scenarios[scenario]
        expect(s).toMatchObject({
          executor: "constant-arrival-rate",
          rate: 7,
          timeUnit: "1s",
          duration: "3s",
          preAllocatedVUs: 2,
          maxVUs: 9,
          tags: { workload: scenario }
        })
        expect(typeof script[s.exec]).toBe("function")
        // scoped thresholds filter on the scenario tag and name requests by route: both must be system tags
        expect(script.options.systemTags).toEqual(expect.arrayContaining(["scenario", "name", "status"]))
      })

      it("scopes its thresholds to the scenario (setup and teardown do not count), with the __ENV limits", async () => {
        const { script } = await load(file, knobs)
        const scoped = (metric: string) => `${metric}{scenario:${scenario}}`
        expect(script.options.thresholds).toEqual({
          [scoped("http_req_failed")]: [{ threshold: "rate<0.05", abortOnFail: true, delayAbortEval: "10s" }],
          [scoped("http_req_duration")]: ["p(95)<111", "p(99)<222"],
          [scoped("checks")]: ["rate>0.95"],
          // 1 % of RATE × DURATION, rounded up
          [scoped("dropped_iterations")]: ["count<=1"],
          "checks{phase:teardown}": ["rate==1"]
        })
        for (const key of Object.keys(script.options.thresholds)) {
          const metric = key.replace(/\{.*$/, "")
          expect(builtinMetrics.has(metric) || k6.counters.includes(metric), key).toBe(true)
        }
        const unverified = await load(file, { ...knobs, VERIFY: "0" })
        expect(Object.keys(unverified.script.options.thresholds)).not.toContain("checks{phase:teardown}")
      })

      it("exports setup, default, teardown and handleSummary", async () => {
        const { script } = await load(file, knobs)
        for (const name of ["setup", "default", "teardown", "handleSummary"])
          expect(typeof script[name], name).toBe("function")
        expect(script.setup.length).toBe(0)
        expect(script.default.length).toBe(1)
        expect(script.teardown.length).toBe(1)
        const out = script.handleSummary({ metrics: {} })
        expect(Object.keys(out).sort()).toEqual([`bench-results/k6-${summary}.json`, "stdout"].sort())
      })

      it("funds accounts in setup, moves money in default, and checks conservation in teardown", async () => {
        const { script } = await load(file, knobs)
        const data = script.setup()
        expect(data.accounts).toHaveLength(4)
        const setupRequests = k6.requests.length
        expect(
          k6.requests.every((r) => r.tags.phase === "setup" && r.url.startsWith("http://tally.test:8080/v1/"))
        ).toBe(true)
        for (let i = 0; i < 5; i++) script.default(data)
        const steady = k6.requests.slice(setupRequests)
        if (file === "ticket-rush.ts") {
          // 3 seats: three reservations won and confirmed, then two sold out
          expect(steady.map((r) => r.tags.name)).toEqual([
            ...Array.from({ length: 3 }, () => [
              "POST /v1/events/:id/reservations",
              "POST /v1/reservations/:id/confirm"
            ]).flat(),
            "POST /v1/events/:id/reservations",
            "POST /v1/events/:id/reservations"
          ])
        } else {
          expect(steady).toHaveLength(5)
          for (const r of steady) expect(r.tags.name).toMatch(/^POST \/v1\/(transfers|transfer-batches)$/)
        }
        for (const r of steady) expect(r.tags.phase).toBeUndefined()
        if (file === "batches.ts") expect(JSON.parse(steady[0]!.body!).transfers).toHaveLength(3)
        expect(k6.checks.filter((c) => !c.ok)).toEqual([])

        script.teardown(data)
        const conservation = k6.checks.filter((c) => c.tags.phase === "teardown")
        expect(conservation.length).toBeGreaterThan(0)
        expect(conservation.every((c) => c.ok)).toBe(true)

        // money appearing from nowhere fails the teardown check
        k6.checks = []
        k6.balances.set(data.accounts[0], k6.balances.get(data.accounts[0])! + 1n)
        script.teardown(data)
        expect(k6.checks.filter((c) => c.tags.phase === "teardown" && !c.ok).length).toBeGreaterThan(0)
      })

      it("fails setup without the admin key", async () => {
        const { script } = await load(file, { ...knobs, API_KEY: "" })
        expect(() => script.setup()).toThrow(/API_KEY/)
      })
    })
  }
})
