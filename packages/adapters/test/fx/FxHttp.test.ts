// The HTTP FX adapter against a local provider serving the ECB's eurofxref-daily.xml format: valid, partial,
// garbage, slow, failing and older documents.
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import type { CurrencyCode } from "@tally/domain/Money"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { Context, DateTime, Duration, Effect, Layer, Option, Result } from "effect"
import { FetchHttpClient } from "effect/http"
import { parseEcb } from "../../src/fx/EcbXml.ts"
import { referenceAsOf } from "../../src/fx/FxFeed.ts"
import * as FxHttp from "../../src/fx/FxHttp.ts"
import { FxRefresher } from "../../src/fx/FxRefresher.ts"
import * as MemoryLedgerStore from "../../src/memory/MemoryLedgerStore.ts"

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)

/** A document exactly as the ECB publishes it (single quotes, namespaces, tabs), for `date`. */
const ecb = (date: string, rates: Record<string, string>) => `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='${date}'>
${Object.entries(rates)
  .map(([currency, rate]) => `\t\t\t<Cube currency='${currency}' rate='${rate}'/>`)
  .join("\n")}
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>`

const RATES = { USD: "1.0547", JPY: "163.25", GBP: "0.83495", XAU: "0.0004" } // XAU is no currency Tally knows
const NEWER = { USD: "1.0601", JPY: "164.02", GBP: "0.83611" }

interface ProviderShape {
  readonly url: (path: string) => string
  readonly hits: (path: string) => number
}

/** A real provider on 127.0.0.1 (port 0 = any free port), answering per path and counting requests. */
class Provider extends Context.Service<Provider, ProviderShape>()("test/Provider") {
  static readonly layer = Layer.effect(
    Provider,
    Effect.acquireRelease(
      Effect.callback<{ server: http.Server; hits: Map<string, number> }>((resume) => {
        const hits = new Map<string, number>()
        const server = http.createServer((req, res) => {
          const path = req.url ?? ""
          const n = (hits.get(path) ?? 0) + 1
          hits.set(path, n)
          const xml = (status: number, body: string) => {
            res.writeHead(status, { "content-type": "text/xml" })
            res.end(body)
          }
          const full = ecb(daysAgo(1), RATES)
          switch (path) {
            case "/daily?key=secret":
              return xml(200, full)
            case "/newer":
              return xml(200, ecb(daysAgo(0), NEWER))
            case "/partial": // cut off mid-document, as a dropped connection leaves it
              return xml(200, full.slice(0, full.indexOf("JPY")))
            case "/garbage":
              return xml(200, "<html><body>Service temporarily unavailable</body></html>")
            case "/bad-rate":
              return xml(200, ecb(daysAgo(1), { USD: "1,0547" }))
            case "/old":
              return xml(200, ecb("2020-01-02", RATES))
            case "/down":
              return xml(503, "maintenance")
            case "/flaky": // two failures, then the document: retries get it
              return n <= 2 ? xml(502, "bad gateway") : xml(200, full)
            case "/slow":
              return // never answers
            default:
              return xml(404, "")
          }
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, hits })))
      }),
      ({ server }) =>
        Effect.callback<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    ).pipe(
      Effect.map(({ server, hits }) => {
        const { port } = server.address() as AddressInfo
        return Provider.of({ url: (path) => `http://127.0.0.1:${port}${path}`, hits: (path) => hits.get(path) ?? 0 })
      })
    )
  )
}

const Live = Layer.mergeAll(Provider.layer, MemoryLedgerStore.layer, FetchHttpClient.layer)

const options = (url: string): FxHttp.FxHttpOptions => ({
  url,
  timeout: Duration.millis(300),
  feedMaxAgeDays: 4,
  retries: 2,
  retryBase: Duration.millis(5)
})
const cc = (c: string) => c as CurrencyCode
const quote = (base: string, q: string) =>
  Effect.flatMap(LedgerStore, (store) => Effect.map(store.fxQuote(cc(base), cc(q)), Option.getOrThrow))

describe("EcbXml", () => {
  it("reads the latest dated cube; refuses what is not a whole, valid document", () => {
    const feed = Result.getOrThrow(parseEcb(ecb("2026-11-30", { USD: "1.0547", JPY: "163.25" })))
    assert.deepStrictEqual(feed, { base: "EUR", date: "2026-11-30", rates: { USD: "1.0547", JPY: "163.25" } })
    const history = ecb("2026-11-27", { USD: "1.01" }).replace(
      "\t\t<Cube time='2026-11-27'>",
      "\t\t<Cube time='2026-11-30'><Cube currency='USD' rate='1.02'/></Cube>\n\t\t<Cube time='2026-11-27'>"
    )
    assert.deepStrictEqual(Result.getOrThrow(parseEcb(history)).rates, { USD: "1.02" })
    for (const bad of [
      "",
      "not xml",
      ecb("2026-11-30", RATES).slice(0, 300),
      ecb("2026-11-30", RATES).replace("</gesmes:Envelope>", "</gesmes:Envelope><x/>"),
      ecb("2026-11-30", { USD: "1.05e3" }),
      ecb("2026-11-30", { USD: "-1" }),
      ecb("2026-11-30", { usd: "1" }),
      ecb("2026-13-45x", { USD: "1" }),
      ecb("2026-11-30", {}),
      ecb("2026-11-30", { USD: "1" }).replace(
        "<Cube currency='USD' rate='1'/>",
        "<Cube currency='USD' rate='1'/><Cube currency='USD' rate='2'/>"
      ),
      "<rates><Cube><Cube time='2026-11-30'><Cube currency='USD' rate='1'/></Cube></Cube></rates>"
    ]) {
      assert.isTrue(Result.isFailure(parseEcb(bad)), bad.slice(0, 80))
    }
  })
})

describe("FxHttp against a local ECB-format provider", () => {
  it.live("saves every known pair with the provider's as-of and source, never the fetch time", () =>
    Effect.gen(function* () {
      const provider = yield* Provider
      const url = provider.url("/daily?key=secret")
      assert.strictEqual(yield* FxHttp.load(options(url)), 12) // EUR, USD, JPY, GBP: 4 × 3 ordered pairs
      const eurUsd = yield* quote("EUR", "USD")
      assert.strictEqual(eurUsd.rate, "1.0547000000")
      assert.strictEqual(eurUsd.source, `${new URL(url).host}:${daysAgo(1)}`, "the host, never the query (keys)")
      // yesterday's fixing, 14:10 Frankfurt time: a day old, whenever we fetched it
      assert.isTrue(DateTime.Equivalence(eurUsd.asOf, referenceAsOf(daysAgo(1))))
      assert.isTrue(DateTime.toEpochMillis(yield* DateTime.now) - DateTime.toEpochMillis(eurUsd.asOf) > 9 * 3600_000)
      // 163.25 / 1.0547 = 154.78335071584336…, exact to 10 digits, rounded down
      assert.strictEqual((yield* quote("USD", "JPY")).rate, "154.7833507158")
    }).pipe(Effect.provide(Live))
  )

  it.live("a partial, garbage, invalid, old, failing or silent answer leaves the previous rates in place", () =>
    Effect.gen(function* () {
      const provider = yield* Provider
      yield* FxHttp.load(options(provider.url("/daily?key=secret")))
      const before = yield* quote("EUR", "USD")
      for (const path of ["/partial", "/garbage", "/bad-rate", "/old"]) {
        const error = yield* Effect.flip(FxHttp.load(options(provider.url(path))))
        assert.strictEqual(error._tag, "FxFeedInvalid", path)
        assert.strictEqual(provider.hits(path), 1, `${path}: a document that does not read is not retried`)
      }
      const down = yield* Effect.flip(FxHttp.load(options(provider.url("/down"))))
      assert.strictEqual(down._tag, "FxFeedUnavailable")
      assert.strictEqual(provider.hits("/down"), 3, "first attempt + 2 retries")
      const slow = yield* Effect.flip(FxHttp.load(options(provider.url("/slow"))))
      assert.strictEqual(slow._tag, "FxFeedUnavailable")
      assert.include((slow as FxHttp.FxFeedUnavailable).message, "no answer within")
      assert.deepStrictEqual(yield* quote("EUR", "USD"), before)
      assert.strictEqual((yield* quote("EUR", "JPY")).rate, "163.2500000000", "the partial document saved nothing")
    }).pipe(Effect.provide(Live))
  )

  it.live("retries cure transient failures; an older feed never overwrites a newer rate", () =>
    Effect.gen(function* () {
      const provider = yield* Provider
      assert.strictEqual(yield* FxHttp.load(options(provider.url("/flaky"))), 12)
      assert.strictEqual(provider.hits("/flaky"), 3)
      yield* FxHttp.load(options(provider.url("/newer")))
      const newer = yield* quote("EUR", "USD")
      assert.strictEqual(newer.rate, "1.0601000000")
      yield* FxHttp.load(options(provider.url("/daily?key=secret"))) // yesterday's document, served later
      assert.deepStrictEqual(yield* quote("EUR", "USD"), newer)
    }).pipe(Effect.provide(Live))
  )

  it.live("the circuit opens after consecutive failed refreshes and asks the provider no more", () =>
    Effect.gen(function* () {
      const provider = yield* Provider
      const url = provider.url("/down")
      const refresher = yield* Effect.provide(
        FxRefresher,
        FxRefresher.layerWith({ _tag: "http", ...options(url), breaker: { failures: 2, openFor: "1 minute" } })
      )
      for (let i = 0; i < 2; i++) assert.strictEqual((yield* Effect.flip(refresher.refresh))._tag, "FxFeedUnavailable")
      assert.strictEqual(provider.hits("/down"), 6)
      const open = yield* Effect.flip(refresher.refresh)
      assert.strictEqual(open._tag, "FxFeedUnavailable")
      assert.include(open.message, "not asked")
      assert.strictEqual(provider.hits("/down"), 6, "an open circuit does not reach the provider")
    }).pipe(Effect.provide(Live))
  )

  it.live("FxRefresher picks the HTTP source when given a URL, the snapshot otherwise", () =>
    Effect.gen(function* () {
      const provider = yield* Provider
      const refreshWith = (source: Parameters<typeof FxRefresher.layerWith>[0]) =>
        Effect.flatMap(FxRefresher, (r) => Effect.map(r.refresh, (saved) => [r.source, saved] as const)).pipe(
          Effect.provide(FxRefresher.layerWith(source))
        )
      const url = provider.url("/daily?key=secret")
      assert.deepStrictEqual(yield* refreshWith({ _tag: "http", ...options(url) }), [new URL(url).host, 12])
      assert.deepStrictEqual(yield* refreshWith({ _tag: "snapshot" }), ["snapshot", 110])
    }).pipe(Effect.provide(Live))
  )
})
