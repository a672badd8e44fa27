// Every Tally RPC. A new feature (users, events, reservations) adds its own `XRpcs` group file, an
// `XHandlers` layer, and one line here and in Routes.ts.
import { AccountsRpcs } from "./AccountsRpcs.ts"
import { FxRpcs } from "./FxRpcs.ts"
import { TransfersRpcs } from "./TransfersRpcs.ts"

export class TallyRpcs extends AccountsRpcs.merge(TransfersRpcs, FxRpcs) {}

/** Both transports share this path: `POST` is the HTTP transport, `GET` upgrades to a WebSocket. */
export const rpcPath = "/rpc"
