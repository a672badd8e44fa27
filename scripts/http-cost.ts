// CPU per request of `tally serve`'s HTTP stack — the routes and middleware of Server.ts, the operation runner and
// the transfer use case — without PostgreSQL's share: the ledger is the in-memory twin and the rate limits count in
// memory (the other stores are on an embedded PostgreSQL the requests do not touch). Each server is a child process;
// this process sends POST /v1/transfers on keep-alive connections, closed loop, and divides the server's CPU (user +
// system) over each measured window by the requests it answered in it. For A/B comparisons of the per-request cost
// of the HTTP path (docs/adr/0032-http-request-cost.md); `npm run bench` measures the whole service.
//   node_modules/.bin/node scripts/http-cost.ts [--against DIR] [--concurrency 32] [--seconds 5] [--rounds 6]
//     [--node-flags "…"] [--group-commit]
// `--against DIR`: a second server from another checkout of the repository (e.g. `git archive` of the commit before
// a change, with node_modules linked), measured in windows alternating with this one's (A B B A …), so the load the
// machine carries from other work falls on both alike; prints both medians and their ratio.
// `--node-flags "…"`: Node/V8 flags for this checkout's server only (e.g. `--max-semi-space-size=64` against the
// same checkout: `--against .`).
// `--pg-ledger`: the PostgreSQL ledger store instead of the in-memory twin (with `--group-commit`: the service's
// transfer path but for the rate limits, which stay in memory).
// Group commit is off unless `--group-commit`: a group's cost per request depends on how many requests it carries,
// which depends on how busy the machine is; without it this measures what every request pays.
import { type ChildProcess, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import { fileURLToPath } from "node:url"

const args = process.argv.slice(2)
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`)
  return at < 0 ? fallback : Number(args[at + 1])
}

// --- a server: Server.ts's wiring, the ledger and the rate limits in memory; "start" / "stop" on stdin ------------
const serve = async () => {
  const { Effect, Layer, Redacted, Semaphore } = await import("effect")
  const RateLimiter = await import("effect/persistence/RateLimiter")
  const MemoryLedgerStore = await import("@tally/adapters/memory/MemoryLedgerStore")
  const { LedgerStore } = await import("@tally/domain/ports/LedgerStore")
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
  const { layer: benchDatabase } = await import(path.join(root, "packages/bench/src/BenchDatabase.ts"))
  const Server = await import(path.join(root, "packages/server/src/Server.ts"))
  const { Authenticator } = await import(path.join(root, "packages/server/src/Auth.ts"))
  const { ServerConfig } = await import(path.join(root, "packages/server/src/Config.ts"))
  const { RateLimits } = await import(path.join(root, "packages/server/src/http/RateLimit.ts"))
  const { AuthThrottle } = await import(path.join(root, "packages/server/src/operations/AuthThrottle.ts"))
  const { Idempotency } = await import(path.join(root, "packages/server/src/operations/Idempotency.ts"))
  const { SystemStatus } = await import(path.join(root, "packages/server/src/operations/System.ts"))
  const { GaugesLive } = await import(path.join(root, "packages/server/src/metrics/index.ts"))

  const adminKey = `cost_${randomUUID()}`
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const free = (probe.address() as net.AddressInfo).port
      probe.close(() => resolve(free))
    })
  })
  const base = `http://127.0.0.1:${port}`

  // The twin's transactions keep a snapshot of the whole ledger to roll back to, a copy per transaction that grows
  // with every transfer: here they only serialize (nothing this load sends is refused or rolled back).
  const LedgerMemory = Layer.effect(
    LedgerStore,
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const permit = yield* Semaphore.make(1)
      return LedgerStore.of({ ...store, transact: (effect) => permit.withPermits(1)(effect) })
    })
  ).pipe(Layer.provide(MemoryLedgerStore.layer))
  const RateLimitsMemory = Layer.mergeAll(RateLimits.layer, AuthThrottle.layer).pipe(
    Layer.provide(RateLimiter.layer),
    Layer.provide(RateLimiter.layerStoreMemory)
  )
  const ServerLive = Server.HttpLive({ host: "127.0.0.1", port }).pipe(
    Layer.provideMerge(Layer.mergeAll(Authenticator.layer, Idempotency.layer, SystemStatus.layer, GaugesLive)),
    Layer.provideMerge(RateLimitsMemory),
    // the in-memory ledger over Server.ts's stores (merged last, it is the LedgerStore the use cases get)
    Layer.provideMerge(
      args.includes("--pg-ledger")
        ? Layer.mergeAll(Server.SchemaLive, Server.StoresLive)
        : Layer.merge(Layer.mergeAll(Server.SchemaLive, Server.StoresLive), LedgerMemory)
    ),
    Layer.provideMerge(
      ServerConfig.layerWith({
        adminApiKey: Redacted.make(adminKey),
        dataDir: path.join(os.tmpdir(), "tally-http-cost")
      })
    ),
    Layer.provide(benchDatabase({ serverUrl: undefined, poolMax: args.includes("--pg-ledger") ? 20 : 2, keep: false }))
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

  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        yield* Layer.build(ServerLive)
        const accounts = yield* Effect.promise(() => openAccounts(flag("accounts", 1000)))
        process.stdout.write(`ready ${JSON.stringify({ base, adminKey, accounts })}\n`)
        let started = process.cpuUsage()
        const lines = readline.createInterface({ input: process.stdin })
        yield* Effect.promise(
          () =>
            new Promise<void>((resolve) => {
              lines.on("line", (line) => {
                if (line === "start") started = process.cpuUsage()
                if (line === "stop") {
                  const used = process.cpuUsage(started)
                  process.stdout.write(`cpu ${(used.user + used.system) / 1000}\n`)
                }
              })
              lines.on("close", resolve)
            })
        )
      })
    ) as import("effect").Effect.Effect<void>
  )
  process.exit(0)
}

// --- the driver -----------------------------------------------------------------------------------------------------
interface Server {
  readonly label: string
  readonly child: ChildProcess
  readonly base: URL
  readonly adminKey: string
  readonly accounts: ReadonlyArray<string>
  readonly next: () => Promise<string>
}

const start = (label: string, script: string, nodeFlags: ReadonlyArray<string> = []) =>
  new Promise<Server>((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, script, "--serve", ...args], {
      stdio: ["pipe", "pipe", "inherit"],
      env: {
        ...process.env,
        // limits far above what one process answers: the bucket arithmetic runs, no request is refused
        TALLY_RATE_LIMIT_PER_SECOND: "1000000",
        TALLY_RATE_LIMIT_BURST: "1000000",
        TALLY_LOG_LEVEL: "Warn",
        ...(args.includes("--group-commit") ? {} : { TALLY_GROUP_COMMIT_ENABLED: "false" })
      }
    })
    const queue: Array<string> = []
    const waiting: Array<(line: string) => void> = []
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (!line.startsWith("ready ") && !line.startsWith("cpu ")) return
      const w = waiting.shift()
      if (w !== undefined) w(line)
      else queue.push(line)
    })
    const next = () =>
      new Promise<string>((r) => {
        const line = queue.shift()
        if (line !== undefined) r(line)
        else waiting.push(r)
      })
    child.on("error", reject)
    child.on("exit", (code) => code !== 0 && reject(new Error(`${label} server exited with ${code}`)))
    void next().then((line) => {
      const ready = JSON.parse(line.slice("ready ".length)) as {
        base: string
        adminKey: string
        accounts: Array<string>
      }
      resolve({ label, child, base: new URL(ready.base), adminKey: ready.adminKey, accounts: ready.accounts, next })
    })
  })

/** A closed loop of `concurrency` workers against `server` for `seconds`: the requests answered, and those not 201. */
const load = async (server: Server, concurrency: number, seconds: number) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })
  const until = Date.now() + seconds * 1000
  let answered = 0
  let failed = 0
  const post = () =>
    new Promise<void>((resolve) => {
      const accounts = server.accounts
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
          host: server.base.hostname,
          port: server.base.port,
          method: "POST",
          path: "/v1/transfers",
          headers: {
            authorization: `Bearer ${server.adminKey}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body)
          }
        },
        (response) => {
          response.resume()
          response.on("end", () => {
            answered++
            if (response.statusCode !== 201) failed++
            resolve()
          })
        }
      )
      request.on("error", () => resolve())
      request.end(body)
    })
  const worker = async () => {
    while (Date.now() < until) await post()
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  agent.destroy()
  return { answered, failed }
}

const window = async (server: Server, seconds: number) => {
  server.child.stdin!.write("start\n")
  const { answered, failed } = await load(server, flag("concurrency", 32), seconds)
  server.child.stdin!.write("stop\n")
  const cpuMs = Number((await server.next()).slice("cpu ".length))
  return { answered, failed, perRequest: cpuMs / answered }
}

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const drive = async () => {
  const self = fileURLToPath(import.meta.url)
  const againstAt = args.indexOf("--against")
  const other = againstAt < 0 ? undefined : path.resolve(args[againstAt + 1]!, "scripts/http-cost.ts")
  const flagsAt = args.indexOf("--node-flags")
  const nodeFlags = flagsAt < 0 ? [] : args[flagsAt + 1]!.split(" ").filter((f) => f !== "")
  const servers = [
    await start("this", self, nodeFlags),
    ...(other === undefined ? [] : [await start("against", other)])
  ]
  const seconds = flag("seconds", 5)
  for (const s of servers) await load(s, flag("concurrency", 32), 3) // warm-up (JIT)
  const figures = new Map<string, Array<number>>(servers.map((s) => [s.label, []]))
  for (let round = 0; round < flag("rounds", 6); round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse()
    for (const s of order) {
      const r = await window(s, seconds)
      figures.get(s.label)!.push(r.perRequest)
      console.log(
        `round ${round + 1} ${s.label.padEnd(7)} ${r.answered} requests (${(r.answered / seconds).toFixed(0)}/s, ` +
          `${r.failed} not 201) · ${r.perRequest.toFixed(3)} cpu ms/request · load ${os.loadavg()[0]!.toFixed(2)}`
      )
    }
  }
  for (const [label, xs] of figures) console.log(`median ${label.padEnd(7)} ${median(xs).toFixed(3)} cpu ms/request`)
  if (other !== undefined) {
    const mine = figures.get("this")!
    const theirs = figures.get("against")!
    // each round's two windows are adjacent in time: their ratio is the steadier figure on a busy machine
    const paired = mine.map((x, i) => x / theirs[i]!)
    console.log(
      `this / against ${(median(mine) / median(theirs)).toFixed(3)} (medians) · ${median(paired).toFixed(3)} ` +
        `(median of the rounds' ratios, ${Math.min(...paired).toFixed(3)}–${Math.max(...paired).toFixed(3)})`
    )
  }
  for (const s of servers) s.child.stdin!.end()
}

if (args.includes("--serve")) await serve()
else await drive()
