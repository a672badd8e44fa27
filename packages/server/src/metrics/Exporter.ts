// The Prometheus endpoint: a small node:http server of its own on TALLY_METRICS_PORT serving `GET /metrics`,
// the Effect metrics registry (PrometheusMetrics' format) followed by prom-client's default process metrics.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Context, Effect, Layer, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"
import client from "prom-client"
import { ServerConfig } from "../Config.ts"
import { version } from "../Version.ts"
import { buildInfo } from "./Definitions.ts"

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

let defaults: client.Registry | undefined

/** prom-client's `collectDefaultMetrics()` (no prefix), once per process: they observe process-wide state. */
export const defaultMetricsRegistry = (): client.Registry => {
  if (defaults === undefined) {
    defaults = new client.Registry()
    client.collectDefaultMetrics({ register: defaults })
  }
  return defaults
}

/** The whole exposition: every Effect metric in `context`'s registry, then the process metrics. */
export const renderMetrics = async (context: Context.Context<never>): Promise<string> => {
  const own = PrometheusMetrics.formatUnsafe(context)
  const process = await defaultMetricsRegistry().metrics()
  return own === "" || own.endsWith("\n") ? own + process : `${own}\n${process}`
}

/** Where the exporter listens (port 0 in the config = any free port, for tests). */
export class MetricsServer extends Context.Service<MetricsServer, { readonly host: string; readonly port: number }>()(
  "tally/server/metrics/MetricsServer"
) {}

const handler = (context: Context.Context<never>) => (request: IncomingMessage, response: ServerResponse) => {
  const path = (request.url ?? "/").split("?")[0]
  if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
    response.writeHead(404, { "content-type": "text/plain" }).end("not found: the metrics are at GET /metrics\n")
    return
  }
  renderMetrics(context).then(
    (body) => {
      response.writeHead(200, { "content-type": CONTENT_TYPE, "content-length": Buffer.byteLength(body) })
      response.end(request.method === "HEAD" ? undefined : body)
    },
    (error: unknown) => {
      response.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${String(error)}\n`)
    }
  )
}

/**
 * The exporter on `httpHost:metricsPort` for as long as the layer lives, with `tally_build_info` = 1.
 * Requires ServerConfig.
 */
export const MetricsLive: Layer.Layer<MetricsServer, never, ServerConfig> = Layer.effect(
  MetricsServer,
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const context = yield* Effect.context<never>()
    yield* Metric.update(Metric.withAttributes(buildInfo, { version, node: process.version }), 1)
    defaultMetricsRegistry()
    const server = yield* Effect.acquireRelease(
      Effect.callback<ReturnType<typeof createServer>>((resume) => {
        const server = createServer(handler(context))
        server.once("error", (error) => resume(Effect.die(error)))
        server.listen(config.metricsPort, config.httpHost, () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    const port = (server.address() as AddressInfo).port
    yield* Effect.logInfo(`metrics on http://${config.httpHost}:${port}/metrics`)
    return MetricsServer.of({ host: config.httpHost, port })
  })
)
