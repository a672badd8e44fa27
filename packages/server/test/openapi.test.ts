import { assert, layer } from "@effect/vitest"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Effect } from "effect"
import { HttpApi } from "effect/http-api"
import { Api } from "../src/http/Api.ts"
import { operations as table } from "../src/operations/Table.ts"
import { call, TestServer } from "./support/TestServer.ts"

// every endpoint of the API definition, as OpenAPI paths: `/v1/accounts/:id` → `/v1/accounts/{id}`
const declared = () => {
  const routes: Array<string> = []
  HttpApi.reflect(Api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => {
      routes.push(`${endpoint.method.toLowerCase()} ${endpoint.path.replace(/:(\w+)/g, "{$1}")}`)
    }
  })
  return routes
}

layer(TestServer(), { timeout: 60_000 })("OpenAPI", (it) => {
  it.effect("/openapi.json is valid OpenAPI 3.1 and describes every route, error and the auth scheme", () =>
    Effect.gen(function* () {
      const reply = yield* call("GET", "/openapi.json", { key: null })
      assert.strictEqual(reply.status, 200)
      const doc = reply.body
      assert.match(doc.openapi, /^3\.1\./)
      const result = yield* Effect.promise(() => new Validator().validate(doc))
      assert.isTrue(result.valid, JSON.stringify(result.errors, null, 1)?.slice(0, 2000))

      const routes = declared()
      assert.isAbove(routes.length, 15)
      for (const route of routes) {
        const [method, path] = route.split(" ") as [string, string]
        assert.isDefined(doc.paths[path]?.[method], `${route} missing from /openapi.json`)
      }
      const create = doc.paths["/v1/transfers"].post
      assert.includeMembers(Object.keys(create.responses), ["201", "400", "401", "409", "422", "429", "503"])
      const schemes = Object.values(doc.components.securitySchemes) as Array<{ type: string; scheme?: string }>
      assert.isTrue(schemes.some((s) => s.type === "http" && s.scheme?.toLowerCase() === "bearer"))
    })
  )

  it.effect("declares the bearer key scheme, and every /v1 operation requires it (so /docs can send a key)", () =>
    Effect.gen(function* () {
      const doc = (yield* call("GET", "/openapi.json", { key: null })).body
      const bearer = Object.entries(doc.components.securitySchemes as Record<string, { type: string; scheme?: string }>)
        .filter(([, s]) => s.type === "http" && s.scheme?.toLowerCase() === "bearer")
        .map(([name]) => name)
      assert.lengthOf(bearer, 1)
      const operations = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown }>>).flatMap(
        ([path, methods]) => Object.entries(methods).map(([method, op]) => ({ route: `${method} ${path}`, op }))
      )
      // public operations (signup, its confirmation) are open like the probes
      const open = new Set(
        table.filter((op) => op.access === "public").map((op) => `${op.http.method.toLowerCase()} ${op.http.path}`)
      )
      const secured = operations.filter(({ route }) => route.includes(" /v1/") && !open.has(route))
      assert.isAbove(secured.length, 10)
      for (const { route, op } of secured) {
        const requirements = (op.security ?? doc.security ?? []) as Array<Record<string, unknown>>
        assert.isTrue(
          requirements.some((r) => bearer[0]! in r),
          `${route} references the bearer scheme`
        )
      }
      // the probes stay open
      for (const { route, op } of operations.filter(({ route }) => /^get \/(healthz|readyz)$/.test(route))) {
        assert.deepStrictEqual(op.security ?? [], [], route)
      }
    })
  )

  it.effect("/docs serves the interactive documentation", () =>
    Effect.gen(function* () {
      const reply = yield* call("GET", "/docs", { key: null })
      assert.strictEqual(reply.status, 200)
      assert.include(String(reply.body), "openapi")
    })
  )
})
