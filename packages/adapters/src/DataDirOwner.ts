// Who runs the embedded PostgreSQL of a data directory: a Tally process records itself in `<dataDir>.owner`
// for its lifetime. A second start in the same directory tells a live owner (refuse, leave it running) from a
// dead one (its orphaned PostgreSQL is stopped and the directory reused). A pid alone is not enough, since pids
// are reused: the owner is alive only when a process with that pid exists *and* started at the recorded time
// (Linux: field 22 of /proc/<pid>/stat, in clock ticks since boot; elsewhere the pid alone is checked).
import * as fs from "node:fs"
import * as os from "node:os"
import { Data, Effect, type Scope } from "effect"

export class DataDirInUse extends Data.TaggedError("DataDirInUse")<{
  readonly dataDir: string
  readonly ownerPid: number
}> {
  override get message() {
    return `the embedded PostgreSQL in ${this.dataDir} belongs to a running Tally (pid ${this.ownerPid}); it was left running. Stop that process first, or give this one another TALLY_DATA_DIR or a DATABASE_URL`
  }
}

export interface Owner {
  readonly pid: number
  /** Process start time as the kernel reports it; null where it cannot be read. */
  readonly startTime: string | null
  readonly hostname: string
}

export const ownerFileOf = (dataDir: string) => `${dataDir}.owner`

/** Start time of a process (Linux), or null when unknown. */
export const startTimeOf = (pid: number): string | null => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    // the command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return fields[19] ?? null
  } catch {
    return null
  }
}

const pidExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Whether the recorded owner is still the process that wrote the record. */
export const isAlive = (owner: Owner): boolean => {
  if (owner.hostname !== os.hostname()) return true // another machine on a shared disk: never take it over
  if (!Number.isInteger(owner.pid) || owner.pid <= 0 || !pidExists(owner.pid)) return false
  if (owner.startTime === null) return true
  const now = startTimeOf(owner.pid)
  return now === null || now === owner.startTime
}

const readOwner = (file: string): Owner | undefined => {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Owner>
    return { pid: Number(parsed.pid), startTime: parsed.startTime ?? null, hostname: String(parsed.hostname) }
  } catch (error) {
    // missing; or unreadable, which no live owner leaves (records are published whole, by link)
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    return { pid: 0, startTime: null, hostname: os.hostname() }
  }
}

const self = (): Owner => ({ pid: process.pid, startTime: startTimeOf(process.pid), hostname: os.hostname() })

/**
 * Records this process as the owner of `dataDir` until the scope closes, or fails with DataDirInUse naming the
 * live owner. A dead owner's record is replaced. The record is created with O_EXCL, so of two processes
 * starting together exactly one becomes the owner.
 */
export const acquire = (dataDir: string): Effect.Effect<void, DataDirInUse, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const file = ownerFileOf(dataDir)
      const me = self()
      const mine = `${file}.${process.pid}.tmp`
      const aside = `${file}.${process.pid}.stale`
      fs.writeFileSync(mine, JSON.stringify(me), { mode: 0o644 })
      try {
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            // link(2) publishes the complete record atomically and fails when one exists: one owner at a time
            fs.linkSync(mine, file)
            return Effect.succeed(me)
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
          }
          const owner = readOwner(file)
          if (owner !== undefined && isAlive(owner)) {
            return Effect.fail(new DataDirInUse({ dataDir, ownerPid: owner.pid }))
          }
          // a dead owner's record: move it aside (atomic), and put it back if a live starter replaced it meanwhile
          try {
            fs.renameSync(file, aside)
            const moved = readOwner(aside)
            if (moved !== undefined && isAlive(moved)) {
              try {
                fs.linkSync(aside, file)
              } catch {
                // a third starter got in: it holds the record now
              }
              return Effect.fail(new DataDirInUse({ dataDir, ownerPid: moved.pid }))
            }
          } catch {
            // another starter moved it first
          } finally {
            fs.rmSync(aside, { force: true })
          }
        }
        return Effect.fail(new DataDirInUse({ dataDir, ownerPid: readOwner(file)?.pid ?? 0 }))
      } finally {
        fs.rmSync(mine, { force: true })
      }
    }),
    (me) =>
      Effect.sync(() => {
        const file = ownerFileOf(dataDir)
        const owner = readOwner(file)
        if (owner !== undefined && owner.pid === me.pid && owner.startTime === me.startTime) {
          fs.rmSync(file, { force: true })
        }
      })
  ).pipe(Effect.asVoid)
