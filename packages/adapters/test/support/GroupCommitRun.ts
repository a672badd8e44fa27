// The test run's group commit settings: TALLY_GROUP_COMMIT_* read through Effect Config as the server reads them
// (packages/server/src/Server.ts GroupCommitLive), the domain's defaults where unset. `npm test` runs the suite
// with them unset (group commit on), then again with TALLY_GROUP_COMMIT_ENABLED=false over the files that can
// create transfers (scripts/test-group-commit-off.ts).
import { GroupCommit, type GroupCommitSettings } from "@tally/domain/usecases/Transfers"
import { Config, Effect } from "effect"

const defaults = GroupCommit.defaultValue()

export const runGroupCommit: GroupCommitSettings = Effect.runSync(
  Config.all({
    enabled: Config.Boolean("TALLY_GROUP_COMMIT_ENABLED").pipe(Config.withDefault(defaults.enabled)),
    windowMillis: Config.Int("TALLY_GROUP_COMMIT_WINDOW_MS").pipe(Config.withDefault(defaults.windowMillis)),
    sizeMax: Config.Int("TALLY_GROUP_COMMIT_SIZE_MAX").pipe(Config.withDefault(defaults.sizeMax)),
    inFlightMax: Config.Int("TALLY_GROUP_COMMIT_IN_FLIGHT_MAX").pipe(Config.withDefault(defaults.inFlightMax))
  })
)
