// The second pass of `npm test`: the test files that can create transfers, run again with group commit off
// (TALLY_GROUP_COMMIT_ENABLED=false; their logs go to test-results/logs-group-commit-off/).
//
// Which files: group commit changes one thing, how the single-transfer use case `Transfers.create`
// (packages/domain/src/usecases/Transfers.ts) commits. A test file can reach it
//   - in its own process, when its static module graph holds that module: directly, through a contract, the
//     in-process server (Server.ts), the bench, a test support module, …; or
//   - in a child process, when a module of its graph names the server's entry point (packages/server/src/main.ts,
//     by path or as @tally/server/main): a `tally serve` or CLI it starts inherits the environment.
// Any other file runs exactly the same code with group commit on or off, so running it again proves nothing.
// The selection is derived from the sources on every run (the files vitest.config.ts includes, their imports
// followed through relative paths and the workspace packages' `exports`): a new test file joins as soon as it can
// create a transfer. Type-only imports are not followed (they load nothing).
//
//   node scripts/test-group-commit-off.ts           run the pass (npm run test:group-commit-off)
//   node scripts/test-group-commit-off.ts --list    print the selected files, then the others after a blank line
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const transfersModule = path.join(root, "packages/domain/src/usecases/Transfers.ts")
const serverMain = path.join(root, "packages/server/src/main.ts")

/** The workspace packages' names, directories and `exports` patterns ("./x/*" → "./src/x/*.ts"). */
const workspace = fs.globSync("packages/*/package.json", { cwd: root }).map((file) => {
  const json = JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as {
    name: string
    exports?: Record<string, string>
  }
  return { name: json.name, dir: path.join(root, path.dirname(file)), exports: json.exports ?? {} }
})

/** A workspace package specifier (@tally/domain/usecases/Transfers) as the file its `exports` map it to. */
const resolvePackage = (specifier: string): string | undefined => {
  for (const pkg of workspace) {
    if (specifier !== pkg.name && !specifier.startsWith(`${pkg.name}/`)) continue
    const sub = `.${specifier.slice(pkg.name.length)}`
    for (const [pattern, target] of Object.entries(pkg.exports)) {
      const star = pattern.indexOf("*")
      if (star < 0 && pattern === sub) return path.join(pkg.dir, target)
      const [before, after] = [pattern.slice(0, star), pattern.slice(star + 1)]
      if (star >= 0 && sub.startsWith(before) && sub.endsWith(after) && sub.length >= before.length + after.length) {
        return path.join(pkg.dir, target.replace("*", sub.slice(before.length, sub.length - after.length)))
      }
    }
  }
  return undefined
}

const resolve = (from: string, specifier: string): string | undefined =>
  specifier.startsWith(".") ? path.resolve(path.dirname(from), specifier) : resolvePackage(specifier)

// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`; not `import type` / `export type`
const IMPORT =
  /\b(?:import|export)\s+(?!type\s)(?:[\w*${}\s,]+?\s+from\s+)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g
const STRING = /["'`]([^"'`\s]+)["'`]/g

const sources = new Map<string, string>()
const source = (file: string) => {
  let text = sources.get(file)
  if (text === undefined) {
    text = fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : ""
    sources.set(file, text)
  }
  return text
}

const importsOf = (file: string) =>
  [...source(file).matchAll(IMPORT)].flatMap((m) => resolve(file, (m[1] ?? m[2])!) ?? [])

/** The module names the server's entry point: a path to it, or its package specifier. */
const namesServerMain = (file: string) =>
  [...source(file).matchAll(STRING)].some((m) => resolve(file, m[1]!) === serverMain)

/** Why `testFile` can create a transfer ("in process" or "child process"), or undefined. */
export const transferReach = (testFile: string): "in process" | "child process" | undefined => {
  const graph = new Set<string>()
  const pending = [path.resolve(root, testFile)]
  while (pending.length > 0) {
    const file = pending.pop()!
    if (graph.has(file)) continue
    graph.add(file)
    pending.push(...importsOf(file))
  }
  if (graph.has(transfersModule)) return "in process"
  return [...graph].some(namesServerMain) ? "child process" : undefined
}

/** Every test file vitest runs (vitest.config.ts `include`), relative to the repository, sorted. */
export const testFiles = async (): Promise<ReadonlyArray<string>> => {
  const config = (await import("../vitest.config.ts")).default as { test?: { include?: ReadonlyArray<string> } }
  const include = config.test?.include ?? []
  return [...new Set(include.flatMap((pattern) => fs.globSync(pattern, { cwd: root })))].sort()
}

export const groupCommitOffFiles = async () => {
  const all = await testFiles()
  const selected = all.filter((file) => transferReach(file) !== undefined)
  return { selected, others: all.filter((file) => !selected.includes(file)) }
}

if (import.meta.main) {
  const { selected, others } = await groupCommitOffFiles()
  if (process.argv.includes("--list")) {
    process.stdout.write(`${[...selected, "", ...others].join("\n")}\n`)
    process.exit(0)
  }
  // an empty or shrunken selection would pass while proving nothing: this pass's own check must be in it
  if (!selected.includes("packages/server/test/groupCommit.switch.test.ts")) {
    console.error("test-group-commit-off: the selection misses groupCommit.switch.test.ts; the rule is broken")
    process.exit(1)
  }
  console.log(
    `\ngroup commit off (TALLY_GROUP_COMMIT_ENABLED=false): ${selected.length} test files that can create ` +
      `transfers, ${others.length} others not run again; logs in test-results/logs-group-commit-off/\n`
  )
  const vitest = path.join(root, "node_modules/vitest/vitest.mjs")
  const started = Date.now()
  const run = spawnSync(process.execPath, [vitest, "run", ...selected], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TALLY_GROUP_COMMIT_ENABLED: "false" }
  })
  console.log(`group commit off pass: ${Math.round((Date.now() - started) / 1000)} s`)
  process.exit(run.status ?? 1)
}
