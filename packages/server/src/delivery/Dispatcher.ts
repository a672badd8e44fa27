// The outbox dispatcher: per destination, claims due jobs (FOR UPDATE SKIP LOCKED in the store, so several
// instances never claim the same attempt), runs each with at most `concurrency` in flight on this instance,
// and appends the outcome's transitions: succeeded, or failed then awaiting after an exponential, jittered
// backoff, or failed then discarded after the destination's max attempts. A job left executing by a crashed
// instance is due again when its lease ends: delivery is at-least-once, every delivery carrying the event id.
import { complete, type Outcome } from "@tally/domain/JobState"
import { type ClaimedJob, JobStore } from "@tally/domain/ports/JobStore"
import type { Mailer } from "@tally/domain/ports/Mailer"
import { UserStore } from "@tally/domain/ports/UserStore"
import type { WebhookSender } from "@tally/domain/ports/WebhookSender"
import { type Destination, destinations } from "@tally/domain/Subscription"
import { Context, DateTime, Duration, Effect, FiberSet, Layer, Option, Random, Result } from "effect"
import { countDelivery } from "../metrics/OutboxMetrics.ts"
import { DeliveryFailed, deliver } from "./Deliver.ts"
import { DispatchConfig } from "./DispatchConfig.ts"

export class Dispatcher extends Context.Service<
  Dispatcher,
  {
    /** Claims what is due for `destination` now (within the in-flight bound) and runs it to the end. */
    readonly runDue: (destination: Destination) => Effect.Effect<number>
  }
>()("tally/server/Dispatcher") {
  static readonly layer = Layer.effect(
    Dispatcher,
    Effect.gen(function* () {
      const config = yield* DispatchConfig
      const store = yield* JobStore
      const senders = yield* Effect.context<Mailer | WebhookSender>()
      // the payment confirmation mail looks its user up (Deliver.ts); absent, such mails are skipped
      const users = yield* Effect.serviceOption(UserStore)
      const context = Option.isSome(users) ? Context.add(senders, UserStore, users.value) : senders
      const inFlight = new Map<Destination, number>(destinations.map((d) => [d, 0]))
      const lease = Duration.seconds(config.leaseSeconds)

      const runOne = (claimed: ClaimedJob) =>
        Effect.gen(function* () {
          const destination = claimed.job.destination
          const policy = config.destinations[destination]
          const outcome: Outcome = yield* deliver(claimed, config.publicUrl).pipe(
            Effect.provideContext(context),
            // the attempt must end inside its lease, or another instance may start the same job meanwhile
            Effect.timeoutOrElse({
              duration: Duration.times(lease, 0.9),
              orElse: () => Effect.fail(new DeliveryFailed({ message: "attempt outlived its lease" }))
            }),
            Effect.as<Outcome>({ _tag: "Succeeded" }),
            Effect.catch((error) => Effect.succeed<Outcome>({ _tag: "Failed", error: error.message }))
          )
          const next = complete(claimed.head, outcome, policy, yield* Random.next, yield* DateTime.now)
          if (Result.isFailure(next)) return yield* Effect.die(next.failure)
          const appended = yield* store.appendTransitions(claimed.job.id, next.success).pipe(
            Effect.as(true),
            // another instance took the job over after our lease ended: its attempt reports, not ours
            Effect.catchTag("TransitionConflict", () =>
              Effect.as(Effect.logWarning(`job ${claimed.job.id}: lease lost, outcome dropped`), false)
            )
          )
          if (!appended) return
          const last = next.success.at(-1)!.stateAfter
          yield* countDelivery(
            destination,
            last === "succeeded" ? "succeeded" : last === "discarded" ? "discarded" : "failed"
          )
        }).pipe(
          Effect.catchTag("StoreUnavailable", (error) =>
            // the lease ends and the job is claimed again: at-least-once
            Effect.logWarning(`job ${claimed.job.id}: outcome not recorded (${error.message})`)
          ),
          Effect.annotateLogs({
            jobId: claimed.job.id,
            eventId: claimed.event.id,
            destination: claimed.job.destination
          })
        )

      const claimFor = (destination: Destination) =>
        Effect.gen(function* () {
          const free = config.destinations[destination].concurrency - (inFlight.get(destination) ?? 0)
          if (free <= 0) return []
          const { maxAttempts } = config.destinations[destination]
          return yield* store.claim(
            destination,
            yield* DateTime.now,
            Math.min(free, config.batchMax),
            lease,
            maxAttempts
          )
        })

      const track = (destination: Destination, effect: Effect.Effect<void>) =>
        Effect.suspend(() => {
          inFlight.set(destination, (inFlight.get(destination) ?? 0) + 1)
          return effect.pipe(
            Effect.ensuring(Effect.sync(() => inFlight.set(destination, (inFlight.get(destination) ?? 1) - 1)))
          )
        })

      const runDue = (destination: Destination) =>
        Effect.gen(function* () {
          const claimed = yield* claimFor(destination)
          yield* Effect.forEach(claimed, (c) => track(destination, runOne(c)), {
            concurrency: "unbounded",
            discard: true
          })
          return claimed.length
        }).pipe(
          Effect.catchTag("StoreUnavailable", (error) =>
            Effect.as(Effect.logWarning(`dispatcher: claim failed (${error.message})`), 0)
          )
        )

      if (config.enabled) {
        const running = yield* FiberSet.make()
        // one loop per destination: claim into free slots, fork each job, poll again after the interval
        const loop = (destination: Destination) =>
          Effect.gen(function* () {
            const claimed = yield* claimFor(destination).pipe(
              Effect.catchTag("StoreUnavailable", (error) =>
                Effect.as(Effect.logWarning(`dispatcher: claim failed (${error.message})`), [])
              )
            )
            for (const c of claimed) yield* FiberSet.run(running, track(destination, runOne(c)))
            if (claimed.length === 0) yield* Effect.sleep(Duration.millis(config.pollIntervalMs))
            else yield* Effect.yieldNow
          }).pipe(Effect.forever)
        for (const destination of destinations) yield* Effect.forkScoped(loop(destination))
        yield* Effect.logInfo(`dispatcher started (${destinations.join(", ")})`)
      }

      return Dispatcher.of({ runDue })
    })
  )
}
