// The service as an operator runs it: `node main.ts serve` on the embedded PostgreSQL, killed and
// restarted. Slow-ish (a few process starts), so it keeps to the essentials.
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"

const main = path.resolve(import.meta.dirname, "../src/main.ts")
const ADMIN = "process-test-admin-key"
const children: Array<ChildProcess> = []

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const start = (env: Record<string, string>) => {
  const { DATABASE_URL: _ignored, ...rest } = process.env
  const child = spawn(process.execPath, [main, "serve"], {
    env: { ...rest, TALLY_ADMIN_API_KEY: ADMIN, TALLY_HTTP_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  // also to the console, which the test run routes to this file's log (printed when a test here fails)
  const keep = (c: Buffer) => {
    output += c.toString()
    console.log(c.toString().trimEnd())
  }
  child.stdout?.on("data", keep)
  child.stderr?.on("data", keep)
  children.push(child)
  return { child, output: () => output }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
    child.once("exit", (code) => resolve(code))
  })

const waitHealthy = async (port: number, child: ChildProcess, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error("service exited before becoming healthy")
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`)
      if (r.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error("service did not become healthy")
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL")
})

describe("the service process", () => {
  it("keeps accounts across a crash (SIGKILL) and a clean stop (SIGINT)", { timeout: 180_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-proc-"))
    fs.chmodSync(dataDir, 0o755)
    const port = await freePort()
    const env = { TALLY_DATA_DIR: dataDir, TALLY_HTTP_PORT: String(port), TALLY_METRICS_PORT: String(await freePort()) }

    const first = start(env)
    await waitHealthy(port, first.child)
    const created = await fetch(`http://127.0.0.1:${port}/v1/accounts`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ currency: "GBP" })
    })
    assert.strictEqual(created.status, 201)
    const { id } = (await created.json()) as { id: string }

    // crash: the embedded postgres is orphaned, holding the data directory
    const pidFile = path.join(dataDir, "postgres", "postmaster.pid")
    const orphan = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0])
    first.child.kill("SIGKILL")
    await exited(first.child)
    assert.isTrue(isAlive(orphan), "postgres outlives a SIGKILLed service")

    const second = start(env)
    await waitHealthy(port, second.child)
    const read = await fetch(`http://127.0.0.1:${port}/v1/accounts/${id}`, {
      headers: { authorization: `Bearer ${ADMIN}` }
    })
    assert.strictEqual(read.status, 200, second.output())
    assert.isFalse(isAlive(orphan), "the orphan was stopped")

    second.child.kill("SIGINT")
    await exited(second.child)
    assert.isFalse(fs.existsSync(pidFile), `postgres stopped cleanly:\n${second.output()}`)
  })

  it("a second start on the same data directory refuses, naming the owner's pid, and leaves it running", {
    timeout: 180_000
  }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-proc-"))
    fs.chmodSync(dataDir, 0o755)
    const port = await freePort()
    const first = start({
      TALLY_DATA_DIR: dataDir,
      TALLY_HTTP_PORT: String(port),
      TALLY_METRICS_PORT: String(await freePort())
    })
    await waitHealthy(port, first.child)
    const postmaster = Number(fs.readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0])

    const second = start({
      TALLY_DATA_DIR: dataDir,
      TALLY_HTTP_PORT: String(await freePort()),
      TALLY_METRICS_PORT: String(await freePort())
    })
    const code = await exited(second.child)
    assert.notStrictEqual(code, 0)
    assert.include(second.output(), `running Tally (pid ${first.child.pid})`)
    assert.isTrue(isAlive(postmaster), `the first instance's PostgreSQL is left running:\n${second.output()}`)

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
    assert.strictEqual(ready.status, 200, first.output())
    const created = await fetch(`http://127.0.0.1:${port}/v1/accounts`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ currency: "EUR" })
    })
    assert.strictEqual(created.status, 201)
    first.child.kill("SIGINT")
    await exited(first.child)
    assert.isFalse(fs.existsSync(path.join(dataDir, "postgres.owner")), "the owner record is removed at stop")
  })

  it("refuses to start when an applied migration was edited, naming the file", { timeout: 180_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-proc-"))
    fs.chmodSync(dataDir, 0o755)
    const migrations = path.join(dataDir, "migrations")
    fs.cpSync(path.resolve(import.meta.dirname, "../../../migrations"), migrations, { recursive: true })
    const port = await freePort()
    const env = {
      TALLY_DATA_DIR: dataDir,
      TALLY_MIGRATIONS_DIR: migrations,
      TALLY_HTTP_PORT: String(port),
      TALLY_METRICS_PORT: String(await freePort())
    }
    const first = start(env)
    await waitHealthy(port, first.child)
    first.child.kill("SIGTERM")
    await exited(first.child)

    fs.appendFileSync(path.join(migrations, "0001_accounts.up.sql"), "\n-- an innocent edit\n")
    const second = start(env)
    const code = await exited(second.child)
    assert.notStrictEqual(code, 0)
    assert.include(second.output(), "0001_accounts.up.sql")
    assert.include(second.output(), "edited after it was applied")
  })
})
