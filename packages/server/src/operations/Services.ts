import type { ApiKeyStore } from "@tally/domain/ports/ApiKeyStore"
import type { Ids } from "@tally/domain/ports/Ids"
import type { LedgerStore } from "@tally/domain/ports/LedgerStore"
import type { TicketCodes } from "@tally/domain/ports/TicketCodes"
import type { TicketingStore } from "@tally/domain/ports/TicketingStore"
import type { Authenticator } from "../Auth.ts"
import type { ServerConfig } from "../Config.ts"
import type { RateLimits } from "../http/RateLimit.ts"
import type { AuthThrottle } from "./AuthThrottle.ts"
import type { DeliveryServices } from "./Delivery.ts"
import type { Idempotency } from "./Idempotency.ts"
import type { SystemStatus } from "./System.ts"

/** What running any operation of the table needs (the surfaces' handler layers require it). */
export type OperationServices =
  | LedgerStore
  | ApiKeyStore
  | Ids
  | ServerConfig
  | Authenticator
  | Idempotency
  | SystemStatus
  | RateLimits
  | AuthThrottle
  | DeliveryServices
  | TicketingStore
  | TicketCodes
