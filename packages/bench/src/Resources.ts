// Where the CPU went during a load window (Linux /proc; elsewhere only this process's own figures): the client
// (the bench process — driver, and Tally itself on the in-process path — or pgbench), the bench's event loop,
// the server processes (every `tally serve` instance, summed, or the node-pg baseline server), the run's
// PostgreSQL, and the whole machine. Tells a CPU-bound client from a waiting one, and a quiet machine from a
// shared one.
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { round } from "./Stats.ts"

export interface ResourceUsage {
  readonly seconds: number
  readonly cores: number
  /** Who sent the load: "bench process" or "pgbench". */
  readonly client: string
  /** CPU used, in cores (1.0 = one core busy for the whole window). */
  readonly clientCores: number | null
  /** Share of wall time the bench's event loop was busy (1 = saturated); null when pgbench was the client. */
  readonly eventLoopUtilization: number | null
  /** The server processes' name ("tally serve", "node-pg server"); null when the client ran the system itself. */
  readonly server: string | null
  /** How many server processes `serverCores` sums. */
  readonly serverProcesses: number
  readonly serverCores: number | null
  readonly postgresCores: number | null
  readonly machineBusyCores: number | null
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  } catch {
    return 100
  }
})()

interface ProcStat {
  readonly pid: number
  readonly ppid: number
  readonly comm: string
  /** utime + stime, and cutime + cstime (reaped children), in ticks. */
  readonly own: number
  readonly children: number
}

const procStat = (pid: number): ProcStat | undefined => {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const close = text.lastIndexOf(")")
    const fields = text.slice(close + 2).split(" ")
    return {
      pid,
      ppid: Number(fields[1]),
      comm: text.slice(text.indexOf("(") + 1, close),
      own: Number(fields[11]) + Number(fields[12]),
      children: Number(fields[13]) + Number(fields[14])
    }
  } catch {
    return undefined
  }
}

/**
 * PostgreSQL CPU ticks: the postmaster's live backends plus what it reaped from exited ones. Without a known
 * postmaster (an external server), every postgres process on this machine.
 */
const postgresTicks = (postmasterPid: number | undefined): number | undefined => {
  if (!fs.existsSync("/proc/self/stat")) return undefined
  const all = fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => procStat(Number(d)) ?? [])
    .filter((p) => p.comm === "postgres")
    .filter((p) => postmasterPid === undefined || p.pid === postmasterPid || p.ppid === postmasterPid)
  const pids = new Set(all.map((p) => p.pid))
  return all.reduce((sum, p) => sum + p.own + (pids.has(p.ppid) ? 0 : p.children), 0)
}

const machineBusyTicks = (): number | undefined => {
  try {
    const cpu = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number)
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0)
    return cpu.slice(0, 8).reduce((a, b) => a + b, 0) - idle
  } catch {
    return undefined
  }
}

export interface Watched {
  /** "pgbench": the load came from a child process, counted once it exited and was reaped. */
  readonly client?: "bench process" | "pgbench"
  /** The server child processes: `tally serve` instances (HTTP and RPC paths) or the node-pg server. */
  readonly server?: { readonly name: string; readonly pids: ReadonlyArray<number | undefined> } | undefined
  /** The embedded PostgreSQL's postmaster; undefined counts every postgres process here. */
  readonly postmasterPid?: number | undefined
}

export const startSampling = (watched: Watched = {}) => {
  const serverPids = (watched.server?.pids ?? []).filter((pid): pid is number => pid !== undefined)
  const serverTicks = () => {
    const stats = serverPids.map(procStat)
    return stats.every((stat) => stat !== undefined) ? stats.reduce((sum, stat) => sum + stat.own, 0) : undefined
  }
  const startedAt = performance.now()
  const elu = performance.eventLoopUtilization()
  const cpu = process.cpuUsage()
  const server = serverTicks()
  const reaped = procStat(process.pid)?.children
  const postgres = postgresTicks(watched.postmasterPid)
  const machine = machineBusyTicks()
  return (): ResourceUsage => {
    const seconds = (performance.now() - startedAt) / 1000
    const used = process.cpuUsage(cpu)
    const cores = (ticks: number | undefined, before: number | undefined) =>
      ticks === undefined || before === undefined ? null : round((ticks - before) / ticksPerSecond / seconds)
    const pgbench = watched.client === "pgbench"
    return {
      seconds: round(seconds),
      cores: os.availableParallelism(),
      client: watched.client ?? "bench process",
      clientCores: pgbench
        ? cores(procStat(process.pid)?.children, reaped)
        : round((used.user + used.system) / 1e6 / seconds),
      eventLoopUtilization: pgbench ? null : round(performance.eventLoopUtilization(elu).utilization),
      server: watched.server?.name ?? null,
      serverProcesses: serverPids.length,
      serverCores: serverPids.length === 0 ? null : cores(serverTicks(), server),
      postgresCores: cores(postgresTicks(watched.postmasterPid), postgres),
      machineBusyCores: cores(machineBusyTicks(), machine)
    }
  }
}

const serverLabel = (u: ResourceUsage) =>
  u.serverProcesses > 1 ? `${u.server} (${u.serverProcesses} processes)` : (u.server ?? "server")

export const describeUsage = (u: ResourceUsage): string =>
  [
    `${u.client} ${u.clientCores ?? "?"} cores` +
      (u.eventLoopUtilization === null ? "" : ` (event loop ${Math.round(u.eventLoopUtilization * 100)}% busy)`),
    u.serverCores === null ? undefined : `${serverLabel(u)} ${u.serverCores}`,
    u.postgresCores === null ? undefined : `postgres ${u.postgresCores}`,
    u.machineBusyCores === null ? undefined : `machine ${u.machineBusyCores} of ${u.cores}`
  ]
    .filter((s) => s !== undefined)
    .join(" · ")

/** CPU milliseconds per posted transfer, per process group: comparable across runs on a noisy machine. */
export interface CpuPerTransfer {
  /** The bench process (which is also Tally on the in-process path), or pgbench. */
  readonly clientMs: number | null
  /** The server processes, summed over instances. */
  readonly serverMs: number | null
  readonly postgresMs: number | null
}

export const cpuPerTransfer = (u: ResourceUsage, transfers: number): CpuPerTransfer => {
  const ms = (cores: number | null) =>
    cores === null || transfers === 0 ? null : round((cores * u.seconds * 1000) / transfers, 3)
  return { clientMs: ms(u.clientCores), serverMs: ms(u.serverCores), postgresMs: ms(u.postgresCores) }
}

export const describePerTransfer = (u: ResourceUsage, transfers: number): string => {
  const ms = cpuPerTransfer(u, transfers)
  const fixed = (value: number | null) => (value === null ? "?" : value.toFixed(2))
  return [
    `${u.client} ${fixed(ms.clientMs)}`,
    u.serverCores === null ? undefined : `${serverLabel(u)} ${fixed(ms.serverMs)}`,
    u.postgresCores === null ? undefined : `postgres ${fixed(ms.postgresMs)}`
  ]
    .filter((s) => s !== undefined)
    .join(" · ")
}
