// The in-memory twin of PgJobStore: the same contract (test/contract/JobStoreContract.ts), on MemoryOutbox.
import type { EventName } from "@tally/domain/Event"
import { claimOrDiscard, isDue, isPending, type Transition } from "@tally/domain/JobState"
import {
  type ClaimedJob,
  type JobQuery,
  JobStore,
  type JobView,
  TransitionConflict
} from "@tally/domain/ports/JobStore"
import { InvalidCursor } from "@tally/domain/ports/LedgerStore"
import type { Destination, Subscription } from "@tally/domain/Subscription"
import { DateTime, type Duration, Effect, Layer, Option, Result } from "effect"
import { decodeCursor, encodeCursor } from "../postgres/Rows.ts"
import { MemoryOutbox } from "./MemoryOutbox.ts"

const ms = DateTime.toEpochMillis

export const make = Effect.gen(function* () {
  const outbox = yield* MemoryOutbox
  const s = () => outbox.state()

  const view = (jobId: string): JobView | undefined => {
    const job = s().jobs.get(jobId)
    return job === undefined ? undefined : { ...job, transitions: s().transitions.get(jobId) ?? [] }
  }
  const headOf = (jobId: string) => s().transitions.get(jobId)?.at(-1)

  const subscribe = (subscriptions: ReadonlyArray<Subscription>) =>
    Effect.sync(() => {
      const taken = new Set(
        [...s().subscriptions.values()].map((x) => `${x.destination}:${x.webhookId}:${x.eventName}`)
      )
      for (const x of subscriptions) {
        const key = `${x.destination}:${x.webhookId}:${x.eventName}`
        if (!taken.has(key) && !s().subscriptions.has(x.id)) s().subscriptions.set(x.id, x)
        taken.add(key)
      }
    })

  const claim = (
    destination: Destination,
    now: DateTime.Utc,
    limit: number,
    lease: Duration.Duration,
    maxAttempts: number
  ) =>
    Effect.sync(() => {
      const due = [...s().jobs.values()]
        .filter((j) => j.destination === destination)
        .flatMap((j) => {
          const head = headOf(j.id)
          return head !== undefined && isDue(head, now) ? [{ job: j, head }] : []
        })
        .sort((a, b) => ms(a.head.dueAt!) - ms(b.head.dueAt!))
        .slice(0, limit)
      return due.flatMap(({ job, head }): Array<ClaimedJob> => {
        const next = claimOrDiscard(head, now, lease, maxAttempts)
        if (Result.isFailure(next)) return []
        s().transitions.set(job.id, [...(s().transitions.get(job.id) ?? []), ...next.success])
        const claimed = next.success.at(-1)!
        if (claimed.stateAfter !== "executing") return []
        const event = s().events.get(job.eventId)!
        const subscription = s().subscriptions.get(job.subscriptionId)
        const webhook = subscription?.webhookId == null ? undefined : s().webhooks.get(subscription.webhookId)
        return [
          {
            job,
            event,
            head: claimed,
            webhook: webhook === undefined ? null : { id: webhook.id, url: webhook.url, secret: webhook.secret }
          }
        ]
      })
    })

  const appendTransitions = (jobId: string, next: ReadonlyArray<Transition>) =>
    Effect.gen(function* () {
      const first = next[0]
      if (first === undefined) return
      const head = headOf(jobId)
      if (head === undefined || head.seq + 1 !== first.seq) {
        return yield* new TransitionConflict({ jobId, seq: first.seq })
      }
      s().transitions.set(jobId, [...(s().transitions.get(jobId) ?? []), ...next])
    })

  const get = (jobId: string) => Effect.sync(() => Option.fromNullishOr(view(jobId)))

  const list = (query: JobQuery) =>
    Effect.gen(function* () {
      const after = query.cursor === null ? undefined : decodeCursor(query.cursor)
      if (query.cursor !== null && after === undefined) return yield* new InvalidCursor({ cursor: query.cursor })
      const matching = [...s().jobs.values()]
        .map((j) => view(j.id)!)
        .filter((j) => {
          const head = j.transitions.at(-1)!
          return (
            (query.destinations === null || query.destinations.includes(j.destination)) &&
            (query.events === null || query.events.includes(j.eventName)) &&
            (query.statusIn === null || query.statusIn.includes(head.stateAfter)) &&
            (query.statusNotIn === null || !query.statusNotIn.includes(head.stateAfter)) &&
            (query.maxAttempts === null || head.attempt <= query.maxAttempts) &&
            (after === undefined ||
              ms(j.createdAt) > after.createdAt.getTime() ||
              (ms(j.createdAt) === after.createdAt.getTime() && j.id > after.id))
          )
        })
        .sort((a, b) => ms(a.createdAt) - ms(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      const page = matching.slice(0, query.limit)
      const last = page.at(-1)
      return {
        items: page,
        nextCursor:
          matching.length > query.limit && last !== undefined
            ? encodeCursor(DateTime.toDateUtc(last.createdAt), last.id)
            : null
      }
    })

  const events = (ids: ReadonlyArray<string>) =>
    Effect.sync(() => ids.flatMap((id) => Option.toArray(Option.fromNullishOr(s().events.get(id)))))

  const listEvents = (query: {
    readonly names: ReadonlyArray<EventName> | null
    readonly afterId: string | null
    readonly limit: number
  }) =>
    Effect.sync(() =>
      [...s().events.values()]
        .filter(
          (e) =>
            (query.names === null || query.names.includes(e.name)) && (query.afterId === null || e.id > query.afterId)
        )
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, query.limit)
    )

  const pruneSucceeded = (before: DateTime.Utc, limit: number) =>
    Effect.sync(() => {
      const doomed = [...s().jobs.keys()]
        .filter((id) => {
          const head = headOf(id)
          return head?.stateAfter === "succeeded" && ms(head.createdAt) < ms(before)
        })
        .slice(0, limit)
      for (const id of doomed) {
        s().jobs.delete(id)
        s().transitions.delete(id)
      }
      return doomed.length
    })

  const stats = (now: DateTime.Utc) =>
    Effect.sync(() => {
      const counts = new Map<string, { destination: Destination; state: Transition["stateAfter"]; count: number }>()
      let oldest: DateTime.Utc | null = null
      for (const job of s().jobs.values()) {
        const head = headOf(job.id)!
        const key = `${job.destination}:${head.stateAfter}`
        const entry = counts.get(key) ?? { destination: job.destination, state: head.stateAfter, count: 0 }
        counts.set(key, { ...entry, count: entry.count + 1 })
        if (head.stateAfter === "awaiting" && isPending(head.stateAfter) && isDue(head, now)) {
          if (oldest === null || ms(head.dueAt!) < ms(oldest)) oldest = head.dueAt
        }
      }
      return { counts: [...counts.values()], oldestDueAt: oldest }
    })

  return JobStore.of({
    append: outbox.append,
    subscribe,
    claim,
    appendTransitions,
    get,
    list,
    events,
    listEvents,
    pruneSucceeded,
    stats
  })
})

export const layer = Layer.effect(JobStore, make)
