// A Tally server as a separate process (`node main.ts serve`), driven over HTTP only: fault tests kill it, cut its
// connections and restart it, and see exactly what a client would.
import { type ChildProcess, spawn } from "node:child_process"
import * as net from "node:net"
import * as path from "node:path"
import { Effect } from "effect"

const main = path.resolve(import.meta.dirname, "../../src/main.ts")
export const PROCESS_ADMIN_KEY = "fault-test-admin-key-0123456789"

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

export interface ServerProcess {
  readonly child: ChildProcess
  readonly base: string
  readonly output: () => string
}

const waitHealthy = async (base: string, child: ChildProcess, output: () => string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited before becoming healthy:\n${output()}`)
    try {
      const r = await fetch(`${base}/readyz`)
      if (r.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`server did not become ready:\n${output()}`)
}

export const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
    child.once("exit", (code) => resolve(code))
  })

/** Starts a server on `databaseUrl` and waits until /readyz answers 200; killed (SIGKILL) when the scope closes. */
export const startServer = (databaseUrl: string, env: Record<string, string> = {}, port?: number) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const httpPort = port ?? (await freePort())
      const { DATABASE_URL: _ignored, ...rest } = process.env
      const child = spawn(process.execPath, [main, "serve"], {
        env: {
          ...rest,
          DATABASE_URL: databaseUrl,
          TALLY_ADMIN_API_KEY: PROCESS_ADMIN_KEY,
          TALLY_HTTP_HOST: "127.0.0.1",
          TALLY_HTTP_PORT: String(httpPort),
          TALLY_METRICS_PORT: String(await freePort()),
          ...env
        },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let output = ""
      const keep = (c: Buffer) => {
        output = (output + c.toString()).slice(-20_000)
      }
      child.stdout?.on("data", keep)
      child.stderr?.on("data", keep)
      const base = `http://127.0.0.1:${httpPort}`
      await waitHealthy(base, child, () => output, 60_000)
      return { child, base, output: () => output } satisfies ServerProcess
    }),
    (server) =>
      Effect.promise(async () => {
        if (server.child.exitCode === null && server.child.signalCode === null) {
          server.child.kill("SIGKILL")
          await exited(server.child)
        }
      })
  )

export interface HttpReply {
  readonly status: number
  // biome-ignore lint/suspicious/noExplicitAny: test convenience for JSON bodies
  readonly body: any
}

/** One HTTP call as a client makes it; a network failure is status 0 (the client cannot know what happened). */
export const request = async (
  base: string,
  method: string,
  urlPath: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}
): Promise<HttpReply> => {
  try {
    const response = await fetch(`${base}${urlPath}`, {
      method,
      headers: {
        authorization: `Bearer ${PROCESS_ADMIN_KEY}`,
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000)
    })
    const text = await response.text()
    let body: unknown = text
    try {
      body = text === "" ? undefined : JSON.parse(text)
    } catch {
      // not JSON
    }
    return { status: response.status, body }
  } catch {
    return { status: 0, body: undefined }
  }
}

/** `tally ledger verify` on `databaseUrl`, as an operator runs it: exit code and output. */
export const ledgerVerify = (databaseUrl: string) =>
  Effect.promise(
    () =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const { DATABASE_URL: _ignored, ...rest } = process.env
        const child = spawn(process.execPath, [main, "ledger", "verify"], {
          env: { ...rest, DATABASE_URL: databaseUrl, TALLY_LOG_LEVEL: "Warn" },
          stdio: ["ignore", "pipe", "pipe"]
        })
        let output = ""
        child.stdout?.on("data", (c: Buffer) => {
          output += c.toString()
        })
        child.stderr?.on("data", (c: Buffer) => {
          output += c.toString()
        })
        child.once("exit", (code) => resolve({ code, output }))
      })
  )
