// vitest setupFile (vitest.config.ts), run in every test file's module context before the file itself: the run's
// group commit settings (GroupCommitRun.ts) become the default of the domain's `GroupCommit` reference, so the
// use cases a test runs in process without providing `GroupCommit` follow the same switch as the servers it
// starts (in process they read Config from the environment; `tally serve` children inherit it). Unset, the
// settings are the reference's own defaults and nothing changes.
import { GroupCommit } from "@tally/domain/usecases/Transfers"
import { Effect } from "effect"
import { runGroupCommit } from "./GroupCommitRun.ts"

// effect resolves a missing reference with `defaultValue()` once and caches it; nothing has asked yet
Object.defineProperty(GroupCommit, "defaultValue", { value: () => runGroupCommit, configurable: true })
// a switch that silently did not take would make the group-commit-off pass worthless: check it did
const seen = Effect.runSync(GroupCommit.useSync((settings) => settings))
if (JSON.stringify(seen) !== JSON.stringify(runGroupCommit)) {
  throw new Error(`groupCommitSetup: GroupCommit resolves to ${JSON.stringify(seen)}, not the run's settings`)
}
