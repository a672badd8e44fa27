// `tally_http_requests_total{route,method,status_class}` and `tally_http_request_duration_seconds{route,method}`
// for every request, as a global router middleware. `route` is the route PATTERN (`/v1/accounts/:id`) looked up
// in a table built from the Api definition (the router's RouteContext is gone by the time a global middleware
// sees the response); a path no route matches is `unmatched`. Never a raw URL or an id.
import { Effect, Exit, Metric } from "effect"
import { FindMyWay, HttpRouter, HttpServerError, HttpServerRequest, type HttpServerResponse } from "effect/http"
import { HttpApi } from "effect/http-api"
import { consoleRoutes } from "../console/Routes.ts"
import { Api } from "../http/Api.ts"
import { httpRequestDuration, httpRequests, methodLabel, statusClass } from "./Definitions.ts"

export const UNMATCHED = "unmatched"

/** Routes served beside the Api's endpoints (Server.ts, STACK.md). */
const EXTRA_ROUTES: ReadonlyArray<readonly [string, `/${string}`]> = [
  ["GET", "/openapi.json"],
  ["GET", "/docs"],
  ["POST", "/rpc"],
  ["GET", "/rpc"]
]

/** Method + path → route pattern, for every endpoint of the Api. */
export const makeRouteTable = () => {
  const router = FindMyWay.make<string>({ ignoreDuplicateSlashes: true })
  const add = (method: string, path: string) => {
    if (!router.has(method, path)) router.on(method, path as `/${string}`, path)
  }
  HttpApi.reflect(Api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => add(endpoint.method, endpoint.path)
  })
  for (const [method, path] of EXTRA_ROUTES) add(method, path)
  for (const route of consoleRoutes) add(route.method, route.path)
  return (method: string, url: string): string => {
    const found = router.find(method, url) ?? (method === "HEAD" ? router.find("GET", url) : undefined)
    return found?.handler ?? UNMATCHED
  }
}

const statusOf = (exit: Exit.Exit<HttpServerResponse.HttpServerResponse, unknown>): Effect.Effect<number> =>
  Exit.isSuccess(exit)
    ? Effect.succeed(exit.value.status)
    : Effect.map(HttpServerError.causeResponse(exit.cause), ([response]) => response.status)

export const HttpMetricsMiddleware = HttpRouter.middleware(
  Effect.sync(() => {
    const lookup = makeRouteTable()
    // the labelled metrics, made once per label set (bounded: routes × methods × status classes)
    const metrics = new Map<string, unknown>()
    const labelled = <M>(key: string, make: () => M): M => {
      const known = metrics.get(key) as M | undefined
      if (known !== undefined) return known
      const made = make()
      metrics.set(key, made)
      return made
    }
    return (httpEffect) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const startedAt = performance.now()
        const exit = yield* Effect.exit(httpEffect)
        const seconds = (performance.now() - startedAt) / 1000
        const route = lookup(request.method, request.url)
        const method = methodLabel(request.method)
        const status = yield* statusOf(exit)
        const statusClassLabel = statusClass(status)
        yield* Metric.update(
          labelled(`${route} ${method} ${statusClassLabel}`, () =>
            Metric.withAttributes(httpRequests, { route, method, status_class: statusClassLabel })
          ),
          1
        )
        yield* Metric.update(
          labelled(`${route} ${method}`, () => Metric.withAttributes(httpRequestDuration, { route, method })),
          seconds
        )
        return yield* exit
      })
  }),
  { global: true }
)
