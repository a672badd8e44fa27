// The image's steps, proven without Docker: the Dockerfile is read as written, its COPY lines fill a temporary
// directory (minus .dockerignore), its RUN lines run there, and its CMD starts the service, which must answer
// the image's own HEALTHCHECK and `/healthz` with 200. The base image's Node is the Node 24 running this test.
// The service talks to a fresh database of the test run, as under docker compose (DATABASE_URL), on loopback.
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { assert, it } from "@effect/vitest"
import { freshDatabaseUrl } from "@tally/adapters/test/support/TestDatabase"
import { Effect } from "effect"
import { repoRoot } from "./support/dashboards.ts"

interface Instruction {
  readonly line: number
  readonly keyword: string
  readonly args: string
}

/** Instructions with continuation lines joined; comments, blank lines and the `# syntax=` directive dropped. */
const parse = (text: string): Array<Instruction> => {
  const out: Array<Instruction> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let line = lines[i]!.trim()
    if (line === "" || line.startsWith("#")) continue
    while (line.endsWith("\\") && i + 1 < lines.length) line = `${line.slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`
    const [keyword = "", ...rest] = line.split(/\s+/)
    out.push({ line: start + 1, keyword: keyword.toUpperCase(), args: rest.join(" ") })
  }
  return out
}

/** Leading `--flag=value` options of RUN/COPY/HEALTHCHECK, and what follows them. */
const splitFlags = (args: string) => {
  const flags: Array<string> = []
  let rest = args
  for (let m = /^(--\S+)\s+/.exec(rest); m !== null; m = /^(--\S+)\s+/.exec(rest)) {
    flags.push(m[1]!)
    rest = rest.slice(m[0].length)
  }
  return { flags, rest }
}

const envPairs = (args: string): Array<[string, string]> =>
  [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/^"(.*)"$/, "$1")])

/** `.dockerignore` as a predicate over paths relative to the build context. */
const dockerignore = () => {
  const patterns = fs
    .readFileSync(path.join(repoRoot, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
  assert.isFalse(
    patterns.some((p) => p.startsWith("!")),
    "this test does not handle ! exceptions in .dockerignore"
  )
  return (relative: string) =>
    patterns.some((p) => path.matchesGlob(relative, p) || path.matchesGlob(relative, `${p}/**`))
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** Runs `argv` to completion in `cwd`; its output goes to the console (this file's test log). */
const run = (argv: ReadonlyArray<string>, cwd: string, env: NodeJS.ProcessEnv) =>
  new Promise<number>((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    const forward = (c: Buffer) => console.log(c.toString().trimEnd())
    child.stdout.on("data", forward)
    child.stderr.on("data", forward)
    child.on("error", (e) => {
      console.log(`${argv[0]}: ${e.message}`)
      resolve(127)
    })
    child.on("exit", (code) => resolve(code ?? 1))
  })

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 15_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    process.kill(-child.pid!, "SIGTERM")
  })

const dockerfile = parse(fs.readFileSync(path.join(repoRoot, "Dockerfile"), "utf8"))

it.live(
  "the Dockerfile's steps install with npm ci --omit=dev and serve /healthz",
  () =>
    Effect.gen(function* () {
      const databaseUrl = yield* freshDatabaseUrl
      const image = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "tally-image-"))),
        (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
      )
      const ignored = dockerignore()
      // the base image's node and npm: this test's Node 24 first on PATH (npm is the one on PATH, as pinned)
      const env: Record<string, string> = {
        PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ""}`,
        HOME: process.env.HOME ?? os.homedir(),
        // the machine's npm cache stands in for the build's cache mount; the lockfile's integrity hashes check every
        // tarball, so skip revalidating them against the registry (each revalidation can take a minute here)
        npm_config_prefer_offline: "true"
      }
      let workdir = image
      let cmd: Array<string> | undefined
      let healthcheck: Array<string> | undefined

      for (const step of dockerfile) {
        const where = `Dockerfile:${step.line} ${step.keyword}`
        switch (step.keyword) {
          case "FROM": {
            const major = /^node:(\d+)/.exec(step.args)?.[1]
            assert.strictEqual(`v${major}`, process.version.split(".")[0], `${where}: the base image's Node major`)
            break
          }
          case "ENV":
            for (const [name, value] of envPairs(step.args)) env[name] = value
            break
          case "WORKDIR":
            // the temporary directory is the image's WORKDIR; RUN and COPY are relative to it
            workdir = image
            break
          case "COPY": {
            const { flags, rest } = splitFlags(step.args)
            assert.isTrue(
              flags.every((f) => f.startsWith("--chown=")),
              `${where}: only --chown is understood here`
            )
            const parts = rest.split(/\s+/)
            const destText = parts.pop()!
            const dest = path.resolve(workdir, destText)
            const intoDirectory = destText.endsWith("/") || parts.length > 1
            for (const source of parts) {
              const from = path.join(repoRoot, source)
              // a directory's contents go into dest; a file goes into dest/ or becomes dest
              const to =
                fs.statSync(from).isDirectory() || !intoDirectory ? dest : path.join(dest, path.basename(source))
              fs.mkdirSync(path.dirname(to), { recursive: true })
              fs.cpSync(from, to, { recursive: true, filter: (file) => !ignored(path.relative(repoRoot, file)) })
            }
            break
          }
          case "RUN": {
            const { flags, rest } = splitFlags(step.args)
            assert.isTrue(
              flags.every((f) => f.startsWith("--mount=type=cache")),
              `${where}: only cache mounts are understood here`
            )
            const code = yield* Effect.promise(() => run(["sh", "-c", rest], workdir, env))
            assert.strictEqual(code, 0, `${where} ${rest} failed (its output is in this file's test log)`)
            break
          }
          case "USER":
          case "EXPOSE":
            // the test runs as its own user on loopback
            break
          case "HEALTHCHECK":
            healthcheck = JSON.parse(splitFlags(step.args).rest.replace(/^CMD\s+/, ""))
            break
          case "CMD":
            cmd = JSON.parse(step.args)
            break
          default:
            assert.fail(`${where}: not understood by this test; teach it, or keep the Dockerfile to what it runs`)
        }
      }
      assert.isDefined(cmd, "the Dockerfile has a CMD")
      assert.isDefined(healthcheck, "the Dockerfile has a HEALTHCHECK")
      // --omit=dev: the image relies on its base image's Node, and ships no test or lint tooling
      for (const dev of ["node", "vitest", "@biomejs/biome", "typescript"]) {
        assert.isFalse(fs.existsSync(path.join(workdir, "node_modules", dev)), `${dev} is not installed in the image`)
      }

      // as docker compose runs it, but on loopback and free ports
      const [httpPort, metricsPort] = [yield* Effect.promise(freePort), yield* Effect.promise(freePort)]
      const serveEnv = {
        ...env,
        DATABASE_URL: databaseUrl,
        TALLY_ADMIN_API_KEY: "dockerfile-test-admin-key",
        TALLY_HTTP_HOST: "127.0.0.1",
        TALLY_HTTP_PORT: String(httpPort),
        TALLY_METRICS_PORT: String(metricsPort)
      }
      const child = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const child = spawn(cmd![0]!, cmd!.slice(1), {
            cwd: workdir,
            env: serveEnv,
            detached: true,
            stdio: ["ignore", "pipe", "pipe"]
          })
          const forward = (c: Buffer) => console.log(c.toString().trimEnd())
          child.stdout.on("data", forward)
          child.stderr.on("data", forward)
          return child
        }),
        (child) => Effect.promise(() => stop(child))
      )
      const deadline = Date.now() + 90_000
      let healthy = false
      while (!healthy && Date.now() < deadline) {
        assert.isNull(child.exitCode, "the service exited before it was healthy (see this file's test log)")
        healthy = (yield* Effect.promise(() => run(healthcheck!, workdir, serveEnv))) === 0
        if (!healthy) yield* Effect.sleep("500 millis")
      }
      assert.isTrue(healthy, "the image's HEALTHCHECK passed within 90 s")
      const reply = yield* Effect.promise(() => fetch(`http://127.0.0.1:${httpPort}/healthz`))
      assert.strictEqual(reply.status, 200)
      const metrics = yield* Effect.promise(() => fetch(`http://127.0.0.1:${metricsPort}/metrics`))
      assert.strictEqual(metrics.status, 200)
    }),
  { timeout: 240_000 }
)
