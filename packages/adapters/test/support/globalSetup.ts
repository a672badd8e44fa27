// One PostgreSQL for the whole test run; every test file then creates its own database on it.
// Source, in order: DATABASE_URL; a testcontainers PostgreSQL when a Docker engine answers; else
// the embedded PostgreSQL binaries from npm.
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Exit, Redacted, Scope } from "effect"
import type { TestProject } from "vitest/node"
import * as EmbeddedPostgres from "../../src/EmbeddedPostgres.ts"

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string
    databaseSource: string
  }
}

const dockerAnswers = (): Promise<boolean> =>
  new Promise((resolve) => {
    const socketPath = process.env.DOCKER_HOST?.startsWith("unix://")
      ? process.env.DOCKER_HOST.slice("unix://".length)
      : "/var/run/docker.sock"
    if (!fs.existsSync(socketPath)) return resolve(false)
    const req = http.get({ socketPath, path: "/_ping", timeout: 1000 }, (res) => resolve(res.statusCode === 200))
    req.on("error", () => resolve(false))
    req.on("timeout", () => {
      req.destroy()
      resolve(false)
    })
  })

export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== "") {
    project.provide("adminDatabaseUrl", process.env.DATABASE_URL)
    project.provide("databaseSource", "DATABASE_URL")
    return
  }
  if (await dockerAnswers()) {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql")
    const container = await new PostgreSqlContainer("postgres:18").start()
    project.provide("adminDatabaseUrl", container.getConnectionUri())
    project.provide("databaseSource", "testcontainers")
    return async () => {
      await container.stop()
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tally-test-pg-"))
  fs.chmodSync(dir, 0o755)
  const scope = Effect.runSync(Scope.make())
  const handle = await Effect.runPromise(
    EmbeddedPostgres.start({ dataDir: path.join(dir, "data"), port: 0 }).pipe(Scope.provide(scope))
  )
  project.provide("adminDatabaseUrl", Redacted.value(handle.url))
  project.provide("databaseSource", "embedded")
  return async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
