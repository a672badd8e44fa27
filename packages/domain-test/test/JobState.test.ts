// The outbox job state machine, property-based: any sequence of claims, outcomes, clock moves and retries by
// hand yields a legal chain; attempts never exceed the destination's maximum without a retry by hand; backoff
// grows exponentially within its jitter and cap; fan-out gives a target at most two jobs per event.
import { assert, describe, it } from "@effect/vitest"
import { DateTime, Duration, Result } from "effect"
import * as fc from "fast-check"
import { eventNames } from "../../domain/src/Event.ts"
import {
  acknowledge,
  backoffMs,
  canTransition,
  claim,
  claimOrDiscard,
  complete,
  isDue,
  isValidChain,
  jobStates,
  type RetryPolicy,
  retry,
  type Transition
} from "../../domain/src/JobState.ts"
import { fanOut, type Subscription } from "../../domain/src/Subscription.ts"

const start = DateTime.makeUnsafe("2026-11-01T00:00:00Z")
const lease = Duration.seconds(30)

const policyArb = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 6 }),
  backoffBaseMs: fc.integer({ min: 1, max: 5000 }),
  backoffMaxMs: fc.integer({ min: 1, max: 600_000 }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true })
})

const stepArb = fc.oneof(
  fc.record({ kind: fc.constant("claim" as const) }),
  fc.record({ kind: fc.constant("succeed" as const) }),
  fc.record({ kind: fc.constant("fail" as const), random: fc.double({ min: 0, max: 0.9999, noNaN: true }) }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 120_000 }) }),
  fc.record({ kind: fc.constant("retry" as const) })
)

describe("job state machine", () => {
  it("the transition table has no exit from succeeded and no way back to acknowledged", () => {
    for (const from of jobStates) {
      assert.isFalse(canTransition(from, "acknowledged"), from)
      assert.isFalse(canTransition("succeeded", from), from)
    }
    assert.isTrue(canTransition("discarded", "awaiting"))
    assert.isFalse(canTransition("awaiting", "succeeded"))
  })

  it("any sequence of operations keeps a legal chain and never schedules an attempt past the policy's maximum", () => {
    fc.assert(
      fc.property(policyArb, fc.array(stepArb, { maxLength: 60 }), (policy: RetryPolicy, steps) => {
        let now = start
        let chain: Array<Transition> = [...acknowledge(now)]
        const head = () => chain.at(-1)!
        for (const step of steps) {
          switch (step.kind) {
            case "wait":
              now = DateTime.addDuration(now, Duration.millis(step.ms))
              break
            case "claim": {
              const next = claimOrDiscard(head(), now, lease, policy.maxAttempts)
              // claimable exactly when due
              assert.strictEqual(Result.isSuccess(next), isDue(head(), now))
              if (Result.isSuccess(next)) chain = [...chain, ...next.success]
              break
            }
            case "succeed":
            case "fail": {
              const outcome =
                step.kind === "succeed" ? { _tag: "Succeeded" as const } : { _tag: "Failed" as const, error: "x" }
              const next = complete(head(), outcome, policy, step.kind === "fail" ? step.random : 0, now)
              assert.strictEqual(Result.isSuccess(next), head().stateAfter === "executing")
              if (Result.isSuccess(next)) chain = [...chain, ...next.success]
              break
            }
            case "retry": {
              const next = retry("job", head(), now)
              assert.strictEqual(
                Result.isSuccess(next),
                head().stateAfter === "failed" || head().stateAfter === "discarded"
              )
              if (Result.isSuccess(next)) chain.push(next.success)
              break
            }
          }
          assert.isTrue(isValidChain(chain))
          assert.isAtMost(head().attempt, policy.maxAttempts, "no attempt past the maximum, crashes included")
          if (head().stateAfter === "awaiting" && head().stateBefore === "failed") {
            assert.isBelow(head().attempt, policy.maxAttempts, "a job at its max attempts is discarded, not retried")
          }
        }
      })
    )
  })

  it("backoff doubles per attempt, is capped, and keeps (1 − jitter) of the delay", () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (p, n, r) => {
          const full = Math.min(p.backoffMaxMs, p.backoffBaseMs * 2 ** (n - 1))
          const delay = backoffMs(p, n, r)
          assert.isAtMost(delay, Math.round(full))
          assert.isAtLeast(delay, Math.floor(full * (1 - p.jitter)))
        }
      )
    )
    const p = { maxAttempts: 5, backoffBaseMs: 1000, backoffMaxMs: 10_000, jitter: 0 }
    assert.deepStrictEqual(
      [1, 2, 3, 4, 5].map((n) => backoffMs(p, n, 0.3)),
      [1000, 2000, 4000, 8000, 10_000]
    )
  })

  it("a lease that ends lets the job be claimed again as a new attempt", () => {
    const [, awaiting] = acknowledge(start)
    const first = Result.getOrThrow(claim(awaiting, start, lease))
    assert.isTrue(Result.isFailure(claim(first, DateTime.add(start, { seconds: 29 }), lease)))
    const again = Result.getOrThrow(claim(first, DateTime.add(start, { seconds: 30 }), lease))
    assert.strictEqual(again.attempt, 2)
    assert.strictEqual(again.stateBefore, "executing")
    assert.match(again.error ?? "", /lease expired/)
  })
})

describe("fan-out", () => {
  const subscriptionArb = fc.record({
    id: fc.uuid(),
    destination: fc.constantFrom("mail" as const, "webhook" as const),
    webhookId: fc.constantFrom(null, "w1", "w2"),
    eventName: fc.constantFrom("*" as const, ...eventNames)
  })

  it("one job per matching subscription; a target gets at most two jobs per event", () => {
    fc.assert(
      fc.property(fc.array(subscriptionArb, { maxLength: 30 }), fc.constantFrom(...eventNames), (subs, name) => {
        const jobs = fanOut(name, subs as ReadonlyArray<Subscription>)
        const byTarget = new Map<string, number>()
        for (const j of jobs) {
          const s = subs.find((x) => x.id === j.subscriptionId)!
          assert.isTrue(s.eventName === "*" || s.eventName === name)
          const key = `${s.destination}:${s.webhookId}`
          byTarget.set(key, (byTarget.get(key) ?? 0) + 1)
        }
        for (const n of byTarget.values()) assert.isAtMost(n, 2)
        const matching = new Set(
          subs
            .filter((s) => s.eventName === "*" || s.eventName === name)
            .map((s) => `${s.destination}:${s.webhookId}:${s.eventName}`)
        )
        assert.strictEqual(jobs.length, matching.size)
      })
    )
  })
})
