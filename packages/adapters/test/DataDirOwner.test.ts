import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as DataDirOwner from "../src/DataDirOwner.ts"

const dir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tally-owner-")), "postgres")
const record = (dataDir: string, owner: DataDirOwner.Owner) =>
  fs.writeFileSync(DataDirOwner.ownerFileOf(dataDir), JSON.stringify(owner))

describe("DataDirOwner", () => {
  it.effect("one owner at a time; the record goes when the owner's scope closes", () =>
    Effect.gen(function* () {
      const dataDir = dir()
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* DataDirOwner.acquire(dataDir)
          const second = yield* Effect.exit(Effect.scoped(DataDirOwner.acquire(dataDir)))
          assert.isTrue(Exit.isFailure(second))
          assert.include(String(second), `pid ${process.pid}`)
        })
      )
      assert.isFalse(fs.existsSync(DataDirOwner.ownerFileOf(dataDir)))
      yield* Effect.scoped(DataDirOwner.acquire(dataDir))
    })
  )

  it.effect("a dead owner's record, a reused pid and a garbled record are taken over", () =>
    Effect.gen(function* () {
      const hostname = os.hostname()
      const dataDir = dir()
      record(dataDir, { pid: 2 ** 22 + 12345, startTime: "1", hostname }) // no such pid
      yield* Effect.scoped(DataDirOwner.acquire(dataDir))
      // a live pid (ours) with another start time: the pid was reused by an unrelated process
      const me = DataDirOwner.startTimeOf(process.pid)
      assert.isNotNull(me, "Linux /proc gives start times")
      record(dataDir, { pid: process.pid, startTime: `${me}0`, hostname })
      assert.isFalse(DataDirOwner.isAlive({ pid: process.pid, startTime: `${me}0`, hostname }))
      yield* Effect.scoped(DataDirOwner.acquire(dataDir))
      fs.writeFileSync(DataDirOwner.ownerFileOf(dataDir), "{")
      yield* Effect.scoped(DataDirOwner.acquire(dataDir))
      // the live owner itself
      assert.isTrue(DataDirOwner.isAlive({ pid: process.pid, startTime: me, hostname }))
      // another host's record on a shared disk is never taken over
      assert.isTrue(DataDirOwner.isAlive({ pid: 1, startTime: "1", hostname: `${hostname}-other` }))
    })
  )
})
