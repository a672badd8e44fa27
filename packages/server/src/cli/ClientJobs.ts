import { Flag } from "effect/cli"
import { operationCommand } from "./ClientCommand.ts"
import { idArgument, page, some } from "./ClientFlags.ts"
import { lines } from "./ClientOutput.ts"

type Job = {
  readonly id: string
  readonly eventName: string
  readonly destination: string
  readonly state: string
  readonly attempts: number
  readonly transitions: ReadonlyArray<{ readonly error: string | null }>
}
const jobLine = (j: Job) => {
  const error = j.transitions.findLast((t) => t.error !== null)?.error
  return [
    j.id,
    j.destination.padEnd(7),
    j.eventName.padEnd(16),
    j.state.padEnd(12),
    `attempts ${j.attempts}`,
    ...(error === undefined || error === null ? [] : [`last error: ${error}`])
  ].join("  ")
}

const filter = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

export const jobsList = operationCommand(
  "jobs.list",
  {
    destinations: filter("destinations", "Comma-separated: mail, webhook"),
    events: filter("events", "Comma-separated event names"),
    statusIn: filter("status-in", "Comma-separated states to show"),
    statusNotIn: filter("status-not-in", "Comma-separated states to leave out"),
    maxAttempts: Flag.Int("max-attempts").pipe(Flag.withDescription("At most this many attempts"), Flag.optional),
    ...page
  },
  (c) => ({
    ...some("destinations", c.destinations),
    ...some("events", c.events),
    ...some("statusIn", c.statusIn),
    ...some("statusNotIn", c.statusNotIn),
    ...some("maxAttempts", c.maxAttempts),
    ...some("limit", c.limit),
    ...some("cursor", c.cursor)
  }),
  (r) => lines(r.items, jobLine, r.nextCursor)
)

export const jobsRetry = operationCommand(
  "jobs.retry",
  { id: idArgument("id", "Job id") },
  (c) => ({ id: c.id }),
  jobLine
)
