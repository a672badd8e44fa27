// A real Tally HTTP server on a free loopback port, on its own fresh database.

import { EmptyDatabase } from "@tally/adapters/test/support/TestDatabase"
import { ConfigProvider, Context, Effect, Layer, Redacted } from "effect"
import { HttpServer } from "effect/http"
import { AppLive } from "../../src/Server.ts"

export const ADMIN_KEY = "test-admin-key-0123456789"

export class BaseUrl extends Context.Service<BaseUrl, string>()("tally/test/BaseUrl") {}

export const TestServer = (
  options: { readonly poolMax?: number; readonly env?: Record<string, string>; readonly port?: number } = {}
) =>
  Layer.effect(
    BaseUrl,
    Effect.gen(function* () {
      const server = yield* HttpServer.HttpServer
      const address = server.address
      if (address._tag === "UnixPathAddress") return yield* Effect.die("expected a TCP address")
      return `http://127.0.0.1:${address.port}`
    })
  ).pipe(
    Layer.provideMerge(
      AppLive({
        host: "127.0.0.1",
        port: options.port ?? 0,
        config: { adminApiKey: Redacted.make(ADMIN_KEY), httpHost: "127.0.0.1", metricsPort: 0 }
      }).pipe(Layer.provideMerge(EmptyDatabase(options)))
    ),
    // settings a test needs, ahead of the process environment
    Layer.provide(ConfigProvider.layerAdd(ConfigProvider.fromEnvRecord(options.env ?? {}), { asPrimary: true }))
  )

export interface Reply {
  readonly status: number
  readonly headers: Headers
  // biome-ignore lint/suspicious/noExplicitAny: test convenience for JSON bodies
  readonly body: any
}

/** A plain fetch, so the tests see exactly what a curl user sees. */
export const call = (
  method: string,
  path: string,
  options: {
    readonly body?: unknown
    readonly rawBody?: string
    readonly key?: string | null
    readonly headers?: Record<string, string>
  } = {}
) =>
  Effect.gen(function* () {
    const base = yield* BaseUrl
    const headers: Record<string, string> = { ...options.headers }
    const key = options.key === undefined ? ADMIN_KEY : options.key
    if (key !== null) headers.authorization = `Bearer ${key}`
    let body: string | undefined
    if (options.rawBody !== undefined) body = options.rawBody
    else if (options.body !== undefined) body = JSON.stringify(options.body)
    if (body !== undefined) headers["content-type"] ??= "application/json"
    const response = yield* Effect.promise(() =>
      fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    )
    const text = yield* Effect.promise(() => response.text())
    let parsed: unknown = text
    try {
      parsed = text === "" ? undefined : JSON.parse(text)
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed } satisfies Reply as Reply
  })
