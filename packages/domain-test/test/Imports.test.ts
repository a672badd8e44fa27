import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"

const src = new URL("../../domain/src/", import.meta.url).pathname

const files = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : []
  )

const specifiers = (text: string): Array<string> =>
  Array.from(
    text.matchAll(
      /(?:^|\s)(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']|^import\s+["']([^"']+)["']/gm
    ),
    (m) => m[1] ?? m[2] ?? m[3] ?? ""
  )

describe("dependency rule", () => {
  it("packages/domain/src imports only effect and relative .ts files", () => {
    const all = files(src)
    assert.isAbove(all.length, 5)
    for (const file of all) {
      for (const spec of specifiers(readFileSync(file, "utf8"))) {
        const ok = spec === "effect" || (spec.startsWith(".") && spec.endsWith(".ts"))
        assert.isTrue(ok, `${file} imports ${JSON.stringify(spec)}`)
      }
    }
  })

  it("the scanner sees the forms it must refuse", () => {
    const sample = `import { readFileSync } from "node:fs"\nexport * from "pg"\nimport "./x"\nconst m = import("http")`
    assert.deepStrictEqual(specifiers(sample), ["node:fs", "pg", "./x", "http"])
  })
})
