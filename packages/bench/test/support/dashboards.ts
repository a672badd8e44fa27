// Loads the Grafana dashboards shipped in grafana/dashboards and takes their PromQL apart, for the
// static asset test and for tests that run the queries against a live Prometheus.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url))
export const dashboardsDir = path.join(repoRoot, "grafana", "dashboards")

export interface GrafanaTarget {
  readonly refId?: string
  readonly expr?: string
  readonly legendFormat?: string
  readonly datasource?: { readonly type?: string; readonly uid?: string }
}

export interface GrafanaPanel {
  readonly id?: number
  readonly type?: string
  readonly title?: string
  readonly datasource?: { readonly type?: string; readonly uid?: string }
  readonly gridPos?: { readonly h: number; readonly w: number; readonly x: number; readonly y: number }
  readonly targets?: ReadonlyArray<GrafanaTarget>
  /** Panels of a collapsed row. */
  readonly panels?: ReadonlyArray<GrafanaPanel>
}

export interface Dashboard {
  /** File name under grafana/dashboards. */
  readonly file: string
  readonly uid: string
  readonly title: string
  readonly json: {
    readonly uid?: unknown
    readonly title?: unknown
    readonly schemaVersion?: unknown
    readonly panels?: ReadonlyArray<GrafanaPanel>
    readonly [key: string]: unknown
  }
}

export interface DashboardQuery {
  readonly uid: string
  readonly dashboardTitle: string
  readonly panelId: number | undefined
  readonly panelTitle: string
  readonly panelType: string
  readonly refId: string
  readonly expr: string
  readonly legendFormat: string | undefined
}

/** Every `*.json` under `dir`, parsed (throws with the file name on invalid JSON). */
export const loadDashboards = (dir: string = dashboardsDir): ReadonlyArray<Dashboard> =>
  fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => {
      const text = fs.readFileSync(path.join(dir, file), "utf8")
      let json: Dashboard["json"]
      try {
        json = JSON.parse(text)
      } catch (error) {
        throw new Error(`${file}: invalid JSON: ${String(error)}`)
      }
      return { file, uid: String(json.uid ?? ""), title: String(json.title ?? ""), json }
    })

/** All panels of a dashboard, row panels' nested panels included (rows themselves excluded). */
export const panelsOf = (dashboard: Dashboard): ReadonlyArray<GrafanaPanel> => {
  const out: GrafanaPanel[] = []
  const walk = (panels: ReadonlyArray<GrafanaPanel> | undefined) => {
    for (const panel of panels ?? []) {
      if (panel.type === "row") walk(panel.panels)
      else out.push(panel)
    }
  }
  walk(dashboard.json.panels)
  return out
}

/** One entry per PromQL target of every panel of every dashboard: `{ uid, panelTitle, expr, … }`. */
export const loadDashboardQueries = (dir: string = dashboardsDir): ReadonlyArray<DashboardQuery> =>
  loadDashboards(dir).flatMap((dashboard) =>
    panelsOf(dashboard).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        uid: dashboard.uid,
        dashboardTitle: dashboard.title,
        panelId: panel.id,
        panelTitle: String(panel.title ?? ""),
        panelType: String(panel.type ?? ""),
        refId: String(target.refId ?? ""),
        expr: String(target.expr ?? ""),
        legendFormat: target.legendFormat
      }))
    )
  )

/**
 * Replaces Grafana's built-in variables so an expression can be sent to Prometheus directly
 * (`/api/v1/query`). The defaults suit a short test run scraped every few seconds.
 */
export const expandGrafanaVariables = (
  expr: string,
  vars: { readonly rateInterval?: string; readonly interval?: string; readonly range?: string } = {}
): string =>
  expr
    .replaceAll(/\$__rate_interval|\$\{__rate_interval\}/g, vars.rateInterval ?? "1m")
    .replaceAll(/\$__interval|\$\{__interval\}/g, vars.interval ?? "15s")
    .replaceAll(/\$__range|\$\{__range\}/g, vars.range ?? "5m")

// --- PromQL, taken apart well enough to check names (not a parser) -------------------------------

const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "atan2",
  "inf",
  "nan"
])
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)/g
const STRING = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export interface PromqlNames {
  /** Series names selected (`foo_bucket`, not the histogram `foo`). */
  readonly series: ReadonlyArray<string>
  /** Label names in `{…}` matchers, per series name ("" for a bare `{…}` selector). */
  readonly matcherLabels: ReadonlyArray<{ readonly series: string; readonly label: string }>
  /** Label names in `by`/`without`/`on`/`ignoring`/`group_left`/`group_right` clauses. */
  readonly groupingLabels: ReadonlyArray<string>
}

const splitLabels = (list: string): string[] =>
  list
    .split(",")
    .map((label) => label.trim())
    .filter((label) => label !== "")

/** Series names and label names used by a PromQL expression. */
export const promqlNames = (expr: string): PromqlNames => {
  let rest = expr.replace(STRING, '""')
  const matcherLabels: Array<{ series: string; label: string }> = []
  rest = rest.replace(/([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{([^{}]*)\}/g, (_, series: string | undefined, body: string) => {
    for (const matcher of body.split(",")) {
      const label = matcher.split(/=~|!~|!=|=/)[0]?.trim() ?? ""
      if (label !== "") matcherLabels.push({ series: series ?? "", label })
    }
    return series ?? ""
  })
  rest = rest.replace(/\[[^\]]*\]/g, " ")
  const groupingLabels: string[] = []
  rest = rest.replace(GROUPING, (_, _keyword: string, list: string) => {
    groupingLabels.push(...splitLabels(list))
    return " "
  })
  // group_left / group_right without a label list
  rest = rest.replace(/\b(group_left|group_right)\b/g, " ")
  const series: string[] = []
  const token = /[A-Za-z_:][A-Za-z0-9_:]*|\d[\w.]*/g
  for (let match = token.exec(rest); match !== null; match = token.exec(rest)) {
    const word = match[0]
    if (/^\d/.test(word)) continue
    const isCall = /^\s*\(/.test(rest.slice(match.index + word.length))
    if (isCall || KEYWORDS.has(word.toLowerCase())) continue
    series.push(word)
  }
  return { series: [...new Set(series)], matcherLabels, groupingLabels: [...new Set(groupingLabels)] }
}

/** Label names a legend format interpolates (`{{route}} {{method}}`). */
export const legendLabels = (legendFormat: string | undefined): ReadonlyArray<string> =>
  [...(legendFormat ?? "").matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map((m) => m[1]!)

/** `true` when (), [] and {} nest properly outside string literals. */
export const balancedBrackets = (expr: string): boolean => {
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" }
  const stack: string[] = []
  for (const char of expr.replace(STRING, '""')) {
    if (char === "(" || char === "[" || char === "{") stack.push(char)
    else if (char in pairs && stack.pop() !== pairs[char]) return false
  }
  return stack.length === 0
}

export const isLabelName = (name: string): boolean => LABEL_NAME.test(name)
