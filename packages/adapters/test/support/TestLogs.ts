// A vitest reporter for a short CI log:
// - every console line a test file prints (the servers' INFO lines, child-process output it forwards) goes to
//   <dir>/<file>.log (test-results/logs unless told) instead of the terminal, and a file's log is printed only when
//   it failed;
// - with CI=true a skipped or todo test fails the run: CI installs what every test needs (scripts/test-deps.sh).
import * as fs from "node:fs"
import * as path from "node:path"
import type { Reporter, TestCase, TestModule, TestSuite } from "vitest/node"

/** Lines of a failed file's log printed at the end of the run; the whole file stays on disk. */
const PRINTED_LINES_MAX = 400

export class TestLogs implements Reporter {
  readonly #root: string
  readonly #dir: string
  readonly #ci: boolean

  /** `dir`: where the logs go, relative to `root` (default test-results/logs); emptied when a run starts. */
  constructor(options: { readonly root: string; readonly ci: boolean; readonly dir?: string }) {
    this.#root = options.root
    this.#dir = path.join(options.root, options.dir ?? path.join("test-results", "logs"))
    this.#ci = options.ci
  }

  onInit() {
    fs.rmSync(this.#dir, { recursive: true, force: true })
    fs.mkdirSync(this.#dir, { recursive: true })
  }

  #file(moduleId: string | undefined) {
    const name = moduleId === undefined ? "_run" : path.relative(this.#root, moduleId).replaceAll(path.sep, "__")
    return path.join(this.#dir, `${name}.log`)
  }

  /** vitest's `onConsoleLog`: appends the line to its test file's log and keeps it off the terminal. */
  readonly onConsoleLog = (
    log: string,
    type: "stdout" | "stderr",
    entity: TestModule | TestCase | TestSuite | undefined
  ): false => {
    const moduleId =
      entity === undefined ? undefined : entity.type === "module" ? entity.moduleId : entity.module.moduleId
    const where = entity === undefined || entity.type === "module" ? "" : ` ${entity.fullName}`
    fs.mkdirSync(this.#dir, { recursive: true })
    fs.appendFileSync(this.#file(moduleId), `[${type}${where}] ${log.endsWith("\n") ? log : `${log}\n`}`)
    return false
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const out: Array<string> = []
    for (const module of modules) {
      if (module.ok()) continue
      const file = this.#file(module.moduleId)
      const relative = path.relative(this.#root, file)
      if (!fs.existsSync(file)) {
        out.push(`\n── ${module.relativeModuleId} failed; it logged nothing ──`)
        continue
      }
      const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n")
      const shown = lines.slice(-PRINTED_LINES_MAX)
      out.push(
        `\n── log of ${module.relativeModuleId} (failed): ${relative}` +
          (shown.length < lines.length ? `, last ${shown.length} of ${lines.length} lines` : "") +
          " ──",
        ...shown
      )
    }
    if (this.#ci) {
      const skipped = modules.flatMap((module) =>
        [...module.children.allTests()]
          .filter(
            (test) => test.options.mode === "skip" || test.options.mode === "todo" || test.result().state === "skipped"
          )
          .map((test) => `  ${module.relativeModuleId} > ${test.fullName}`)
      )
      if (skipped.length > 0) {
        out.push(
          `\n✗ ${skipped.length} test(s) skipped or todo, which CI=true does not allow (install what they need in ` +
            "scripts/test-deps.sh, or delete them):",
          ...skipped
        )
        process.exitCode = 1
      }
    }
    if (out.length > 0) process.stdout.write(`${out.join("\n")}\n`)
  }
}
