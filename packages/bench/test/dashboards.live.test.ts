// Every Grafana dashboard query against a real Prometheus scraping a real Tally server under load. Needs the
// `prometheus` binary (Debian's package, which scripts/test-deps.sh installs; PROMETHEUS_BIN overrides).
// Loopback only; Prometheus gets a generated config and a temporary data directory, and is killed afterwards.
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { assert, layer } from "@effect/vitest"
import { runGroupCommit } from "@tally/adapters/test/support/GroupCommitRun"
import { MetricsServer } from "@tally/server/metrics/Exporter"
import { trackRpc } from "@tally/server/metrics/Rpc"
import { ADMIN_KEY, TestServer } from "@tally/server/test/support/TestServer"
import { Context, Effect, Layer, Schedule } from "effect"
import { HttpServer } from "effect/http"
import { expandGrafanaVariables, loadDashboardQueries } from "./support/dashboards.ts"

/**
 * Panels for features that do not produce their metrics in this test yet. Remove an entry when its feature
 * lands: the test fails while an allow-listed panel returns data, so this list can only shrink.
 */
const NO_DATA_YET: ReadonlyArray<{ readonly panel: string; readonly why: string }> = [
  // the imbalance gauges come from the reconcile job, every 5 minutes: not within this test's seconds
  { panel: "tally-ledger / Ledger imbalance (must be 0)", why: "reconcile job runs every 5 minutes" },
  { panel: "tally-ledger / Ledger imbalance by currency", why: "reconcile job runs every 5 minutes" },
  // the group-commit-off pass of `npm test` (TALLY_GROUP_COMMIT_ENABLED=false): no group, no size; on, it has data
  ...(runGroupCommit.enabled ? [] : [{ panel: "tally-ledger / Group commit size", why: "group commit off" }])
]

/** PROMETHEUS_BIN, else the Debian package's binary. */
const prometheusBinary = [process.env.PROMETHEUS_BIN, "/usr/bin/prometheus", "/usr/local/bin/prometheus"].find(
  (p): p is string => p !== undefined && p !== "" && fs.existsSync(p)
)

class Urls extends Context.Service<Urls, { readonly api: string; readonly metricsPort: number }>()(
  "tally/test/dashboards/Urls"
) {}

const TestApp = Layer.effect(
  Urls,
  Effect.gen(function* () {
    const address = (yield* HttpServer.HttpServer).address
    if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
    return { api: `http://127.0.0.1:${address.port}`, metricsPort: (yield* MetricsServer).port }
  })
).pipe(Layer.provideMerge(TestServer({ env: { TALLY_HOLDS_POLL_MS: "1000" } })))

// --- Prometheus ----------------------------------------------------------------------------------------

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill("SIGTERM")
  })

/** A Prometheus scraping `127.0.0.1:metricsPort` every second, for as long as the scope lives. */
const startPrometheus = (binary: string, metricsPort: number) =>
  Effect.gen(function* () {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "tally-prometheus-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    )
    const config = [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: tally",
      "    metrics_path: /metrics",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${metricsPort}"]`,
      ""
    ].join("\n")
    fs.writeFileSync(path.join(dir, "prometheus.yml"), config)
    const port = yield* Effect.promise(freePort)
    const log = fs.openSync(path.join(dir, "prometheus.log"), "w")
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(
          binary,
          [
            `--config.file=${path.join(dir, "prometheus.yml")}`,
            `--storage.tsdb.path=${path.join(dir, "data")}`,
            `--web.listen-address=127.0.0.1:${port}`,
            "--storage.tsdb.retention.time=1h"
          ],
          { stdio: ["ignore", log, log] }
        )
      ),
      (child) => Effect.promise(() => stop(child)).pipe(Effect.andThen(Effect.sync(() => fs.closeSync(log))))
    )
    const url = `http://127.0.0.1:${port}`
    yield* Effect.tryPromise(async () => {
      if (child.exitCode !== null) throw new Error("exited")
      const response = await fetch(`${url}/-/ready`)
      if (response.status !== 200) throw new Error(`not ready: ${response.status}`)
    }).pipe(
      Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 75 }),
      Effect.catch(() =>
        Effect.die(new Error(`prometheus did not start:\n${fs.readFileSync(path.join(dir, "prometheus.log"), "utf8")}`))
      )
    )
    return url
  })

interface QueryResult {
  readonly status: string
  readonly error?: string
  readonly data?: { readonly resultType: string; readonly result: ReadonlyArray<unknown> }
}

const query = (prometheus: string, expr: string) =>
  Effect.promise(async () => {
    const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`)
    return (await response.json()) as QueryResult
  })

/** Values of a vector or scalar result, as numbers (NaN included). */
const values = (result: QueryResult): ReadonlyArray<number> => {
  if (result.status !== "success" || result.data === undefined) return []
  if (result.data.resultType === "scalar") return [Number((result.data.result as unknown as [number, string])[1])]
  return (result.data.result as ReadonlyArray<{ readonly value?: readonly [number, string] }>).flatMap((s) =>
    s.value === undefined ? [] : [Number(s.value[1])]
  )
}

/** What a panel shows: at least one series with a number (a NaN quantile or 0/0 ratio is a gap in Grafana). */
const hasData = (result: QueryResult) => values(result).some(Number.isFinite)

// --- load ----------------------------------------------------------------------------------------------

const call = (method: string, url: string, body?: unknown) =>
  Effect.promise(async () => {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` }
    if (body !== undefined) headers["content-type"] = "application/json"
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await response.text()
    // biome-ignore lint/suspicious/noExplicitAny: test convenience for JSON bodies
    return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as any }
  })

/** A few hundred transfers with refusals, batches (one refused), holds posted, voided and refused, 404s. */
const load = Effect.gen(function* () {
  const { api } = yield* Urls
  const open = (allowNegative: boolean) =>
    Effect.map(call("POST", `${api}/v1/accounts`, { currency: "EUR", allowNegative }), (r) => r.body.id as string)
  const world = yield* open(true)
  const accounts = yield* Effect.forEach(Array.from({ length: 8 }), () => open(false), { concurrency: 4 })
  const pay = (debit: string, credit: string, amount: number, pending = false) =>
    call("POST", `${api}/v1/transfers`, {
      debitAccountId: debit,
      creditAccountId: credit,
      amount: `${amount}`,
      pending
    })
  yield* Effect.forEach(accounts, (a) => pay(world, a, 100_000), { concurrency: 4 })
  const statuses: Array<number> = []
  const round = (from: number, to: number) =>
    Effect.forEach(
      Array.from({ length: to - from }, (_, i) => from + i),
      (i) =>
        Effect.gen(function* () {
          const debit = accounts[i % accounts.length]!
          const credit = accounts[(i * 3 + 1) % accounts.length]!
          // every 10th asks for more than any account holds: refused with insufficient_funds
          const reply = yield* pay(debit, debit === credit ? world : credit, i % 10 === 0 ? 10_000_000 : 1 + (i % 50))
          statuses.push(reply.status)
          if (i % 25 === 0)
            statuses.push((yield* call("GET", `${api}/v1/transfers/${reply.body.transferId ?? reply.body.id}`)).status)
          if (i % 50 === 0) statuses.push((yield* call("GET", `${api}/v1/nothing-here/${i}`)).status)
          // what the RPC metrics middleware records per call, until the RPC server is wired
          yield* trackRpc(
            "CreateTransfer",
            reply.status === 201 ? Effect.void : Effect.fail({ _tag: "TransferRefused", code: "insufficient_funds" })
          ).pipe(Effect.ignore)
        }),
      { concurrency: 8 }
    )
  // two rounds with scrapes between them, so every rate sees an increase
  yield* round(0, 150)
  yield* Effect.sleep("1500 millis")
  yield* round(150, 300)
  const item = (amount: number) => ({
    debitAccountId: accounts[0]!,
    creditAccountId: accounts[1]!,
    amount: `${amount}`
  })
  statuses.push((yield* call("POST", `${api}/v1/transfer-batches`, { transfers: [item(1), item(2), item(3)] })).status)
  statuses.push((yield* call("POST", `${api}/v1/transfer-batches`, { transfers: [item(1), item(99_999_999)] })).status)
  const holds = yield* Effect.forEach([0, 1, 2, 3, 4], (i) => pay(accounts[i]!, accounts[i + 1]!, 10, true))
  statuses.push((yield* call("POST", `${api}/v1/transfers/${holds[0]!.body.id}/post`, {})).status)
  statuses.push((yield* call("POST", `${api}/v1/transfers/${holds[1]!.body.id}/void`)).status)
  statuses.push((yield* call("POST", `${api}/v1/transfers/${holds[0]!.body.id}/void`)).status)
  // reservations: held, confirmed, cancelled, sold out
  const event = yield* call("POST", `${api}/v1/events`, {
    organizerAccountId: accounts[7]!,
    title: "dashboards",
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    capacity: 3,
    price: "100"
  })
  const reserve = (payer: string) =>
    call("POST", `${api}/v1/events/${event.body.id}/reservations`, { quantity: 1, payerAccountId: payer })
  const reserved = yield* Effect.forEach([0, 1, 2, 3], (i) => reserve(accounts[i]!))
  statuses.push(...reserved.map((r) => r.status))
  statuses.push((yield* call("POST", `${api}/v1/reservations/${reserved[0]!.body.id}/confirm`)).status)
  statuses.push((yield* call("POST", `${api}/v1/reservations/${reserved[1]!.body.id}/cancel`)).status)
  assert.isTrue(statuses.includes(201) && statuses.includes(422) && statuses.includes(404), statuses.join(","))
})

// --- the test ------------------------------------------------------------------------------------------

const title = (q: { readonly uid: string; readonly panelTitle: string }) => `${q.uid} / ${q.panelTitle}`

layer(TestApp, { excludeTestServices: true, timeout: 120_000 })("dashboards against a live Prometheus", (it) => {
  it.effect(
    "every dashboard query returns data, except the allow-listed features not built yet",
    () =>
      Effect.gen(function* () {
        const { metricsPort } = yield* Urls
        if (prometheusBinary === undefined) {
          return assert.fail("no prometheus binary: apt-get install -y prometheus (scripts/test-deps.sh does)")
        }
        const prometheus = yield* startPrometheus(prometheusBinary, metricsPort)
        const scraped = (expr: string, expected: (value: number) => boolean) =>
          query(prometheus, expr).pipe(
            Effect.flatMap((r) =>
              values(r).some(expected) ? Effect.void : Effect.fail(new Error(`waiting: ${expr}`))
            ),
            Effect.retry({ schedule: Schedule.spaced("250 millis"), times: 80 })
          )
        yield* scraped('up{job="tally"}', (up) => up === 1) // a first sample before the load
        yield* load
        // then wait until Prometheus has scraped the final request count
        const text = yield* Effect.promise(() => fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()))
        const requests = [...text.matchAll(/^tally_http_requests_total\{.*\} (\d+)$/gm)].reduce(
          (sum, m) => sum + Number(m[1]),
          0
        )
        yield* scraped("sum(tally_http_requests_total)", (n) => n === requests)

        const queries = loadDashboardQueries()
        assert.isAbove(queries.length, 20)
        const allowed = new Set(NO_DATA_YET.map((entry) => entry.panel))
        for (const entry of NO_DATA_YET) {
          assert.isTrue(
            queries.some((q) => title(q) === entry.panel),
            `allow-list names a real panel: ${entry.panel}`
          )
        }
        const noData: Array<string> = []
        const nowHasData: Array<string> = []
        for (const q of queries) {
          const result = yield* query(prometheus, expandGrafanaVariables(q.expr))
          assert.strictEqual(result.status, "success", `${title(q)} ${q.refId}: ${result.error ?? ""}\n${q.expr}`)
          if (allowed.has(title(q))) {
            if (hasData(result)) nowHasData.push(`${title(q)} ${q.refId}`)
          } else if (!hasData(result)) {
            noData.push(`${title(q)} ${q.refId}: ${q.expr}`)
          }
        }
        assert.deepStrictEqual(noData, [], "dashboard queries without data")
        assert.deepStrictEqual(nowHasData, [], "allow-listed panels that now have data: remove them from NO_DATA_YET")
      }),
    { timeout: 60_000 }
  )
})
