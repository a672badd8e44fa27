// Shared helpers for the Tally k6 scenarios: configuration from __ENV, API calls, account setup,
// scenario/threshold builders and a handleSummary that writes bench-results/k6-<name>.json.
import { check, fail } from "k6"
import { randomBytes } from "k6/crypto"
import type { RefinedResponse } from "k6/http"
import http from "k6/http"
import { Counter } from "k6/metrics"
import type { Options, Threshold } from "k6/options"

// k6 provides `console` but @types/k6 does not declare it (and lib "dom" would bring far too much).
declare const console: { log(...args: unknown[]): void; error(...args: unknown[]): void }

// --- configuration -------------------------------------------------------------------------------

const env = (name: string, fallback: string): string => {
  const value = __ENV[name]
  return value === undefined || value === "" ? fallback : value
}

export const envInt = (name: string, fallback: number): number => {
  const raw = env(name, String(fallback))
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`)
  return value
}

/** Everything a scenario reads from the environment (`k6 run -e NAME=value` or exported variables). */
export const config = {
  baseUrl: env("BASE_URL", "http://127.0.0.1:8080").replace(/\/+$/, ""),
  apiKey: env("API_KEY", ""),
  /** Iterations started per second (a transfer, or a batch in batches.ts). */
  rate: envInt("RATE", 50),
  duration: env("DURATION", "30s"),
  /** VUs allocated up front; k6 adds VUs up to MAX_VUS when responses slow down. */
  preAllocatedVUs: envInt("VUS", 20),
  maxVUs: envInt("MAX_VUS", 200),
  currency: env("CURRENCY", "EUR"),
  /** Opening balance of each customer account, in minor units (default 1,000,000.00). */
  initialBalance: env("INITIAL_BALANCE", "100000000"),
  /** Largest transfer amount in minor units; each transfer is uniform in [1, MAX_AMOUNT]. */
  maxAmount: envInt("MAX_AMOUNT", 10000),
  /** Thresholds (milliseconds, and a ratio for errors). */
  p95Ms: envInt("P95_MS", 250),
  p99Ms: envInt("P99_MS", 500),
  maxErrorRate: Number(env("MAX_ERROR_RATE", "0.01")),
  /** IDEMPOTENCY=1 sends an Idempotency-Key header with every transfer and batch. */
  idempotency: env("IDEMPOTENCY", "0") === "1",
  /** Check Σ balances after the run (teardown); VERIFY=0 skips it. */
  verify: env("VERIFY", "1") !== "0",
  summaryDir: env("SUMMARY_DIR", "bench-results")
}

export const accountCount = (fallback: number): number => envInt("ACCOUNTS", fallback)
export const batchSize = (fallback: number): number => envInt("BATCH_SIZE", fallback)

// --- HTTP -----------------------------------------------------------------------------------------

// 422 (a refused transfer) counts as a failed request: with funded accounts none should happen.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }))

export const headers = (idempotencyKey?: string): Record<string, string> => {
  const result: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json, application/problem+json"
  }
  if (config.apiKey !== "") result.Authorization = `Bearer ${config.apiKey}`
  if (idempotencyKey !== undefined) result["Idempotency-Key"] = idempotencyKey
  return result
}

/** Random RFC 4122 version 4 UUID (client-chosen transfer ids make retries safe). */
export const uuid = (): string => {
  const b = new Uint8Array(randomBytes(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  let hex = ""
  for (const byte of b) hex += (byte + 0x100).toString(16).slice(1)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export const randomInt = (minInclusive: number, maxInclusive: number): number =>
  minInclusive + Math.floor(Math.random() * (maxInclusive - minInclusive + 1))

/** Two distinct random elements of `items` (at least two). */
export const pickPair = (items: ReadonlyArray<string>): [string, string] => {
  const i = randomInt(0, items.length - 1)
  const j = (i + randomInt(1, items.length - 1)) % items.length
  return [items[i]!, items[j]!]
}

export const randomAmount = (): string => String(randomInt(1, Math.max(1, config.maxAmount)))

export interface TransferRequest {
  readonly id: string
  readonly debitAccountId: string
  readonly creditAccountId: string
  readonly amount: string
}

export const randomTransfer = (accounts: ReadonlyArray<string>): TransferRequest => {
  const [debitAccountId, creditAccountId] = pickPair(accounts)
  return { id: uuid(), debitAccountId, creditAccountId, amount: randomAmount() }
}

type JsonResponse = RefinedResponse<"text">

export const json = (res: JsonResponse): Record<string, unknown> | undefined => {
  try {
    const body = JSON.parse(String(res.body))
    return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Refused transfers by problem `code` (e.g. insufficient_funds), to tell business refusals from faults. */
export const refusals = new Counter("tally_refusals")

/** Counts a 4xx/5xx problem response by its `code`, tagged with the operation. */
export const recordRefusal = (res: JsonResponse, op: string): void => {
  if (res.status < 400) return
  const code = json(res)?.code
  refusals.add(1, { op, status: String(res.status), code: typeof code === "string" ? code : "none" })
}

// --- steady-state operations ----------------------------------------------------------------------

export const postTransfer = (transfer: TransferRequest): JsonResponse => {
  const res = http.post(`${config.baseUrl}/v1/transfers`, JSON.stringify(transfer), {
    headers: headers(config.idempotency ? uuid() : undefined),
    tags: { op: "transfer", name: "POST /v1/transfers" }
  })
  check(res, {
    "transfer: status 201": (r) => r.status === 201,
    "transfer: posted": (r) => json(r)?.status === "posted",
    "transfer: id echoed": (r) => json(r)?.id === transfer.id
  })
  recordRefusal(res, "transfer")
  return res
}

export const postBatch = (transfers: ReadonlyArray<TransferRequest>): JsonResponse => {
  const res = http.post(`${config.baseUrl}/v1/transfer-batches`, JSON.stringify({ transfers }), {
    headers: headers(config.idempotency ? uuid() : undefined),
    tags: { op: "batch", name: "POST /v1/transfer-batches" }
  })
  check(res, {
    "batch: status 201": (r) => r.status === 201,
    "batch: all transfers returned": (r) => {
      const items = json(r)?.transfers
      return Array.isArray(items) && items.length === transfers.length
    },
    "batch: all posted": (r) => {
      const items = json(r)?.transfers
      return Array.isArray(items) && items.every((t) => (t as { status?: unknown }).status === "posted")
    }
  })
  recordRefusal(res, "batch")
  return res
}

// --- setup: a system account funds the customer accounts ------------------------------------------

export interface SetupData {
  readonly systemAccountId: string
  readonly accounts: ReadonlyArray<string>
  readonly initialBalance: string
}

const CHUNK = 50

const setupParams = (op: string) => ({ headers: headers(), tags: { op, phase: "setup" } })

const createAccount = (allowNegative: boolean): string => {
  const body = allowNegative ? { currency: config.currency, allowNegative: true } : { currency: config.currency }
  const res = http.post(`${config.baseUrl}/v1/accounts`, JSON.stringify(body), setupParams("create_account"))
  const id = json(res)?.id
  if (res.status !== 201 || typeof id !== "string") {
    fail(`setup: POST /v1/accounts → ${res.status} ${String(res.body).slice(0, 300)}`)
  }
  return id as string
}

/** Runs `requests` in parallel chunks; fails the test on any non-201 answer. Returns the response bodies. */
const batchOrFail = (what: string, bodies: ReadonlyArray<unknown>, url: string, op: string) => {
  const results: Array<Record<string, unknown>> = []
  for (let start = 0; start < bodies.length; start += CHUNK) {
    const chunk = bodies.slice(start, start + CHUNK)
    const responses = http.batch(
      chunk.map((body) => ({ method: "POST", url, body: JSON.stringify(body), params: setupParams(op) }))
    )
    for (const res of responses) {
      const parsed = json(res as JsonResponse)
      if (res.status !== 201 || parsed === undefined) {
        fail(`setup: ${what} → ${res.status} ${String(res.body).slice(0, 300)}`)
      }
      results.push(parsed as Record<string, unknown>)
    }
  }
  return results
}

/**
 * Creates a system account (`allowNegative`, needs the admin key) and `count` customer accounts,
 * then deposits `INITIAL_BALANCE` into each with a transfer from the system account.
 */
export const setupAccounts = (count: number): SetupData => {
  if (config.apiKey === "") fail("setup: API_KEY (the admin key, TALLY_ADMIN_API_KEY) is required")
  if (count < 2) fail(`setup: ACCOUNTS must be at least 2, got ${count}`)
  const systemAccountId = createAccount(true)
  const created = batchOrFail(
    "create customer accounts",
    Array.from({ length: count }, () => ({ currency: config.currency })),
    `${config.baseUrl}/v1/accounts`,
    "create_account"
  )
  const accounts = created.map((a) => a.id as string)
  batchOrFail(
    "fund customer accounts",
    accounts.map((id) => ({
      id: uuid(),
      debitAccountId: systemAccountId,
      creditAccountId: id,
      amount: config.initialBalance
    })),
    `${config.baseUrl}/v1/transfers`,
    "deposit"
  )
  return { systemAccountId, accounts, initialBalance: config.initialBalance }
}

/**
 * Transfers only move money between customer accounts, so after the run their posted balances
 * must still add up to ACCOUNTS × INITIAL_BALANCE, and the system account must hold the negation.
 * Amounts stay below 2^53 for any sane ACCOUNTS × INITIAL_BALANCE, so plain numbers suffice.
 */
export const verifyConservation = (data: SetupData): void => {
  if (!config.verify) return
  const ids = [data.systemAccountId, ...data.accounts]
  const posted: number[] = []
  for (let start = 0; start < ids.length; start += CHUNK) {
    const responses = http.batch(
      ids.slice(start, start + CHUNK).map((id) => ({
        method: "GET",
        url: `${config.baseUrl}/v1/accounts/${id}`,
        params: { headers: headers(), tags: { op: "get_account", phase: "teardown" } }
      }))
    )
    for (const res of responses) {
      const balances = json(res as JsonResponse)?.balances as { posted?: unknown } | undefined
      posted.push(res.status === 200 && balances !== undefined ? Number(balances.posted) : Number.NaN)
    }
  }
  const [system, ...customers] = posted
  const expected = data.accounts.length * Number(data.initialBalance)
  const total = customers.reduce((sum, value) => sum + value, 0)
  const ok = check(
    { total, system },
    {
      "conservation: Σ customer balances unchanged": (v) => v.total === expected,
      "conservation: system balance is the negated deposits": (v) => v.system === -expected
    },
    { phase: "teardown" }
  )
  if (!ok) console.error(`conservation: Σ customers=${total} system=${system} expected ±${expected}`)
}

// --- options --------------------------------------------------------------------------------------

/** Options for one constant-arrival-rate scenario named `name`, with thresholds scoped to it. */
export const scenarioOptions = (name: string, exec = "default"): Options => {
  const scoped = (metric: string) => `${metric}{scenario:${name}}`
  const thresholds: Record<string, Threshold[]> = {
    // Fraction of non-2xx answers (and transport errors); aborts a clearly broken run early.
    [scoped("http_req_failed")]: [
      { threshold: `rate<${config.maxErrorRate}`, abortOnFail: true, delayAbortEval: "10s" }
    ],
    // Latency as the client sees it, queueing included.
    [scoped("http_req_duration")]: [`p(95)<${config.p95Ms}`, `p(99)<${config.p99Ms}`],
    [scoped("checks")]: [`rate>${1 - config.maxErrorRate}`],
    // The arrival rate was not met: k6 ran out of VUs because responses were too slow.
    [scoped("dropped_iterations")]: [`count<=${Math.ceil(config.rate * 0.01 * durationSeconds(config.duration))}`]
  }
  if (config.verify) thresholds["checks{phase:teardown}"] = ["rate==1"]
  return {
    scenarios: {
      [name]: {
        executor: "constant-arrival-rate",
        exec,
        rate: config.rate,
        timeUnit: "1s",
        duration: config.duration,
        preAllocatedVUs: Math.max(1, config.preAllocatedVUs),
        maxVUs: Math.max(config.preAllocatedVUs, config.maxVUs),
        gracefulStop: "10s",
        tags: { workload: name }
      }
    },
    thresholds,
    setupTimeout: "5m",
    teardownTimeout: "5m",
    summaryTrendStats: ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"],
    // Tag requests by route template, not by URL (ids would explode cardinality).
    systemTags: ["status", "method", "name", "scenario", "check", "error", "error_code", "expected_response"]
  }
}

/** "1m30s" / "45s" / "2m" / "500ms" → seconds. */
export const durationSeconds = (text: string): number => {
  const parts = text.match(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)
  if (parts === null) return Number(text) || 0
  let seconds = 0
  for (const part of parts) {
    const [, value, unit] = part.match(/(\d+(?:\.\d+)?)(ms|h|m|s)/)!
    const n = Number(value)
    seconds += unit === "h" ? n * 3600 : unit === "m" ? n * 60 : unit === "ms" ? n / 1000 : n
  }
  return seconds
}

// --- summary --------------------------------------------------------------------------------------

interface SummaryMetric {
  readonly type: string
  readonly values: Record<string, number>
  readonly thresholds?: Record<string, { readonly ok: boolean }>
}

export interface SummaryData {
  readonly metrics: Record<string, SummaryMetric>
  readonly state?: { readonly testRunDurationMs?: number }
  readonly options?: unknown
  readonly setup_data?: unknown
}

const fmt = (value: number | undefined, unit = ""): string =>
  value === undefined || Number.isNaN(value) ? "-" : `${Number(value.toFixed(2))}${unit}`

const textSummary = (file: string, scenario: string, data: SummaryData): string => {
  const m = data.metrics
  const scoped = (metric: string) => m[`${metric}{scenario:${scenario}}`]?.values ?? m[metric]?.values ?? {}
  const duration = scoped("http_req_duration")
  const lines = [
    "",
    `tally k6 ${file}: ${fmt(m.iterations?.values.count)} iterations (${fmt(m.iterations?.values.rate, "/s")}), ` +
      `dropped ${fmt(scoped("dropped_iterations").count ?? 0)}, ${fmt(m.http_reqs?.values.count)} requests incl. setup`,
    `  latency ms: p50 ${fmt(duration.med)}  p95 ${fmt(duration["p(95)"])}  p99 ${fmt(duration["p(99)"])}  max ${fmt(duration.max)}`,
    `  failed requests ${fmt((scoped("http_req_failed").rate ?? 0) * 100, "%")}, checks passed ` +
      `${fmt((scoped("checks").rate ?? 0) * 100, "%")}, refusals ${fmt(m.tally_refusals?.values.count ?? 0)}`,
    "  thresholds:"
  ]
  const thresholds: string[] = []
  for (const [metric, summary] of Object.entries(m)) {
    for (const [expr, result] of Object.entries(summary.thresholds ?? {})) {
      thresholds.push(`    ${result.ok ? "✓" : "✗"} ${metric} ${expr}`)
    }
  }
  lines.push(...thresholds.sort((a, b) => (a.slice(6) < b.slice(6) ? -1 : 1)))
  return `${lines.join("\n")}\n\n`
}

/**
 * handleSummary body: JSON to `${SUMMARY_DIR}/k6-<file>.json` (the directory must exist) plus a
 * short text summary on stdout. `scenario` is the scenario name the thresholds are scoped to.
 */
export const summary = (file: string, data: SummaryData, scenario = file): Record<string, string> => ({
  stdout: textSummary(file, scenario, data),
  [`${config.summaryDir}/k6-${file}.json`]: JSON.stringify(
    {
      scenario,
      config: { ...config, apiKey: config.apiKey === "" ? "" : "<redacted>" },
      finishedAt: new Date().toISOString(),
      ...data,
      // The account ids are noise in a result file; keep how many there were.
      setup_data: undefined,
      accounts: (data.setup_data as SetupData | undefined)?.accounts.length
    },
    null,
    2
  )
})
