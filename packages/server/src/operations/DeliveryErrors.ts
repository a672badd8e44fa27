// The domain errors of users, webhooks and jobs as wire errors (the rest of the mapping is in Translate.ts).
import type { JobNotRetryable } from "@tally/domain/JobState"
import type { TransitionConflict } from "@tally/domain/ports/JobStore"
import type {
  ConfirmationRefused,
  EmailTaken,
  InvalidCredentials,
  InvalidSignup,
  UserNotConfirmed,
  UserNotFound
} from "@tally/domain/User"
import type { JobNotFound } from "@tally/domain/usecases/Jobs"
import type { InvalidWebhook } from "@tally/domain/Webhook"
import { Conflict, Forbidden, NotFound, Refused, Unauthorized, ValidationFailed, type WireError } from "./Errors.ts"

export type DeliveryError =
  | InvalidSignup
  | EmailTaken
  | ConfirmationRefused
  | InvalidCredentials
  | UserNotConfirmed
  | UserNotFound
  | InvalidWebhook
  | JobNotFound
  | JobNotRetryable
  | TransitionConflict

const tags = new Set<string>([
  "InvalidSignup",
  "EmailTaken",
  "ConfirmationRefused",
  "InvalidCredentials",
  "UserNotConfirmed",
  "UserNotFound",
  "InvalidWebhook",
  "JobNotFound",
  "JobNotRetryable",
  "TransitionConflict"
])

export const isDeliveryError = (error: { readonly _tag: string }): error is DeliveryError => tags.has(error._tag)

const signupCode = { email: "invalid_email", name: "invalid_name", password: "weak_password" } as const

export const deliveryWire = (error: DeliveryError): WireError => {
  switch (error._tag) {
    case "InvalidSignup":
      return new ValidationFailed({
        code: signupCode[error.field],
        detail: `${error.field}: ${error.reason}`,
        errors: [{ path: ["payload", error.field], message: error.reason }]
      })
    case "EmailTaken":
      return new Conflict({ code: "email_taken", detail: "a user with this email exists" })
    case "ConfirmationRefused":
      return new Refused({
        code: `confirmation_token_${error.reason}`,
        detail: `the confirmation token is ${error.reason === "unknown" ? "not known" : error.reason}`
      })
    case "InvalidCredentials":
      return new Unauthorized({ code: "invalid_credentials", detail: "wrong email or password" })
    case "UserNotConfirmed":
      return new Forbidden({ code: "user_not_confirmed", detail: "confirm the account first (the mailed token)" })
    case "UserNotFound":
      return new NotFound({ code: "user_not_found", detail: `no user ${error.userId}` })
    case "InvalidWebhook":
      return new Refused({ code: `webhook_${error.field}_invalid`, detail: `${error.field}: ${error.reason}` })
    case "JobNotFound":
      return new NotFound({ code: "job_not_found", detail: `no job ${error.jobId}` })
    case "JobNotRetryable":
      return new Conflict({
        code: "job_not_retryable",
        detail: `job ${error.jobId} is ${error.state}: only failed or discarded jobs are retried`
      })
    case "TransitionConflict":
      return new Conflict({ code: "job_busy", detail: `job ${error.jobId} changed meanwhile; ask again` })
  }
}
