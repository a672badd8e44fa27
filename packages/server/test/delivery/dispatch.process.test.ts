// The dispatcher across real processes: two servers on one database deliver webhooks to a local receiver; one
// is SIGKILLed mid-dispatch and restarted. Every committed event is delivered at least once, duplicates carry
// the same event id, and no attempt (job id + attempt number) is ever run twice.
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { inject } from "vitest"

const main = path.resolve(import.meta.dirname, "../../src/main.ts")
const ADMIN = "dispatch-process-admin-key"
const children: Array<ChildProcess> = []
const database = `tally_t_${randomBytes(6).toString("hex")}`
const adminUrl = inject("adminDatabaseUrl")
const dbUrl = (() => {
  const u = new URL(adminUrl)
  u.pathname = `/${database}`
  return u.toString()
})()

const run = <A>(url: string, f: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    Effect.flatMap(PgClient.PgClient, f).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
      Effect.scoped
    ) as Effect.Effect<A>
  )

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const start = async (dataDir: string) => {
  const port = await freePort()
  const { DATABASE_URL: _ignored, ...rest } = process.env
  const child = spawn(process.execPath, [main, "serve"], {
    env: {
      ...rest,
      DATABASE_URL: dbUrl,
      TALLY_ADMIN_API_KEY: ADMIN,
      TALLY_HTTP_HOST: "127.0.0.1",
      TALLY_HTTP_PORT: String(port),
      TALLY_METRICS_PORT: String(await freePort()),
      TALLY_DATA_DIR: dataDir,
      TALLY_MAIL_URL: `file:${path.join(dataDir, "mail")}`,
      TALLY_WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
      TALLY_DISPATCH_LEASE_SECONDS: "2",
      TALLY_DISPATCH_POLL_INTERVAL_MS: "50",
      TALLY_DISPATCH_WEBHOOK_CONCURRENCY: "4",
      TALLY_DISPATCH_BACKOFF_BASE_MS: "100"
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString()
  })
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString()
  })
  children.push(child)
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited:\n${output}`)
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return { child, port, output: () => output }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`service did not become healthy:\n${output}`)
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
  })

const post = async (port: number, route: string, body: unknown) => {
  const r = await fetch(`http://127.0.0.1:${port}${route}`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  assert.strictEqual(r.status, 201, await r.clone().text())
  return (await r.json()) as { id: string }
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  await Promise.all(children.map(exited))
  await run(adminUrl, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined)
})

describe("dispatch across processes", () => {
  it("a SIGKILL mid-dispatch loses no event; two instances never run one attempt twice", {
    timeout: 180_000
  }, async () => {
    await run(adminUrl, (sql) => sql.unsafe(`CREATE DATABASE ${database}`))
    const received: Array<{ eventId: string; jobId: string; attempt: string }> = []
    // a slow receiver, so deliveries are in flight when the process dies
    const receiver = http.createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        received.push({
          eventId: String(req.headers["tally-event-id"]),
          jobId: String(req.headers["tally-job-id"]),
          attempt: String(req.headers["tally-attempt"])
        })
        setTimeout(() => res.end("ok"), 150)
      })
    })
    const receiverPort = await new Promise<number>((r) =>
      receiver.listen(0, "127.0.0.1", () => r((receiver.address() as net.AddressInfo).port))
    )
    const dataA = fs.mkdtempSync(path.join(os.tmpdir(), "tally-dispatch-a-"))
    const dataB = fs.mkdtempSync(path.join(os.tmpdir(), "tally-dispatch-b-"))
    const a = await start(dataA)
    const b = await start(dataB)
    const webhookId = crypto.randomUUID()
    await run(dbUrl, (sql) =>
      Effect.gen(function* () {
        yield* sql`INSERT INTO webhooks (id, url, secret, events, created_at)
          VALUES (${webhookId}, ${`http://127.0.0.1:${receiverPort}/hook`}, 'process-test-secret-0123', '{transfer.posted}', now())`
        yield* sql`INSERT INTO subscriptions (id, destination, webhook_id, event_name)
          VALUES (${crypto.randomUUID()}, 'webhook', ${webhookId}, 'transfer.posted')`
      })
    )
    const world = await post(a.port, "/v1/accounts", { currency: "EUR", allowNegative: true })
    const shop = await post(a.port, "/v1/accounts", { currency: "EUR" })
    const transfer = (port: number) =>
      post(port, "/v1/transfers", { debitAccountId: world.id, creditAccountId: shop.id, amount: "100" })
    for (let i = 0; i < 30; i++) await transfer(i % 2 === 0 ? a.port : b.port)

    // kill A while deliveries are in flight
    const deadline = Date.now() + 30_000
    while (received.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    a.child.kill("SIGKILL")
    await exited(a.child)
    for (let i = 0; i < 10; i++) await transfer(b.port)
    const restarted = await start(dataA)
    for (let i = 0; i < 10; i++) await transfer(restarted.port)

    const committed = await run(dbUrl, (sql) =>
      sql<{ id: string }>`SELECT id FROM events WHERE name = 'transfer.posted'`.pipe(
        Effect.map((rows) => rows.map((r) => r.id))
      )
    )
    assert.strictEqual(committed.length, 50)
    const finish = Date.now() + 90_000
    while (Date.now() < finish && !committed.every((id) => received.some((r) => r.eventId === id))) {
      await new Promise((r) => setTimeout(r, 100))
    }
    const delivered = new Set(received.map((r) => r.eventId))
    assert.deepStrictEqual(
      committed.filter((id) => !delivered.has(id)),
      [],
      "every committed event was delivered at least once"
    )
    const attempts = received.map((r) => `${r.jobId}/${r.attempt}`)
    assert.strictEqual(new Set(attempts).size, attempts.length, "no attempt ran twice")
    // a duplicate is the same job's later attempt, carrying the same event id
    const byJob = new Map<string, Set<string>>()
    for (const r of received) byJob.set(r.jobId, (byJob.get(r.jobId) ?? new Set()).add(r.eventId))
    assert.isTrue([...byJob.values()].every((ids) => ids.size === 1))
    console.log(
      `dispatch.process: ${committed.length} events, ${received.length} deliveries (${received.length - delivered.size} duplicates after the kill)`
    )
    receiver.close()
  })
})
