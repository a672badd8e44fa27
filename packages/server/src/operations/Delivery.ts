// What the users, webhooks and jobs operations need besides the ledger's services.
import type { JobStore } from "@tally/domain/ports/JobStore"
import type { PasswordHasher } from "@tally/domain/ports/PasswordHasher"
import type { SecretTokens } from "@tally/domain/ports/SecretTokens"
import type { UserStore } from "@tally/domain/ports/UserStore"
import type { WebhookStore } from "@tally/domain/ports/WebhookStore"

export type DeliveryServices = JobStore | UserStore | WebhookStore | PasswordHasher | SecretTokens
