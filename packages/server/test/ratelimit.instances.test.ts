// Two server instances behind one database share the rate limit (issue 10 A5, docs/adr/0028-rate-limits.md):
// an owner alternating between them gets the burst once, not once per instance.
import { assert, it } from "@effect/vitest"
import * as Database from "@tally/adapters/Database"
import { freshDatabaseUrl } from "@tally/adapters/test/support/TestDatabase"
import { ConfigProvider, Context, Effect, Layer, Redacted } from "effect"
import { HttpServer } from "effect/http"
import { AppLive } from "../src/Server.ts"
import { ADMIN_KEY } from "./support/TestServer.ts"

const env = { TALLY_RATE_LIMIT_PER_SECOND: "0.01", TALLY_RATE_LIMIT_BURST: "4" }

const instance = (url: string) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      AppLive({
        host: "127.0.0.1",
        port: 0,
        config: { adminApiKey: Redacted.make(ADMIN_KEY), httpHost: "127.0.0.1", metricsPort: 0 }
      }).pipe(
        Layer.provide(Database.layerUrl(Redacted.make(url), { poolMax: 4 })),
        Layer.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnvRecord(env), { asPrimary: true }))
      )
    )
    const address = Context.get(context, HttpServer.HttpServer).address
    if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
    return `http://127.0.0.1:${address.port}`
  })

const status = (base: string, method: string, path: string, key: string, body?: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  })

it.live(
  "an owner alternating between two instances on one database gets one burst",
  () =>
    Effect.scoped(
      Effect.gen(function* () {
        const url = yield* freshDatabaseUrl
        const a = yield* instance(url)
        const b = yield* instance(url)
        const minted = yield* status(a, "POST", "/v1/api-keys", ADMIN_KEY, { ownerName: "Twice" })
        assert.strictEqual(minted.status, 201)
        const key = minted.body.key as string
        const statuses: Array<number> = []
        for (const base of [a, b, a, b, a, b]) statuses.push((yield* status(base, "GET", "/v1/accounts", key)).status)
        assert.deepStrictEqual(statuses, [200, 200, 200, 200, 429, 429])
      })
    ),
  120_000
)
