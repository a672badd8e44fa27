// The Prometheus exporter end to end: a real server with the metrics wired (MeteredAppLive), real traffic,
// one scrape of /metrics parsed, then every metric docs/reference/metrics.md marks `exported` must be there
// with exactly its documented labels, and no label value may look like an id or a raw URL.
import * as fs from "node:fs"
import { assert, layer } from "@effect/vitest"
import { runGroupCommit } from "@tally/adapters/test/support/GroupCommitRun"
import * as Transfers from "@tally/domain/usecases/Transfers"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { MetricsServer } from "../src/metrics/Exporter.ts"
import { trackRpc } from "../src/metrics/Rpc.ts"
import { ADMIN_KEY, TestServer } from "./support/TestServer.ts"

class Urls extends Context.Service<Urls, { readonly api: string; readonly metrics: string }>()(
  "tally/test/metrics/Urls"
) {}

const TestApp = Layer.effect(
  Urls,
  Effect.gen(function* () {
    const address = (yield* HttpServer.HttpServer).address
    if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
    const metrics = yield* MetricsServer
    return { api: `http://127.0.0.1:${address.port}`, metrics: `http://127.0.0.1:${metrics.port}/metrics` }
  })
).pipe(Layer.provideMerge(TestServer({ env: { TALLY_BODY_BYTES_MAX: "4096", TALLY_HOLDS_POLL_MS: "100" } })))

// --- the exposition format ----------------------------------------------------------------------------

interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

interface Exposition {
  readonly types: ReadonlyMap<string, string>
  readonly samples: ReadonlyArray<Sample>
}

const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g
const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/

export const parseExposition = (text: string): Exposition => {
  const types = new Map<string, string>()
  const samples: Array<Sample> = []
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ")) continue
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type !== null) {
      assert.isFalse(types.has(type[1]!), `one TYPE line per family: ${type[1]}`)
      types.set(type[1]!, type[2]!)
      continue
    }
    const match = SAMPLE.exec(line)
    assert.isNotNull(match, `not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, name, value] of (match![2] ?? "").matchAll(LABEL)) labels[name!] = value!
    const value = match![3] === "+Inf" ? Infinity : match![3] === "-Inf" ? -Infinity : Number(match![3])
    assert.isFalse(Number.isNaN(value) && match![3] !== "NaN", `bad value: ${line}`)
    samples.push({ name: match![1]!, labels, value })
  }
  return { types, samples }
}

// --- what docs/reference/metrics.md documents ---------------------------------------------------------

interface Documented {
  readonly name: string
  readonly type: string
  readonly labels: ReadonlyArray<string>
  readonly status: string
}

const documented = (): ReadonlyArray<Documented> => {
  const doc = fs.readFileSync(new URL("../../../docs/reference/metrics.md", import.meta.url), "utf8")
  const rows: Array<Documented> = []
  for (const line of doc.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim())
    const name = /^`([a-z_:][a-z0-9_:]*)`$/.exec(cells[1] ?? "")?.[1]
    if (name === undefined || cells.length < 7) continue
    // "`route`: values…; `method`: …" or "`a`, `b`: …" or "none"
    const labels = (cells[3] ?? "")
      .split(";")
      .flatMap((part) => [...(part.split(":")[0] ?? "").matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!))
    rows.push({ name, type: cells[2]!, labels, status: cells[5]! })
  }
  return rows
}

// --- label values that would be ids ------------------------------------------------------------------

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i
const HEX_ID = /[0-9a-f]{16,}/i
const DIGITS = /\d{6,}/
/** A route label is a pattern: literal segments or `:params`, never a value. */
const ROUTE = /^(unmatched|(\/(:?[a-z][a-z0-9_.-]*|\*)?)+)$/

const idLike = (label: string, value: string) =>
  UUID.test(value) ||
  HEX_ID.test(value) ||
  (DIGITS.test(value) && label !== "version") ||
  (label === "route" && !ROUTE.test(value)) ||
  /^https?:\/\//.test(value) ||
  value.includes("?")

// --- traffic -----------------------------------------------------------------------------------------

const call = (method: string, path: string, body?: unknown) =>
  Effect.gen(function* () {
    const { api } = yield* Urls
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` }
    if (body !== undefined) headers["content-type"] = "application/json"
    const response = yield* Effect.promise(() =>
      fetch(`${api}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    )
    const text = yield* Effect.promise(() => response.text())
    // biome-ignore lint/suspicious/noExplicitAny: test convenience for JSON bodies
    return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as any }
  })

const open = (allowNegative = false) =>
  Effect.map(call("POST", "/v1/accounts", { currency: "EUR", ...(allowNegative ? { allowNegative } : {}) }), (r) => {
    assert.strictEqual(r.status, 201, JSON.stringify(r.body))
    return r.body.id as string
  })

const scrape = Effect.gen(function* () {
  const { metrics } = yield* Urls
  const response = yield* Effect.promise(() => fetch(metrics))
  assert.strictEqual(response.status, 200)
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/)
  const text = yield* Effect.promise(() => response.text())
  return parseExposition(text)
})

const traffic = Effect.gen(function* () {
  const world = yield* open(true)
  const alice = yield* open()
  const bob = yield* open()
  const pay = (debit: string, credit: string, amount: string, extra: Record<string, unknown> = {}) =>
    call("POST", "/v1/transfers", { debitAccountId: debit, creditAccountId: credit, amount, ...extra })
  assert.strictEqual((yield* pay(world, alice, "10000")).status, 201)
  assert.strictEqual((yield* pay(alice, bob, "100")).status, 201)
  const refused = yield* pay(bob, alice, "999999")
  assert.strictEqual(refused.status, 422)
  assert.strictEqual((yield* call("GET", `/v1/accounts/${alice}`)).status, 200)
  assert.strictEqual((yield* call("GET", `/v1/transfers/${refused.body.transferId}`)).status, 200)
  assert.strictEqual((yield* call("GET", "/v1/transfers/01a2026e-0a8e-7cb0-a083-d7fc0da5f47c")).status, 404)
  assert.strictEqual((yield* call("GET", `/v1/no-such-thing/${alice}/12345678`)).status, 404)
  // refused by the edge middleware (413) before any handler: still counted, on its route
  const tooLarge = yield* call("POST", "/v1/transfers", { debitAccountId: alice, metadata: { pad: "x".repeat(5000) } })
  assert.strictEqual(tooLarge.status, 413)
  const batch = yield* call("POST", "/v1/transfer-batches", {
    transfers: [1, 2, 3].map(() => ({ debitAccountId: alice, creditAccountId: bob, amount: "10" }))
  })
  assert.strictEqual(batch.status, 201, JSON.stringify(batch.body))
  const hold = yield* pay(alice, bob, "500", { pending: true })
  assert.strictEqual(hold.body.status, "pending")
  assert.strictEqual((yield* call("POST", `/v1/transfers/${hold.body.id}/post`, {})).status, 200)
  assert.strictEqual((yield* call("POST", `/v1/transfers/${hold.body.id}/void`)).status, 422)
  const second = yield* pay(alice, bob, "50", { pending: true })
  assert.strictEqual((yield* call("POST", `/v1/transfers/${second.body.id}/void`)).status, 200)
  const third = yield* pay(alice, bob, "70", { pending: true }) // stays outstanding
  assert.strictEqual(third.body.status, "pending")
  const expiring = yield* pay(alice, bob, "30", { pending: true, timeoutSeconds: 1 })
  assert.strictEqual(expiring.body.status, "pending")
  yield* Effect.sleep("1100 millis")
  assert.strictEqual(yield* Transfers.expireDue(10), 1) // what the scheduler's expiry job runs
  // what the RPC middleware will do per call
  yield* trackRpc("CreateTransfer", Effect.void)
  yield* Effect.ignore(trackRpc("CreateTransfer", Effect.fail({ _tag: "TransferRefused", code: "insufficient_funds" })))
})

const find = (exposition: Exposition, name: string, labels: Record<string, string> = {}) =>
  exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([label, value]) => s.labels[label] === value)
  )

const total = (exposition: Exposition, name: string, labels: Record<string, string> = {}) =>
  find(exposition, name, labels).reduce((sum, s) => sum + s.value, 0)

layer(TestApp, { excludeTestServices: true, timeout: 120_000 })("metrics exporter", (it) => {
  it.effect("serves every documented metric with its labels, and no label value is an id", () =>
    Effect.gen(function* () {
      yield* traffic
      yield* Effect.sleep("300 millis") // a holds poll
      const exposition = yield* scrape

      const rows = documented()
      assert.isAbove(rows.length, 20, "docs/reference/metrics.md lists the metrics")
      const missing: Array<string> = []
      for (const row of rows.filter((r) => r.status === "exported")) {
        const type = exposition.types.get(row.name)
        // documented: absent with TALLY_GROUP_COMMIT_ENABLED=false (the group-commit-off pass of `npm test`)
        if (row.name === "tally_group_commit_size" && !runGroupCommit.enabled) {
          assert.isUndefined(type, "no group commit size with group commit off")
          continue
        }
        if (type === undefined) {
          missing.push(row.name)
          continue
        }
        assert.strictEqual(type, row.type, `${row.name} is a ${row.type}`)
        const series = row.type === "histogram" ? `${row.name}_count` : row.name
        const samples = find(exposition, series)
        // prom-client's labelled families (active handles by type, GC by kind) may be empty at a given moment
        if (row.name.startsWith("tally_") || row.labels.length === 0) {
          assert.isAbove(samples.length, 0, `${series} has samples`)
        }
        for (const sample of samples) {
          assert.deepStrictEqual(Object.keys(sample.labels).sort(), [...row.labels].sort(), `${series} labels`)
        }
      }
      assert.deepStrictEqual(missing, [], "documented metrics missing from /metrics")

      const series = exposition.samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`)
      assert.deepStrictEqual(
        series.filter((s, i) => series.indexOf(s) !== i),
        [],
        "each series once (two Metric objects of one name would repeat it)"
      )

      const undocumented = [...exposition.types.keys()].filter((name) => !rows.some((r) => r.name === name))
      assert.deepStrictEqual(undocumented, [], "metrics served but not documented")

      const idLabels = exposition.samples.flatMap((s) =>
        Object.entries(s.labels)
          .filter(([label, value]) => idLike(label, value))
          .map(([label, value]) => `${s.name}{${label}="${value}"}`)
      )
      assert.deepStrictEqual(idLabels, [])

      // routes are patterns; an unknown path is `unmatched`
      const routes = new Set(find(exposition, "tally_http_requests_total").map((s) => s.labels.route))
      for (const route of ["/v1/accounts", "/v1/accounts/:id", "/v1/transfers", "/v1/transfers/:id", "unmatched"]) {
        assert.isTrue(routes.has(route), `route ${route} in ${[...routes].join(" ")}`)
      }
      assert.isAtLeast(
        total(exposition, "tally_http_requests_total", { route: "unmatched", method: "GET", status_class: "4xx" }),
        1
      )
      assert.isAtLeast(
        total(exposition, "tally_http_requests_total", { route: "/v1/transfers/:id", status_class: "4xx" }),
        1
      )
      // the refusal (422) and the oversized body (413): the middleware sees the other middlewares' answers
      assert.strictEqual(
        total(exposition, "tally_http_requests_total", { route: "/v1/transfers", method: "POST", status_class: "4xx" }),
        2
      )

      // transfers: counted once committed, by kind / final status / result code
      const transfers = (kind: string, status: string, reason = "none") =>
        total(exposition, "tally_transfers_total", { kind, status, reason })
      assert.strictEqual(transfers("single", "posted"), 2)
      assert.strictEqual(transfers("single", "failed", "insufficient_funds"), 1)
      assert.strictEqual(transfers("single", "pending"), 4)
      assert.strictEqual(transfers("hold_expire", "expired"), 1)
      assert.strictEqual(transfers("batch", "posted"), 3)
      assert.strictEqual(transfers("hold_post", "posted"), 1)
      assert.strictEqual(transfers("hold_void", "voided"), 1)
      assert.strictEqual(transfers("hold_void", "failed", "pending_transfer_already_posted"), 1)
      assert.strictEqual(total(exposition, "tally_batch_size_count"), 1)
      assert.strictEqual(total(exposition, "tally_batch_size_sum"), 3)
      assert.strictEqual(total(exposition, "tally_holds_outstanding"), 1)

      assert.strictEqual(total(exposition, "tally_db_pool_connections", { state: "max" }), 10)
      assert.isAtLeast(total(exposition, "tally_db_pool_connections", { state: "in_use" }), 0)
      assert.isAbove(total(exposition, "tally_db_transaction_duration_seconds_count"), 0)
      assert.strictEqual(total(exposition, "tally_build_info"), 1)
      assert.strictEqual(find(exposition, "tally_build_info")[0]?.labels.node, process.version)

      assert.strictEqual(total(exposition, "tally_rpc_calls_started_total", { method: "CreateTransfer" }), 2)
      assert.strictEqual(total(exposition, "tally_rpc_calls_handled_total", { code: "ok" }), 1)
      assert.strictEqual(total(exposition, "tally_rpc_calls_handled_total", { code: "insufficient_funds" }), 1)
      assert.strictEqual(total(exposition, "tally_rpc_handling_seconds_count", { method: "CreateTransfer" }), 2)

      // histogram buckets are cumulative and end with +Inf = count
      const buckets = find(exposition, "tally_http_request_duration_seconds_bucket", {
        route: "/v1/transfers",
        method: "POST"
      })
      const counts = buckets.map((b) => b.value)
      assert.deepStrictEqual(
        counts,
        [...counts].sort((a, b) => a - b)
      )
      assert.strictEqual(buckets.at(-1)?.labels.le, "+Inf")
      assert.strictEqual(buckets.at(-1)?.value, 8)
    })
  )

  it.effect("answers 404 off /metrics", () =>
    Effect.gen(function* () {
      const { metrics } = yield* Urls
      const response = yield* Effect.promise(() => fetch(metrics.replace("/metrics", "/other")))
      assert.strictEqual(response.status, 404)
    })
  )
})
