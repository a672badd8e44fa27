// One status line per second on stderr while the load runs.
import { Duration, Effect } from "effect"
import type { Recorder } from "./Recorder.ts"

const line = (label: string, recorder: Recorder, lastPosted: number) => {
  const elapsed = recorder.elapsedSeconds()
  const rate = elapsed > 0 ? recorder.transfersPosted / elapsed : 0
  return (
    `[${label} ${elapsed.toFixed(0).padStart(3)}s] ${rate.toFixed(0).padStart(6)} transfers/s ` +
    `(last 1s ${String(recorder.transfersPosted - lastPosted).padStart(6)}) · in flight ${String(recorder.inFlight).padStart(4)}` +
    ` · errors ${recorder.errors}${recorder.dropped > 0 ? ` · dropped ${recorder.dropped}` : ""}\n`
  )
}

/** Runs until interrupted. */
export const reportProgress = (label: string, recorder: Recorder) =>
  Effect.gen(function* () {
    let lastPosted = 0
    while (true) {
      yield* Effect.sleep(Duration.seconds(1))
      const posted = recorder.transfersPosted
      yield* Effect.sync(() => process.stderr.write(line(label, recorder, lastPosted)))
      lastPosted = posted
    }
  })
