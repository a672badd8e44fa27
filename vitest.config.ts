import { Config, Effect } from "effect"
import { defineConfig } from "vitest/config"
import { TestLogs } from "./packages/adapters/test/support/TestLogs.ts"

// Group commit off (TALLY_GROUP_COMMIT_ENABLED=false, the second pass of `npm test`): logs of its own, so that
// they do not replace the first pass's.
const groupCommitOff = !Effect.runSync(Config.Boolean("TALLY_GROUP_COMMIT_ENABLED").pipe(Config.withDefault(true)))

// Test output goes to test-results/logs/<file>.log (test-results/logs-group-commit-off/ with group commit off),
// printed when that file fails; CI=true fails on a skipped test.
const logs = new TestLogs({
  root: import.meta.dirname,
  ci: process.env.CI === "true",
  dir: groupCommitOff ? "test-results/logs-group-commit-off" : "test-results/logs"
})

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["packages/adapters/test/support/globalSetup.ts"],
    // TALLY_GROUP_COMMIT_* reach the use cases a test runs in process as well (support/GroupCommitRun.ts)
    setupFiles: ["packages/adapters/test/support/groupCommitSetup.ts"],
    reporters: ["default", logs],
    onConsoleLog: logs.onConsoleLog
  }
})
