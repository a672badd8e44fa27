// Prometheus metrics (docs/reference/metrics.md): the exporter, the HTTP middleware, the RPC helper and the
// ledger store decorator. Wiring: see the module docs of each file.
export * from "./Definitions.ts"
export { CONTENT_TYPE, defaultMetricsRegistry, MetricsLive, MetricsServer, renderMetrics } from "./Exporter.ts"
export { HttpMetricsMiddleware, makeRouteTable, UNMATCHED } from "./HttpMetrics.ts"
export {
  LedgerMetricsLive,
  type LedgerMetricsOptions,
  ledgerMetricsLayer,
  meter,
  recordCommitted
} from "./LedgerMetrics.ts"
export { rpcCode, trackRpc } from "./Rpc.ts"
