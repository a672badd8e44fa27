// Summarises V8 .cpuprofile files (node --cpu-prof, e.g. `npm run bench -- --cpu-prof DIR`): self and total time
// by function and by file (or package), the top N of each.
//   node_modules/.bin/node scripts/cpuprofile.ts DIR-or-FILE… [--top 40] [--match text] [--skip node:,effect:]
//     [--after SECONDS]
// `--after SECONDS` leaves out the first seconds of each profile (start-up: module compilation, migrations).
// `--match text` adds a view of the callers of each function whose name or file contains `text`: the nearest frame
// whose file does not start with one of the `--skip` prefixes (default `node:`; native frames always skipped), e.g.
// `--skip node:,effect:` names the first caller outside Node and effect.
import * as fs from "node:fs"
import * as path from "node:path"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}

interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const args = process.argv.slice(2)
const option = (name: string) => {
  const at = args.indexOf(name)
  if (at < 0) return undefined
  const value = args[at + 1]
  args.splice(at, 2)
  return value
}
const top = Number(option("--top") ?? "40")
const match = option("--match")
const skipped = (option("--skip") ?? "node:").split(",")
const afterUs = Number(option("--after") ?? "0") * 1_000_000

const files = args.flatMap((arg) =>
  fs.statSync(arg).isDirectory()
    ? fs
        .readdirSync(arg)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => path.join(arg, f))
    : [arg]
)
if (files.length === 0) {
  console.error("usage: scripts/cpuprofile.ts DIR-or-FILE… [--top N] [--match text]")
  process.exit(2)
}

/** A file as a short label: the package under node_modules, else the path from the repository. */
const fileOf = (url: string) => {
  if (url === "") return "(native)"
  const clean = url.replace(/^file:\/\//, "")
  const nm = clean.lastIndexOf("node_modules/")
  if (nm >= 0) {
    const rest = clean.slice(nm + "node_modules/".length).split("/")
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!
    const inPkg = rest.slice(rest[0]!.startsWith("@") ? 2 : 1).join("/")
    return `${pkg}:${inPkg.replace(/^dist\//, "")}`
  }
  const at = clean.indexOf("/packages/")
  return at >= 0 ? clean.slice(at + 1) : clean
}

const self = new Map<string, number>()
const total = new Map<string, number>()
const selfByFile = new Map<string, number>()
const totalByFile = new Map<string, number>()
const callers = new Map<string, Map<string, number>>()
let sampled = 0

const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us)

for (const file of files) {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const keyOf = (n: ProfileNode) =>
    `${n.callFrame.functionName || "(anonymous)"} ${fileOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
  const timeOf = new Map<number, number>()
  let elapsed = 0
  profile.samples.forEach((id, i) => {
    elapsed += profile.timeDeltas[i] ?? 0
    if (elapsed >= afterUs) timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  for (const [id, us] of timeOf) {
    const leaf = byId.get(id)!
    sampled += us
    add(self, keyOf(leaf), us)
    add(selfByFile, fileOf(leaf.callFrame.url), us)
    // total: each function (and file) once per stack, however often it recurs
    const seen = new Set<string>()
    const seenFiles = new Set<string>()
    let at: number | undefined = id
    let matched: string | undefined
    while (at !== undefined) {
      const node = byId.get(at)!
      const key = keyOf(node)
      if (!seen.has(key)) {
        seen.add(key)
        add(total, key, us)
      }
      const f = fileOf(node.callFrame.url)
      if (!seenFiles.has(f)) {
        seenFiles.add(f)
        add(totalByFile, f, us)
      }
      if (matched !== undefined && f !== "(native)" && !skipped.some((prefix) => f.startsWith(prefix))) {
        const calls = callers.get(matched) ?? new Map<string, number>()
        add(calls, key, us)
        callers.set(matched, calls)
        matched = undefined
      }
      if (match !== undefined && matched === undefined && key.includes(match)) matched = key
      at = parent.get(at)
    }
  }
}

const pct = (us: number) => `${((100 * us) / sampled).toFixed(1).padStart(5)}%`
const show = (title: string, map: Map<string, number>, n = top) => {
  console.log(`\n${title}`)
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${pct(us)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`)
  }
}

console.log(`${files.length} profile(s), ${(sampled / 1000).toFixed(0)} ms sampled`)
show("self time by function", self)
show("self time by file", selfByFile)
show("total time by file", totalByFile)
show("total time by function", total)
for (const [key, calls] of callers) show(`callers of ${key}`, calls, 12)
