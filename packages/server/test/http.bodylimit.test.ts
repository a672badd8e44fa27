// The body limit (TALLY_BODY_BYTES_MAX) holds whether or not the client declares the body's length: a chunked body
// over the limit is refused (413) while it is read, and nothing is stored. The limit is in every request's context
// from the server's layer (http/Edge.ts BodyLimitLive), not set per request.
import * as http from "node:http"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ADMIN_KEY, BaseUrl, call, TestServer } from "./support/TestServer.ts"

const chunked = (base: string, path: string, chunks: ReadonlyArray<string>) =>
  Effect.callback<{ status: number; body: string }>((resume) => {
    const url = new URL(path, base)
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: url.pathname,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }
      },
      (response) => {
        let body = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => {
          body += chunk
        })
        response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, body })))
      }
    )
    request.on("error", (error) => resume(Effect.succeed({ status: 0, body: String(error) })))
    for (const chunk of chunks) request.write(chunk)
    request.end()
  })

layer(TestServer({ env: { TALLY_BODY_BYTES_MAX: "2048" } }), { timeout: 60_000 })("body limit", (it) => {
  it.effect("a chunked body over the limit is refused; one under it is served", () =>
    Effect.gen(function* () {
      const base = yield* BaseUrl
      const before = (yield* call("GET", "/v1/accounts?limit=500")).body.items.length
      const over = yield* chunked(base, "/v1/accounts", [
        '{"currency":"EUR","metadata":{"pad":"',
        "x".repeat(4096),
        '"}}'
      ])
      assert.strictEqual(over.status, 413)
      const under = yield* chunked(base, "/v1/accounts", ['{"currency":', '"EUR"}'])
      assert.strictEqual(under.status, 201)
      assert.strictEqual((yield* call("GET", "/v1/accounts?limit=500")).body.items.length, before + 1)
    })
  )
})
