// Writes a run's JSON and HTML under the output folder and refreshes the folder's index.html.
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { indexReport, runReport } from "./Html.ts"
import { type BenchResult, scenarioLabel } from "./Result.ts"

export const runStamp = (startedAt: string) => startedAt.slice(0, 19).replace(/[:T]/g, "-")

export const baseName = (r: BenchResult) => `${runStamp(r.startedAt)}-${scenarioLabel(r)}-${r.plan.path}`

const readResults = (dir: string): Array<BenchResult> =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => {
      try {
        const parsed = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as BenchResult
        return parsed.kind === "tally-bench-result" ? [parsed] : []
      } catch {
        return []
      }
    })

/** Returns the files written. */
export const writeReports = (outDir: string, result: BenchResult) =>
  Effect.sync(() => {
    fs.mkdirSync(outDir, { recursive: true })
    const base = path.join(outDir, baseName(result))
    fs.writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`)
    const all = readResults(outDir)
    fs.writeFileSync(`${base}.html`, runReport(result, all))
    fs.writeFileSync(path.join(outDir, "index.html"), indexReport(all))
    return [`${base}.json`, `${base}.html`, path.join(outDir, "index.html")]
  })
