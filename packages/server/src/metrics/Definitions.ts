// Tally's own Effect metrics (docs/reference/metrics.md) and the helpers that keep their labels bounded.
// Metrics defined elsewhere (database transactions, scheduler) reach the exporter through the same registry.
import { Metric } from "effect"

const latencyBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export const buildInfo = Metric.gauge("tally_build_info", {
  description: "Always 1; the labels carry the service version and the Node.js version"
})

export const httpRequests = Metric.counter("tally_http_requests_total", {
  description: "HTTP requests answered, by route pattern, method and status class",
  incremental: true
})

export const httpRequestDuration = Metric.histogram("tally_http_request_duration_seconds", {
  description: "HTTP request handling time, by route pattern and method",
  boundaries: latencyBoundaries
})

export const rpcCallsStarted = Metric.counter("tally_rpc_calls_started_total", {
  description: "RPC calls started, by method",
  incremental: true
})

export const rpcCallsHandled = Metric.counter("tally_rpc_calls_handled_total", {
  description: "RPC calls finished, by method and outcome code",
  incremental: true
})

export const rpcHandlingSeconds = Metric.histogram("tally_rpc_handling_seconds", {
  description: "RPC handling time, by method",
  boundaries: latencyBoundaries.slice(0, -1) // the RPC middleware's buckets: 1 ms … 5 s
})

export const dbPoolConnections = Metric.gauge("tally_db_pool_connections", {
  description: "Database connections of this instance's pool, by state (max, in_use)"
})

export const transfers = Metric.counter("tally_transfers_total", {
  description: "Committed transfer decisions, by kind, final status and result code",
  incremental: true
})

export const batchSize = Metric.histogram("tally_batch_size", {
  description: "Transfers per committed batch",
  boundaries: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
})

export const groupCommitSize = Metric.histogram("tally_group_commit_size", {
  description: "Single transfers per group-commit transaction",
  boundaries: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
})

export const holdsOutstanding = Metric.gauge("tally_holds_outstanding", {
  description:
    "Holds (pending transfers) in the database, by kind (transfer; reservation: a held reservation's), polled"
})

export const seatsHeld = Metric.gauge("tally_seats_held", {
  description: "Seats held by reservations not yet confirmed, over every scheduled event, polled"
})

// --- bounded label values -------------------------------------------------------------------------

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/** The HTTP method, or `OTHER` for anything outside the standard set. */
export const methodLabel = (method: string): string => (METHODS.has(method) ? method : "OTHER")

/** `2xx`, `4xx`, … (anything outside 100–599 is `5xx`: it was a server fault). */
export const statusClass = (status: number): string =>
  Number.isInteger(status) && status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "5xx"

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/

/** A code-defined name (RPC method, error tag), or `fallback` when it does not look like one. */
export const nameLabel = (name: unknown, fallback: string): string =>
  typeof name === "string" && IDENTIFIER.test(name) ? name : fallback
