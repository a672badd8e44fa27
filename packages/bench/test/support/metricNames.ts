// The metric names the dashboards may use: Tally's own (DESIGN.md "Metrics") and prom-client's
// `collectDefaultMetrics()` (no prefix). A dashboard query naming anything else fails
// packages/bench/test/assets.test.ts.

export type MetricType = "counter" | "gauge" | "histogram"

export interface MetricSpec {
  readonly type: MetricType
  /** Label names (besides `le`, `instance`, `job`). */
  readonly labels: ReadonlyArray<string>
}

/**
 * Tally's metrics as DESIGN.md lists them. Where DESIGN names no labels, the ones here are what the
 * dashboards assume (HTTP duration per route and method, RPC duration per method, build version).
 */
export const tallyMetrics = {
  tally_build_info: { type: "gauge", labels: ["version", "node"] },
  tally_http_requests_total: { type: "counter", labels: ["route", "method", "status_class"] },
  tally_http_request_duration_seconds: { type: "histogram", labels: ["route", "method"] },
  tally_rpc_calls_started_total: { type: "counter", labels: ["method"] },
  tally_rpc_calls_handled_total: { type: "counter", labels: ["method", "code"] },
  tally_rpc_handling_seconds: { type: "histogram", labels: ["method"] },
  tally_db_pool_connections: { type: "gauge", labels: ["state"] },
  tally_db_transaction_retries_total: { type: "counter", labels: ["reason"] },
  tally_db_transaction_duration_seconds: { type: "histogram", labels: [] },
  tally_transfers_total: { type: "counter", labels: ["kind", "status", "reason"] },
  tally_batch_size: { type: "histogram", labels: [] },
  // planned with group commit (issue 11): transfers per database transaction; in docs/reference/metrics.md
  tally_group_commit_size: { type: "histogram", labels: [] },
  tally_holds_outstanding: { type: "gauge", labels: ["kind"] },
  tally_reservations_total: { type: "counter", labels: ["outcome"] },
  tally_seats_held: { type: "gauge", labels: [] },
  tally_outbox_jobs: { type: "gauge", labels: ["destination", "state"] },
  tally_outbox_oldest_pending_age_seconds: { type: "gauge", labels: [] },
  tally_outbox_deliveries_total: { type: "counter", labels: ["destination", "outcome"] },
  tally_fx_rate_age_seconds: { type: "gauge", labels: ["currency"] },
  tally_scheduler_runs_total: { type: "counter", labels: ["job", "outcome"] },
  tally_scheduler_last_success_timestamp_seconds: { type: "gauge", labels: ["job"] },
  tally_ledger_imbalance_minor: { type: "gauge", labels: ["currency"] }
} as const satisfies Record<string, MetricSpec>

/**
 * prom-client 15 `collectDefaultMetrics()` on Linux (node_modules/prom-client/lib/metrics/*.js).
 * assets.test.ts checks this list against a live prom-client registry.
 */
export const promClientDefaultMetrics = {
  process_cpu_user_seconds_total: { type: "counter", labels: [] },
  process_cpu_system_seconds_total: { type: "counter", labels: [] },
  process_cpu_seconds_total: { type: "counter", labels: [] },
  process_start_time_seconds: { type: "gauge", labels: [] },
  process_resident_memory_bytes: { type: "gauge", labels: [] },
  process_virtual_memory_bytes: { type: "gauge", labels: [] },
  process_heap_bytes: { type: "gauge", labels: [] },
  process_open_fds: { type: "gauge", labels: [] },
  process_max_fds: { type: "gauge", labels: [] },
  nodejs_eventloop_lag_seconds: { type: "gauge", labels: [] },
  nodejs_eventloop_lag_min_seconds: { type: "gauge", labels: [] },
  nodejs_eventloop_lag_max_seconds: { type: "gauge", labels: [] },
  nodejs_eventloop_lag_mean_seconds: { type: "gauge", labels: [] },
  nodejs_eventloop_lag_stddev_seconds: { type: "gauge", labels: [] },
  nodejs_eventloop_lag_p50_seconds: { type: "gauge", labels: [] },
  nodejs_eventloop_lag_p90_seconds: { type: "gauge", labels: [] },
  nodejs_eventloop_lag_p99_seconds: { type: "gauge", labels: [] },
  nodejs_active_resources: { type: "gauge", labels: ["type"] },
  nodejs_active_resources_total: { type: "gauge", labels: [] },
  nodejs_active_handles: { type: "gauge", labels: ["type"] },
  nodejs_active_handles_total: { type: "gauge", labels: [] },
  nodejs_active_requests: { type: "gauge", labels: ["type"] },
  nodejs_active_requests_total: { type: "gauge", labels: [] },
  nodejs_heap_size_total_bytes: { type: "gauge", labels: [] },
  nodejs_heap_size_used_bytes: { type: "gauge", labels: [] },
  nodejs_external_memory_bytes: { type: "gauge", labels: [] },
  nodejs_heap_space_size_total_bytes: { type: "gauge", labels: ["space"] },
  nodejs_heap_space_size_used_bytes: { type: "gauge", labels: ["space"] },
  nodejs_heap_space_size_available_bytes: { type: "gauge", labels: ["space"] },
  nodejs_version_info: { type: "gauge", labels: ["version", "major", "minor", "patch"] },
  nodejs_gc_duration_seconds: { type: "histogram", labels: ["kind"] }
} as const satisfies Record<string, MetricSpec>

export const knownMetrics: Readonly<Record<string, MetricSpec>> = { ...tallyMetrics, ...promClientDefaultMetrics }

/** Labels every scraped series has, or gains, in Prometheus. A metric's own `job` label is renamed `exported_job`. */
export const targetLabels = ["instance", "job"] as const

const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"] as const

/**
 * The metric a series name in a query belongs to: itself, or for `x_bucket` / `x_sum` / `x_count`
 * the histogram `x`. `undefined` when neither Tally nor prom-client exposes it.
 */
export const resolveSeriesName = (
  series: string
): { readonly metric: string; readonly spec: MetricSpec } | undefined => {
  const direct = knownMetrics[series]
  if (direct !== undefined && direct.type !== "histogram") return { metric: series, spec: direct }
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!series.endsWith(suffix)) continue
    const metric = series.slice(0, -suffix.length)
    const spec = knownMetrics[metric]
    if (spec?.type === "histogram") return { metric, spec }
  }
  return undefined
}

/** Every series name Prometheus stores for the known metrics (histograms as `_bucket/_sum/_count`). */
export const exposedSeriesNames = (): ReadonlyArray<string> =>
  Object.entries(knownMetrics).flatMap(([name, spec]) =>
    spec.type === "histogram" ? HISTOGRAM_SUFFIXES.map((suffix) => `${name}${suffix}`) : [name]
  )
