// Who receives which events. A destination is a kind of delivery (mail, webhook); a target is one receiver of
// that kind (a webhook endpoint; mail has one). Each subscription names one event or `*`.
import type { EventName } from "./Event.ts"

export const destinations = ["mail", "webhook"] as const
export type Destination = (typeof destinations)[number]

export interface Subscription {
  readonly id: string
  readonly destination: Destination
  /** The webhook endpoint for destination `webhook`; null for mail. */
  readonly webhookId: string | null
  readonly eventName: EventName | "*"
}

export interface JobSpec {
  readonly subscriptionId: string
  readonly destination: Destination
}

export const matches = (subscription: Subscription, name: EventName): boolean =>
  subscription.eventName === "*" || subscription.eventName === name

/**
 * One job per matching subscription. Subscriptions are unique per (destination, target, event name), so a target
 * gets at most two jobs per event: its wildcard subscription and the specific one.
 */
export const fanOut = (name: EventName, subscriptions: ReadonlyArray<Subscription>): ReadonlyArray<JobSpec> => {
  const seen = new Set<string>()
  const jobs: Array<JobSpec> = []
  for (const s of subscriptions) {
    const key = `${s.destination}:${s.webhookId ?? ""}:${s.eventName}`
    if (!matches(s, name) || seen.has(key)) continue
    seen.add(key)
    jobs.push({ subscriptionId: s.id, destination: s.destination })
  }
  return jobs
}
