// Wiring of delivery: the dispatcher with its config, the mail and webhook adapters, and the outbox metrics.
// Requires JobStore (PgJobStore in the service).
import * as NodeMailer from "@tally/adapters/mail/NodeMailer"
import * as HttpWebhookSender from "@tally/adapters/webhook/HttpWebhookSender"
import { Layer } from "effect"
import { OutboxMetricsLive } from "../metrics/OutboxMetrics.ts"
import { DispatchConfig } from "./DispatchConfig.ts"
import { Dispatcher } from "./Dispatcher.ts"

export const DeliveryLive = Layer.mergeAll(
  Dispatcher.layer.pipe(Layer.provide(Layer.mergeAll(DispatchConfig.layer, NodeMailer.layer, HttpWebhookSender.layer))),
  OutboxMetricsLive
)
