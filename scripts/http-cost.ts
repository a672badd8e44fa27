// CPU per request of `tally serve`'s HTTP stack — the routes and middleware of Server.ts, the operation runner and
// the transfer use case — without PostgreSQL's share: the ledger is the in-memory twin and the rate limits count in
// memory (the other stores are on an embedded PostgreSQL the requests do not touch). This process serves; a child
// process sends POST /v1/transfers at a fixed rate (open loop: the same load whatever else runs on the machine) on
// keep-alive connections; the figure is this process's CPU (user + system) over the measured window divided by the
// requests answered in it. For A/B comparisons of the
// per-request cost of the HTTP path (docs/adr/0032); `npm run bench` measures the whole service.
//   node_modules/.bin/node scripts/http-cost.ts [--concurrency 32] [--rate 0] [--seconds 8] [--warmup 3] [--rounds 3]
//     [--group-commit]
// Closed loop by default (`--rate N`: open loop). Group commit is off unless `--group-commit`: a group's cost per
// request depends on how many requests it carries, which depends on how busy the machine is, and this measures the
// cost every request pays.
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as MemoryLedgerStore from "@tally/adapters/memory/MemoryLedgerStore"
import { LedgerStore } from "@tally/domain/ports/LedgerStore"
import { Effect, Layer, Redacted, Semaphore } from "effect"
import * as RateLimiter from "effect/persistence/RateLimiter"

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`)
  return at < 0 ? fallback : Number(args[at + 1])
}
const adminKey = `cost_${randomUUID()}`

// --- the load: a child process, so its CPU is not counted --------------------------------------------------------
if (args[0] === "--load") {
  const [, base, key, accountsJson, concurrency, warmup, seconds, rate] = args
  const accounts = JSON.parse(accountsJson!) as ReadonlyArray<string>
  const url = new URL(base!)
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })
  let phase: "warmup" | "measure" | "done" = "warmup"
  let answered = 0
  let failed = 0
  const post = () =>
    new Promise<void>((resolve) => {
      const d = Math.floor(Math.random() * accounts.length)
      const c = (d + 1 + Math.floor(Math.random() * (accounts.length - 1))) % accounts.length
      const body = JSON.stringify({
        id: randomUUID(),
        debitAccountId: accounts[d],
        creditAccountId: accounts[c],
        amount: "1"
      })
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: "/v1/transfers",
          headers: {
            authorization: `Bearer ${key}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body)
          }
        },
        (response) => {
          response.resume()
          response.on("end", () => {
            if (phase === "measure") {
              answered++
              if (response.statusCode !== 201) failed++
            }
            resolve()
          })
        }
      )
      request.on("error", () => resolve())
      request.end(body)
    })
  // closed loop (`rate` 0): `concurrency` workers, one request at a time each; open loop: `rate` requests a second,
  // in ticks of 10 ms, at most `concurrency` outstanding (further ones are skipped and counted)
  const worker = async () => {
    while (phase !== "done") await post()
  }
  if (Number(rate) === 0) for (let i = 0; i < Number(concurrency); i++) void worker()
  let outstanding = 0
  let skipped = 0
  const perTick = Number(rate) / 100
  let owed = 0
  const tick = setInterval(() => {
    if (Number(rate) === 0) return
    owed += perTick
    for (; owed >= 1; owed--) {
      if (outstanding >= Number(concurrency)) {
        if (phase === "measure") skipped++
        continue
      }
      outstanding++
      void post().then(() => {
        outstanding--
      })
    }
  }, 10)
  setTimeout(() => {
    phase = "measure"
    process.stdout.write("measure\n")
    setTimeout(() => {
      phase = "done"
      clearInterval(tick)
      process.stdout.write(`done ${answered} ${failed} ${skipped}\n`)
    }, Number(seconds) * 1000)
  }, Number(warmup) * 1000)
  await new Promise((resolve) => setTimeout(resolve, (Number(warmup) + Number(seconds)) * 1000 + 2000))
  agent.destroy()
  process.exit(0)
}

// --- the server: Server.ts's wiring, the ledger and the rate limits in memory -------------------------------------
// Limits far above what one process answers: the bucket arithmetic runs, no request is refused.
process.env.TALLY_RATE_LIMIT_PER_SECOND = "1000000"
process.env.TALLY_RATE_LIMIT_BURST = "1000000"
if (!args.includes("--group-commit")) process.env.TALLY_GROUP_COMMIT_ENABLED = "false"

const { layer: benchDatabase } = await import("../packages/bench/src/BenchDatabase.ts")
const Server = await import("../packages/server/src/Server.ts")
const { Authenticator } = await import("../packages/server/src/Auth.ts")
const { ServerConfig } = await import("../packages/server/src/Config.ts")
const { RateLimits } = await import("../packages/server/src/http/RateLimit.ts")
const { AuthThrottle } = await import("../packages/server/src/operations/AuthThrottle.ts")
const { Idempotency } = await import("../packages/server/src/operations/Idempotency.ts")
const { SystemStatus } = await import("../packages/server/src/operations/System.ts")
const { GaugesLive } = await import("../packages/server/src/metrics/index.ts")

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const port = await freePort()
const base = `http://127.0.0.1:${port}`

const RateLimitsMemory = Layer.mergeAll(RateLimits.layer, AuthThrottle.layer).pipe(
  Layer.provide(RateLimiter.layer),
  Layer.provide(RateLimiter.layerStoreMemory)
)

// The twin's transactions restore a snapshot of the whole ledger on failure, a copy per transaction that grows with
// every transfer: here they only serialize (nothing this load sends is refused or rolled back).
const LedgerMemory = Layer.effect(
  LedgerStore,
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const permit = yield* Semaphore.make(1)
    return LedgerStore.of({ ...store, transact: (effect) => permit.withPermits(1)(effect) })
  })
).pipe(Layer.provide(MemoryLedgerStore.layer))

const ServerLive = Server.HttpLive({ host: "127.0.0.1", port }).pipe(
  Layer.provideMerge(Layer.mergeAll(Authenticator.layer, Idempotency.layer, SystemStatus.layer, GaugesLive)),
  Layer.provideMerge(RateLimitsMemory),
  // the in-memory ledger over Server.ts's stores (merged last, it is the LedgerStore the use cases get)
  Layer.provideMerge(Layer.merge(Layer.mergeAll(Server.SchemaLive, Server.StoresLive), LedgerMemory)),
  Layer.provideMerge(
    ServerConfig.layerWith({
      adminApiKey: Redacted.make(adminKey),
      dataDir: path.join(os.tmpdir(), "tally-http-cost")
    })
  ),
  Layer.provide(benchDatabase({ serverUrl: undefined, poolMax: 2, keep: false }))
)

const call = async (pathname: string, body: unknown) => {
  const response = await fetch(`${base}${pathname}`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  const json = (await response.json()) as { id: string }
  if (response.status !== 201) throw new Error(`${pathname}: ${response.status} ${JSON.stringify(json)}`)
  return json
}

const openAccounts = async (n: number) => {
  const world = await call("/v1/accounts", { currency: "EUR", allowNegative: true })
  const ids: Array<string> = []
  for (let i = 0; i < n; i++) {
    const { id } = await call("/v1/accounts", { currency: "EUR" })
    await call("/v1/transfers", { debitAccountId: world.id, creditAccountId: id, amount: "1000000000" })
    ids.push(id)
  }
  return ids
}

const round = (accounts: ReadonlyArray<string>) =>
  new Promise<{ requests: number; failed: number; skipped: number; cpuMs: number }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        "--load",
        base,
        adminKey,
        JSON.stringify(accounts),
        String(flag("concurrency", 32)),
        String(flag("warmup", 3)),
        String(flag("seconds", 8)),
        String(flag("rate", 0))
      ],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    let started: NodeJS.CpuUsage | undefined
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
      if (started === undefined && output.includes("measure\n")) started = process.cpuUsage()
      const done = /done (\d+) (\d+) (\d+)\n/.exec(output)
      if (done !== null && started !== undefined) {
        const used = process.cpuUsage(started)
        const [requests, failed, skipped] = [Number(done[1]), Number(done[2]), Number(done[3])]
        resolve({ requests, failed, skipped, cpuMs: (used.user + used.system) / 1000 })
      }
    })
    child.on("error", reject)
  })

await Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      yield* Layer.build(ServerLive)
      const accounts = yield* Effect.promise(() => openAccounts(flag("accounts", 1000)))
      const figures: Array<number> = []
      for (let i = 0; i < flag("rounds", 3); i++) {
        const r = yield* Effect.promise(() => round(accounts))
        const perRequest = r.cpuMs / r.requests
        figures.push(perRequest)
        const rate = r.requests / flag("seconds", 8)
        console.log(
          `round ${i + 1}: ${r.requests} requests (${rate.toFixed(0)}/s, ${r.failed} not 201, ${r.skipped} skipped) · ` +
            `${perRequest.toFixed(3)} cpu ms/request · load ${os.loadavg()[0]!.toFixed(2)}`
        )
      }
      const sorted = [...figures].sort((a, b) => a - b)
      console.log(`median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} cpu ms/request (tally HTTP stack)`)
    })
  )
)
process.exit(0)
