// Drives the load. Closed loop: `concurrency` workers, each sending its next request when the last is answered.
// Open loop: requests start on a fixed schedule whatever the answers; at most `maxInFlight` are outstanding and
// the rest are dropped and counted. Open-loop latency counts from the scheduled start, so a late start is
// charged to the system under test (no coordinated omission).
import { Duration, Effect } from "effect"
import { Driver } from "./Driver.ts"
import type { Recorder } from "./Recorder.ts"
import type { Workload } from "./Workload.ts"

export interface LoadPlan {
  readonly mode: "closed" | "open"
  readonly concurrency: number
  /** Open loop: requests started per second. */
  readonly rate: number
  readonly maxInFlight: number
  readonly durationSeconds: number
  /** Stop after this many transfers instead of after the duration. */
  readonly transfersMax: number | undefined
}

export const runLoad = Effect.fn("LoadLoop.runLoad")(function* (
  plan: LoadPlan,
  workload: Workload,
  recorder: Recorder
) {
  const driver = yield* Driver
  const deadline =
    plan.transfersMax === undefined ? recorder.startedAt + plan.durationSeconds * 1000 : Number.POSITIVE_INFINITY
  let issuedTransfers = 0
  const done = () =>
    performance.now() >= deadline || (plan.transfersMax !== undefined && issuedTransfers >= plan.transfersMax)

  const send = (startedAt: number, lane: number) => {
    const cmds = workload.next()
    issuedTransfers += cmds.length
    recorder.inFlight++
    return (workload.batched ? driver.batch(cmds, lane) : driver.transfer(cmds[0]!, lane)).pipe(
      Effect.tap((outcome) =>
        Effect.sync(() => {
          recorder.inFlight--
          recorder.record(startedAt, outcome)
        })
      )
    )
  }

  if (plan.mode === "closed") {
    const worker = (lane: number) =>
      Effect.whileLoop({
        while: () => !done(),
        body: () => Effect.suspend(() => send(performance.now(), lane)),
        step: () => undefined
      })
    yield* Effect.forEach(Array.from({ length: plan.concurrency }), (_, lane) => worker(lane), {
      concurrency: "unbounded",
      discard: true
    })
  } else {
    const intervalMs = 1000 / plan.rate
    for (let i = 0; ; i++) {
      const due = recorder.startedAt + i * intervalMs
      if (due >= deadline || done()) break
      const wait = due - performance.now()
      if (wait >= 1) yield* Effect.sleep(Duration.millis(wait))
      if (recorder.inFlight >= plan.maxInFlight) {
        recorder.dropped++
        continue
      }
      yield* Effect.forkChild(send(due, i))
      // let started requests make progress when the schedule is behind
      if (i % 64 === 63) yield* Effect.yieldNow
    }
    while (recorder.inFlight > 0) yield* Effect.sleep(Duration.millis(5))
  }
  recorder.end()
})
