// Prometheus metrics (docs/reference/metrics.md): the exporter, the HTTP middleware, the RPC metrics (recorded
// by the operation runner), the ledger telemetry and the gauges.
export * from "./Definitions.ts"
export { CONTENT_TYPE, defaultMetricsRegistry, MetricsLive, MetricsServer, renderMetrics } from "./Exporter.ts"
export { GaugesLive } from "./Gauges.ts"
export { HttpMetricsMiddleware, makeRouteTable, UNMATCHED } from "./HttpMetrics.ts"
export { LedgerTelemetryLive } from "./Ledger.ts"
export { rpcCode, trackRpc } from "./Rpc.ts"
