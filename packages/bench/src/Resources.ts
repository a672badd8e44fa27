// Where the CPU went during a load window (Linux /proc; elsewhere only this process's own figures): the client
// (the bench process — driver, and Tally itself on the in-process path — or pgbench), the bench's event loop,
// the `tally serve` child, the run's PostgreSQL, and the whole machine. Tells a CPU-bound client from a
// waiting one, and a quiet machine from a shared one.
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
  readonly tallyServeCores: number | null
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
  /** The `tally serve` child (HTTP path). */
  readonly servicePid?: number | undefined
  /** The embedded PostgreSQL's postmaster; undefined counts every postgres process here. */
  readonly postmasterPid?: number | undefined
}

export const startSampling = (watched: Watched = {}) => {
  const childPid = watched.servicePid
  const startedAt = performance.now()
  const elu = performance.eventLoopUtilization()
  const cpu = process.cpuUsage()
  const child = childPid === undefined ? undefined : procStat(childPid)?.own
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
      tallyServeCores: childPid === undefined ? null : cores(procStat(childPid)?.own, child),
      postgresCores: cores(postgresTicks(watched.postmasterPid), postgres),
      machineBusyCores: cores(machineBusyTicks(), machine)
    }
  }
}

export const describeUsage = (u: ResourceUsage): string =>
  [
    `${u.client} ${u.clientCores ?? "?"} cores` +
      (u.eventLoopUtilization === null ? "" : ` (event loop ${Math.round(u.eventLoopUtilization * 100)}% busy)`),
    u.tallyServeCores === null ? undefined : `tally serve ${u.tallyServeCores}`,
    u.postgresCores === null ? undefined : `postgres ${u.postgresCores}`,
    u.machineBusyCores === null ? undefined : `machine ${u.machineBusyCores} of ${u.cores}`
  ]
    .filter((s) => s !== undefined)
    .join(" · ")

/** CPU milliseconds per posted transfer, per process group: comparable across runs on a noisy machine. */
export const describePerTransfer = (u: ResourceUsage, transfers: number): string => {
  const ms = (cores: number | null) =>
    cores === null || transfers === 0 ? undefined : ((cores * u.seconds * 1000) / transfers).toFixed(2)
  return [
    `${u.client} ${ms(u.clientCores)}`,
    u.tallyServeCores === null ? undefined : `tally serve ${ms(u.tallyServeCores)}`,
    u.postgresCores === null ? undefined : `postgres ${ms(u.postgresCores)}`
  ]
    .filter((s) => s !== undefined)
    .join(" · ")
}
