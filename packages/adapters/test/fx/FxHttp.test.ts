import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import type { CurrencyCode } from "@tally/domain/Money"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { Context, DateTime, Duration, Effect, Layer, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import * as FxHttp from "../../src/fx/FxHttp.ts"
import { FxRefresher } from "../../src/fx/FxRefresher.ts"
import * as MemoryLedgerStore from "../../src/memory/MemoryLedgerStore.ts"

const today = () => new Date().toISOString().slice(0, 10)

const feed = (date: string) => ({
  base: "USD",
  date,
  rates: { EUR: "0.8578", JPY: "151.33", XXX: "2.5" } // XXX is no currency Tally knows: skipped
})

/** A real provider on 127.0.0.1 (port 0 = any free port), answering per path. */
class Provider extends Context.Service<Provider, { readonly url: (path: string) => string }>()("test/Provider") {
  static readonly layer = Layer.effect(
    Provider,
    Effect.acquireRelease(
      Effect.callback<http.Server>((resume) => {
        const server = http.createServer((req, res) => {
          const json = (status: number, body: unknown) => {
            res.writeHead(status, { "content-type": "application/json" })
            res.end(JSON.stringify(body))
          }
          switch (req.url) {
            case "/rates?key=secret":
              return json(200, feed(today()))
            case "/old":
              return json(200, feed("2020-01-02"))
            case "/invalid":
              return json(200, { base: "USD", date: today(), rates: { EUR: "-1" } })
            case "/down":
              return json(503, { error: "maintenance" })
            case "/slow":
              return // never answers
            default:
              return json(404, {})
          }
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    ).pipe(
      Effect.map((server) => {
        const { port } = server.address() as AddressInfo
        return Provider.of({ url: (path) => `http://127.0.0.1:${port}${path}` })
      })
    )
  )
}

const Live = Layer.mergeAll(Provider.layer, MemoryLedgerStore.layer, FetchHttpClient.layer)

const options = (url: string): FxHttp.FxHttpOptions => ({ url, timeout: Duration.millis(500), feedMaxAgeDays: 4 })
const cc = (c: string) => c as CurrencyCode

describe("FxHttp against a local provider", () => {
  it.live("fetches the feed, derives the pairs of known currencies and saves them with the provider's name", () =>
    Effect.gen(function* () {
      const provider = yield* Provider
      const url = provider.url("/rates?key=secret")
      const saved = yield* FxHttp.load(options(url))
      assert.strictEqual(saved, 6) // USD, EUR, JPY: 3 × 2 ordered pairs
      const store = yield* LedgerStore
      const quote = Option.getOrThrow(yield* store.fxQuote(cc("EUR"), cc("JPY")))
      // 151.33 / 0.8578 = 176.41641408253672…
      assert.strictEqual(quote.rate, "176.4164140825")
      const host = new URL(url).host
      assert.strictEqual(quote.source, `${host}:${today()}`, "the source names the host, never the query (keys)")
      const ageMs = DateTime.toEpochMillis(yield* DateTime.now) - DateTime.toEpochMillis(quote.asOf)
      assert.isTrue(ageMs >= 0 && ageMs < 5_000)
      assert.isTrue(Option.isNone(yield* store.fxQuote(cc("USD"), cc("USD"))))
    }).pipe(Effect.provide(Live))
  )

  it.live("refuses a feed whose date is too old, a malformed feed, an error status and a silent provider", () =>
    Effect.gen(function* () {
      const provider = yield* Provider
      const old = yield* Effect.flip(FxHttp.load(options(provider.url("/old"))))
      assert.strictEqual(old._tag, "FxFeedInvalid")
      const invalid = yield* Effect.flip(FxHttp.load(options(provider.url("/invalid"))))
      assert.strictEqual(invalid._tag, "FxFeedInvalid")
      const down = yield* Effect.flip(FxHttp.load(options(provider.url("/down"))))
      assert.strictEqual(down._tag, "FxFeedUnavailable")
      const slow = yield* Effect.flip(FxHttp.load(options(provider.url("/slow"))))
      assert.strictEqual(slow._tag, "FxFeedUnavailable")
      assert.include((slow as FxHttp.FxFeedUnavailable).message, "no answer within")
      const store = yield* LedgerStore
      assert.isTrue(Option.isNone(yield* store.fxQuote(cc("USD"), cc("EUR"))), "nothing saved")
    }).pipe(Effect.provide(Live))
  )

  it.live("FxRefresher picks the HTTP source when given a URL, the snapshot otherwise", () =>
    Effect.gen(function* () {
      const provider = yield* Provider
      const refreshWith = (source: Parameters<typeof FxRefresher.layerWith>[0]) =>
        Effect.flatMap(FxRefresher, (r) => Effect.map(r.refresh, (saved) => [r.source, saved] as const)).pipe(
          Effect.provide(FxRefresher.layerWith(source))
        )
      const url = provider.url("/rates?key=secret")
      assert.deepStrictEqual(yield* refreshWith({ _tag: "http", ...options(url) }), [new URL(url).host, 6])
      assert.deepStrictEqual(yield* refreshWith({ _tag: "snapshot" }), ["snapshot", 110])
    }).pipe(Effect.provide(Live))
  )
})
