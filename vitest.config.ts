import { defineConfig } from "vitest/config"
import { TestLogs } from "./packages/adapters/test/support/TestLogs.ts"

// Test output goes to test-results/logs/<file>.log, printed when that file fails; CI=true fails on a skipped test.
const logs = new TestLogs({ root: import.meta.dirname, ci: process.env.CI === "true" })

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["packages/adapters/test/support/globalSetup.ts"],
    reporters: ["default", logs],
    onConsoleLog: logs.onConsoleLog
  }
})
