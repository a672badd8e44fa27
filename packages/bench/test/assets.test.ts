// Static checks of the operational assets: docker-compose.yml, Dockerfile, Prometheus config,
// Grafana provisioning and dashboards. No Docker engine, Prometheus or Grafana is needed.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import client from "prom-client"
import { describe, expect, it } from "vitest"
import YAML from "yaml"
import {
  balancedBrackets,
  type Dashboard,
  isLabelName,
  legendLabels,
  loadDashboardQueries,
  loadDashboards,
  panelsOf,
  promqlNames,
  repoRoot
} from "./support/dashboards.ts"
import {
  knownMetrics,
  type MetricSpec,
  promClientDefaultMetrics,
  resolveSeriesName,
  tallyMetrics,
  targetLabels
} from "./support/metricNames.ts"

const file = (relative: string) => path.join(repoRoot, relative)
const read = (relative: string) => fs.readFileSync(file(relative), "utf8")

/** Parses YAML strictly: any syntax error or duplicate key fails. */
const parseYaml = (relative: string): Record<string, unknown> => {
  const doc = YAML.parseDocument(read(relative), { uniqueKeys: true, prettyErrors: true })
  expect(doc.errors.map(String), relative).toEqual([])
  const value = doc.toJS() as unknown
  expect(value, relative).toBeTypeOf("object")
  return value as Record<string, unknown>
}

// --- docker compose --------------------------------------------------------------------------------

interface ComposeService {
  readonly image?: string
  readonly build?: string | { readonly context?: string; readonly dockerfile?: string }
  readonly profiles?: ReadonlyArray<string>
  readonly healthcheck?: { readonly test?: string | ReadonlyArray<string>; readonly disable?: boolean }
  readonly depends_on?: ReadonlyArray<string> | Record<string, { readonly condition?: string }>
  readonly volumes?: ReadonlyArray<string | ComposeVolume>
  readonly ports?: ReadonlyArray<string | number | { readonly published?: string | number; readonly target?: number }>
  readonly environment?: Record<string, string> | ReadonlyArray<string>
}

interface ComposeVolume {
  readonly type?: string
  readonly source?: string
  readonly target?: string
  readonly bind?: { readonly create_host_path?: boolean }
}

interface Mount {
  readonly service: string
  readonly kind: "bind" | "volume"
  readonly source: string
  readonly target: string
  readonly createHostPath: boolean
}

const compose = parseYaml("docker-compose.yml") as {
  readonly services: Record<string, ComposeService>
  readonly volumes?: Record<string, unknown>
}
const services = compose.services ?? {}

const hasHealthcheck = (service: ComposeService | undefined) => {
  const check = service?.healthcheck
  if (check === undefined || check.disable === true) return false
  const test = typeof check.test === "string" ? [check.test] : (check.test ?? [])
  return test.length > 0 && test[0] !== "NONE"
}

const dependencies = (service: ComposeService): Array<{ name: string; condition: string | undefined }> => {
  const deps = service.depends_on
  if (deps === undefined) return []
  if (Array.isArray(deps)) return deps.map((name) => ({ name, condition: undefined }))
  return Object.entries(deps).map(([name, dep]) => ({ name, condition: dep?.condition }))
}

const mounts = (): Mount[] =>
  Object.entries(services).flatMap(([service, s]) =>
    (s.volumes ?? []).map((volume): Mount => {
      if (typeof volume === "string") {
        const [source = "", target = ""] = volume.split(":")
        const isPath = source.startsWith(".") || source.startsWith("/") || source.startsWith("~")
        return { service, kind: isPath ? "bind" : "volume", source, target, createHostPath: isPath }
      }
      return {
        service,
        kind: volume.type === "bind" ? "bind" : "volume",
        source: volume.source ?? "",
        target: volume.target ?? "",
        createHostPath: volume.bind?.create_host_path === true
      }
    })
  )

const publishedPorts = (service: ComposeService): number[] =>
  (service.ports ?? []).map((port) => {
    if (typeof port === "number") return port
    if (typeof port === "object") return Number(port.published)
    // [host_ip:]published[:target][/protocol]
    const parts = port.replace(/\/(tcp|udp)$/, "").split(":")
    return Number(parts.length === 1 ? parts[0] : parts[parts.length - 2])
  })

const gitignored = (relative: string): boolean => {
  const name = relative.replace(/^\.\//, "").replace(/\/$/, "")
  return read(".gitignore")
    .split("\n")
    .map((line) => line.trim().replace(/^\//, "").replace(/\/$/, ""))
    .includes(name)
}

const environment = (service: ComposeService): Record<string, string> => {
  const env = service.environment ?? {}
  if (!Array.isArray(env)) return env as Record<string, string>
  return Object.fromEntries(
    env.map((entry) => {
      const at = entry.indexOf("=")
      return at < 0 ? [entry, ""] : [entry.slice(0, at), entry.slice(at + 1)]
    })
  )
}

describe("docker-compose.yml", () => {
  it("defines postgres, tally, prometheus and grafana by default and k6 in the load profile", () => {
    expect(Object.keys(services).sort()).toEqual(["grafana", "k6", "postgres", "prometheus", "tally"])
    expect(services.k6?.profiles).toContain("load")
    for (const name of ["postgres", "tally", "prometheus", "grafana"]) {
      expect(services[name]?.profiles, `${name} starts without a profile`).toBeUndefined()
    }
    expect(services.postgres?.image).toMatch(/^postgres:18(\b|$)/)
    expect(services.k6?.image).toMatch(/^grafana\/k6(:|$)/)
  })

  it("gives every long-running service a healthcheck", () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === "k6") continue
      expect(hasHealthcheck(service), `${name} has a healthcheck`).toBe(true)
    }
    expect(JSON.stringify(services.postgres?.healthcheck?.test)).toContain("pg_isready")
    expect(JSON.stringify(services.tally?.healthcheck?.test)).toContain("/healthz")
  })

  it("waits for healthy dependencies", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dep of dependencies(service)) {
        expect(services[dep.name], `${name} depends on a defined service ${dep.name}`).toBeDefined()
        if (hasHealthcheck(services[dep.name])) {
          expect(dep.condition, `${name} → ${dep.name} waits for service_healthy`).toBe("service_healthy")
        }
      }
    }
    const edges = Object.entries(services).flatMap(([name, s]) => dependencies(s).map((d) => `${name}→${d.name}`))
    expect(edges).toEqual(
      expect.arrayContaining(["tally→postgres", "prometheus→tally", "grafana→prometheus", "k6→tally"])
    )
  })

  it("bind-mounts only paths that exist in the repository (or git-ignored output directories)", () => {
    const binds = mounts().filter((m) => m.kind === "bind")
    expect(binds.length).toBeGreaterThan(0)
    for (const bind of binds) {
      expect(path.isAbsolute(bind.source), `${bind.service}: ${bind.source} is relative to the repo`).toBe(false)
      const exists = fs.existsSync(file(bind.source))
      const outputDir = bind.createHostPath && gitignored(bind.source) && bind.service === "k6"
      expect(exists || outputDir, `${bind.service}: ${bind.source} exists`).toBe(true)
    }
    const declared = Object.keys(compose.volumes ?? {})
    for (const volume of mounts().filter((m) => m.kind === "volume")) {
      expect(declared, `${volume.service}: named volume ${volume.source} is declared`).toContain(volume.source)
    }
  })

  it("mounts the Prometheus config, Grafana provisioning and dashboards, and the k6 scripts", () => {
    const targets = Object.fromEntries(mounts().map((m) => [`${m.service}:${m.source}`, m.target]))
    expect(targets["prometheus:./prometheus/prometheus.yml"]).toBe("/etc/prometheus/prometheus.yml")
    expect(targets["grafana:./grafana/provisioning"]).toBe("/etc/grafana/provisioning")
    expect(targets["grafana:./grafana/dashboards"]).toBe(dashboardProviderPath())
    expect(targets["k6:./k6"]).toBeDefined()
  })

  it("publishes the API, metrics, Prometheus and Grafana ports", () => {
    const ports = Object.values(services).flatMap(publishedPorts)
    expect(ports).toEqual(expect.arrayContaining([8080, 9464, 9090, 3000]))
    expect(publishedPorts(services.tally!)).toEqual(expect.arrayContaining([8080, 9464]))
  })

  it("builds tally from the Dockerfile and points it at the postgres service", () => {
    const build = services.tally?.build
    const dockerfile = typeof build === "object" ? (build.dockerfile ?? "Dockerfile") : "Dockerfile"
    expect(fs.existsSync(file(dockerfile))).toBe(true)
    const env = environment(services.tally!)
    expect(env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\/[^@]+@postgres:5432\//)
    expect(env.TALLY_ADMIN_API_KEY).toBeTruthy()
    expect(environment(services.k6!).BASE_URL).toBe("http://tally:8080")
  })
})

describe("Dockerfile and .dockerignore", () => {
  const dockerfile = read("Dockerfile")

  it("runs the server on node:24-slim after npm ci", () => {
    expect(dockerfile).toMatch(/^FROM node:24-slim\b/m)
    expect(dockerfile).toMatch(/^RUN (--mount=\S+ )*npm ci\b/m)
    expect(dockerfile).toMatch(/^CMD .*node packages\/server\/src\/main\.ts migrate up.*main\.ts serve/m)
    expect(dockerfile).toMatch(/^EXPOSE 8080 9464$/m)
    // the service's default is loopback; inside a container it must listen on the container's interface
    expect(dockerfile).toMatch(/^\s*TALLY_HTTP_HOST=0\.0\.0\.0\b/m)
  })

  it("keeps dependencies, data and results out of the build context", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((line) => line.trim())
    expect(ignored).toEqual(expect.arrayContaining(["**/node_modules", ".data", "bench-results"]))
  })
})

// --- Prometheus ------------------------------------------------------------------------------------

describe("prometheus/prometheus.yml", () => {
  const config = parseYaml("prometheus/prometheus.yml") as {
    global?: { scrape_interval?: string }
    scrape_configs?: Array<{
      job_name: string
      metrics_path?: string
      static_configs?: Array<{ targets: string[] }>
    }>
  }

  it("scrapes Tally's metrics port as job tally", () => {
    const jobs = config.scrape_configs ?? []
    expect(new Set(jobs.map((j) => j.job_name)).size, "job names are unique").toBe(jobs.length)
    const tally = jobs.find((j) => j.job_name === "tally")
    expect(tally).toBeDefined()
    expect(tally?.metrics_path ?? "/metrics").toBe("/metrics")
    const targets = (tally?.static_configs ?? []).flatMap((c) => c.targets)
    expect(targets).toContain("tally:9464")
  })

  it("uses the scrape interval Grafana's datasource assumes", () => {
    const datasource = datasources().find((d) => d.uid === "prometheus")
    expect(datasource?.jsonData?.timeInterval).toBe(config.global?.scrape_interval)
  })
})

// --- Grafana provisioning ----------------------------------------------------------------------------

const datasources = () =>
  (
    parseYaml("grafana/provisioning/datasources/prometheus.yml") as {
      datasources?: Array<{ uid?: string; type?: string; url?: string; jsonData?: { timeInterval?: string } }>
    }
  ).datasources ?? []

function dashboardProviderPath(): string | undefined {
  const config = parseYaml("grafana/provisioning/dashboards/dashboards.yml") as {
    providers?: Array<{ type?: string; options?: { path?: string } }>
  }
  return config.providers?.find((p) => p.type === "file")?.options?.path
}

describe("grafana provisioning", () => {
  it("provisions the Prometheus datasource with uid prometheus", () => {
    const list = datasources()
    expect(list.filter((d) => d.uid === "prometheus")).toHaveLength(1)
    const prometheus = list.find((d) => d.uid === "prometheus")
    expect(prometheus?.type).toBe("prometheus")
    expect(prometheus?.url).toBe("http://prometheus:9090")
  })

  it("loads dashboards from files", () => {
    expect(dashboardProviderPath()).toBe("/var/lib/grafana/dashboards")
  })

  it("has only parseable provisioning files", () => {
    const dir = file("grafana/provisioning")
    const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.ya?ml$/.test(f))
    expect(files.length).toBeGreaterThanOrEqual(2)
    for (const f of files) expect(parseYaml(path.join("grafana/provisioning", f)).apiVersion).toBe(1)
  })
})

// --- dashboards --------------------------------------------------------------------------------------

const dashboards = loadDashboards()
const PANEL_TYPES = new Set(["timeseries", "stat", "gauge"])

/** The label names a query may use on `specs`: their own, the target's, `le` for buckets. */
const allowedLabels = (series: ReadonlyArray<string>): Set<string> => {
  const allowed = new Set<string>(targetLabels)
  for (const name of series) {
    const resolved = resolveSeriesName(name)
    if (resolved === undefined) continue
    for (const label of resolved.spec.labels) allowed.add(label === "job" ? "exported_job" : label)
    if (name.endsWith("_bucket")) allowed.add("le")
  }
  return allowed
}

describe("grafana dashboards", () => {
  it("ship with fixed, unique uids", () => {
    const uids = dashboards.map((d) => d.uid)
    expect(uids).toEqual(expect.arrayContaining(["tally-overview", "tally-ledger", "tally-postgres", "tally-runtime"]))
    expect(new Set(uids).size).toBe(uids.length)
    for (const d of dashboards) {
      expect(d.uid, d.file).toMatch(/^[a-z0-9-]{1,40}$/)
      expect(d.file, "file is named after its uid").toBe(`${d.uid}.json`)
      expect(d.title, d.file).not.toBe("")
      expect(d.json.id ?? null, `${d.file}: provisioned dashboards carry no database id`).toBeNull()
      expect(d.json.schemaVersion, d.file).toBeGreaterThanOrEqual(36)
      expect(d.json.schemaVersion, d.file).toBeLessThanOrEqual(41)
    }
  })

  it.each(dashboards.map((d): [string, Dashboard] => [d.uid, d]))(
    "%s: panels query the prometheus datasource",
    (_, d) => {
      const panels = panelsOf(d)
      expect(panels.length).toBeGreaterThan(0)
      const ids = panels.map((p) => p.id)
      expect(new Set(ids).size, "panel ids are unique").toBe(ids.length)
      for (const panel of panels) {
        const where = `${d.uid} / ${panel.title}`
        expect(PANEL_TYPES.has(panel.type ?? ""), `${where}: type ${panel.type}`).toBe(true)
        expect(panel.title, where).toBeTruthy()
        expect(panel.datasource?.uid, where).toBe("prometheus")
        expect(panel.gridPos, where).toBeDefined()
        expect(panel.gridPos!.x + panel.gridPos!.w, `${where}: fits 24 columns`).toBeLessThanOrEqual(24)
        const targets = panel.targets ?? []
        expect(targets.length, `${where}: has targets`).toBeGreaterThan(0)
        const refIds = targets.map((t) => t.refId)
        expect(new Set(refIds).size, `${where}: refIds are unique`).toBe(refIds.length)
        for (const target of targets) {
          expect(target.expr?.trim(), `${where} ${target.refId}: expr`).toBeTruthy()
          expect(target.datasource?.uid ?? "prometheus", `${where} ${target.refId}: datasource`).toBe("prometheus")
        }
      }
    }
  )

  it("use only documented Tally metrics and prom-client defaults, with their labels", () => {
    const queries = loadDashboardQueries()
    expect(queries.length).toBeGreaterThan(20)
    const problems: string[] = []
    for (const q of queries) {
      const where = `${q.uid} / ${q.panelTitle} / ${q.refId}`
      if (!balancedBrackets(q.expr)) problems.push(`${where}: unbalanced brackets in ${q.expr}`)
      const names = promqlNames(q.expr)
      if (names.series.length === 0) problems.push(`${where}: no metric in ${q.expr}`)
      for (const series of names.series) {
        if (resolveSeriesName(series) === undefined) problems.push(`${where}: unknown metric ${series}`)
        const spec = knownMetrics[series]
        if (spec?.type === "histogram") problems.push(`${where}: histogram ${series} needs _bucket, _sum or _count`)
      }
      const allowed = allowedLabels(names.series)
      for (const { series, label } of names.matcherLabels) {
        const own = series === "" ? allowed : allowedLabels([series])
        if (!own.has(label)) problems.push(`${where}: ${series} has no label ${label}`)
      }
      for (const label of [...names.groupingLabels, ...legendLabels(q.legendFormat)]) {
        if (!isLabelName(label) || !allowed.has(label)) problems.push(`${where}: unknown label ${label}`)
      }
    }
    expect(problems).toEqual([])
  })

  it("cover every documented Tally metric", () => {
    const used = new Set(
      loadDashboardQueries().flatMap((q) =>
        promqlNames(q.expr).series.flatMap((s) => resolveSeriesName(s)?.metric ?? [])
      )
    )
    expect(Object.keys(tallyMetrics).filter((name) => !used.has(name))).toEqual([])
  })

  it("show what each dashboard is for", () => {
    const metricsOf = (uid: string) =>
      new Set(
        loadDashboardQueries()
          .filter((q) => q.uid === uid)
          .flatMap((q) => promqlNames(q.expr).series)
      )
    expect([...metricsOf("tally-overview")]).toEqual(
      expect.arrayContaining([
        "tally_http_requests_total",
        "tally_http_request_duration_seconds_bucket",
        "tally_rpc_calls_handled_total",
        "tally_rpc_handling_seconds_bucket"
      ])
    )
    expect([...metricsOf("tally-ledger")]).toEqual(
      expect.arrayContaining([
        "tally_transfers_total",
        "tally_db_transaction_retries_total",
        "tally_batch_size_bucket",
        "tally_group_commit_size_bucket",
        "tally_holds_outstanding",
        "tally_reservations_total",
        "tally_ledger_imbalance_minor"
      ])
    )
    expect([...metricsOf("tally-postgres")]).toEqual(
      expect.arrayContaining([
        "tally_db_pool_connections",
        "tally_db_transaction_duration_seconds_bucket",
        "tally_db_transaction_retries_total"
      ])
    )
    expect([...metricsOf("tally-runtime")]).toEqual(
      expect.arrayContaining([
        "nodejs_eventloop_lag_p99_seconds",
        "nodejs_gc_duration_seconds_bucket",
        "nodejs_heap_size_used_bytes",
        "process_resident_memory_bytes",
        "process_cpu_user_seconds_total"
      ])
    )
  })
})

// --- metric name lists -------------------------------------------------------------------------------

describe("metric names", () => {
  it("lists exactly prom-client's default metrics", async () => {
    const registry = new client.Registry()
    client.collectDefaultMetrics({ register: registry })
    const actual = (await registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)])
    registry.clear()
    const expected = Object.entries(promClientDefaultMetrics).map(([name, spec]) => [name, spec.type])
    expect(actual.sort()).toEqual(expected.sort())
  })

  it("follows Prometheus naming conventions and keeps labels bounded", () => {
    for (const [name, spec] of Object.entries(tallyMetrics) as Array<[string, MetricSpec]>) {
      expect(name).toMatch(/^tally_[a-z0-9_]+$/)
      if (spec.type === "counter") expect(name, `${name} is a counter`).toMatch(/_total$/)
      else expect(name, `${name} is not a counter`).not.toMatch(/_total$/)
      for (const label of spec.labels) {
        expect(label, `${name}{${label}}`).not.toMatch(/(^|_)(id|user|account|url|path|email)$/)
      }
    }
  })
})

// --- Prometheus alerting rules -----------------------------------------------------------------------

describe("prometheus/alerts.yml", () => {
  const rules = (
    parseYaml("prometheus/alerts.yml") as {
      groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }>
    }
  ).groups.flatMap((g) => g.rules)

  it("is loaded by prometheus.yml and mounted by docker-compose", () => {
    const config = parseYaml("prometheus/prometheus.yml") as { rule_files?: Array<string> }
    expect(config.rule_files).toContain("/etc/prometheus/alerts.yml")
    expect(fs.readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8")).toContain(
      "./prometheus/alerts.yml:/etc/prometheus/alerts.yml"
    )
  })

  it("alerts only on documented metrics", () => {
    expect(rules.length).toBeGreaterThan(0)
    for (const rule of rules) {
      for (const series of promqlNames(rule.expr).series) {
        if (series === "up") continue
        expect(resolveSeriesName(series), `${rule.alert}: unknown metric ${series}`).toBeDefined()
      }
    }
  })

  // promtool comes with Debian's prometheus package, which scripts/test-deps.sh installs
  it("passes promtool check rules", () => {
    const out = execFileSync("/usr/bin/promtool", ["check", "rules", path.join(repoRoot, "prometheus/alerts.yml")], {
      encoding: "utf8"
    })
    expect(out).toContain("SUCCESS")
  })
})
