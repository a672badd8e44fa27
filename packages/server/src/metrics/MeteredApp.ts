// Interim: `AppLive` (Server.ts) with the metrics wired as proposed in docs/reference/metrics.md ("Wiring"),
// for the metrics tests until Server.ts wires them itself. Delete once it does (the tests then use AppLive).
import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import { ServerConfig, type ServerConfigShape } from "../Config.ts"
import { Authenticator } from "../http/Auth.ts"
import { ApiRoutes, MigrateAtStart, SchemaLive, StoresLive } from "../Server.ts"
import { MetricsLive } from "./Exporter.ts"
import { HttpMetricsMiddleware } from "./HttpMetrics.ts"
import { type LedgerMetricsOptions, ledgerMetricsLayer } from "./LedgerMetrics.ts"

export const MeteredAppLive = (options: {
  readonly host: string
  readonly port: number
  readonly config?: Partial<ServerConfigShape>
  readonly ledger?: LedgerMetricsOptions
}) =>
  HttpRouter.serve(Layer.mergeAll(HttpMetricsMiddleware, ApiRoutes)).pipe(
    Layer.provideMerge(
      NodeHttpServer.layer(() => createServer({ requestTimeout: 30_000 }), {
        host: options.host,
        port: options.port,
        gracefulShutdownTimeout: "10 seconds"
      })
    ),
    Layer.provideMerge(MetricsLive),
    Layer.provide(MigrateAtStart),
    Layer.provideMerge(Authenticator.layer),
    Layer.provideMerge(
      Layer.mergeAll(SchemaLive, ledgerMetricsLayer(options.ledger).pipe(Layer.provideMerge(StoresLive)))
    ),
    Layer.provideMerge(ServerConfig.layerWith({ metricsPort: 0, ...options.config }))
  )
