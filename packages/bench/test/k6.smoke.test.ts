// A short smoke run of every k6 scenario against a real server, when k6 is on this machine (built by
// scripts/k6-install.sh into ~/.cache/tally/k6, or on PATH). The scripts are type-checked in any case
// (`npm run typecheck`).
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, layer } from "@effect/vitest"
import { ADMIN_KEY, BaseUrl, TestServer } from "@tally/server/test/support/TestServer"
import { Effect } from "effect"

const root = path.resolve(import.meta.dirname, "../../..")
const version = /K6_VERSION="\$\{K6_VERSION:-([^}]+)\}"/.exec(
  fs.readFileSync(path.join(root, "scripts/k6-install.sh"), "utf8")
)?.[1]
const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache")
const cached = version === undefined ? undefined : path.join(cacheRoot, "tally", "k6", version, "k6")
const onPath = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v k6"], { encoding: "utf8" }).trim() || undefined
  } catch {
    return undefined
  }
})()
const k6 = cached !== undefined && fs.existsSync(cached) ? cached : onPath

layer(TestServer(), { timeout: 180_000 })("k6 smoke", (it) => {
  it.effect.skipIf(k6 === undefined)("every k6 scenario passes its thresholds at a low rate", () =>
    Effect.gen(function* () {
      const base = yield* BaseUrl
      const summaries = fs.mkdtempSync(path.join(os.tmpdir(), "tally-k6-"))
      const code = yield* Effect.callback<number>((resume) => {
        const child = spawn("bash", [path.join(root, "scripts/k6-smoke.sh")], {
          cwd: root,
          env: {
            ...process.env,
            BASE_URL: base,
            API_KEY: ADMIN_KEY,
            K6: k6!,
            DURATION: "4s",
            SUMMARY_DIR: summaries,
            // a smoke checks behaviour (checks, error rate), not speed: latency thresholds out of reach of noise
            P95_MS: "10000",
            P99_MS: "20000"
          },
          stdio: ["ignore", "inherit", "inherit"]
        })
        child.on("exit", (c) => resume(Effect.succeed(c ?? 1)))
      })
      assert.strictEqual(code, 0, "a k6 scenario failed its thresholds (see the output above)")
      assert.includeMembers(fs.readdirSync(summaries), ["k6-transfers.json", "k6-hot-accounts.json", "k6-batches.json"])
    })
  )
})
