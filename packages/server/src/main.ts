#!/usr/bin/env node
// `tally` — the CLI. `serve` runs the service; the rest are operator and client commands.
// Start-up is mostly compiling effect's modules: V8's on-disk compile cache (in the OS temp dir) halves it on
// every run after the first. It applies to modules loaded after it is on, hence the dynamic import.
import { enableCompileCache } from "node:module"

enableCompileCache()
await import("./cli/Tally.ts")
