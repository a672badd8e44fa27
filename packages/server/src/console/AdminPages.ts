// The administrator's pages: the users list.
import * as Users from "@tally/domain/usecases/Users"
import { Effect } from "effect"
import { ConsoleConfig } from "./ConsoleConfig.ts"
import * as Pages from "./Pages.ts"
import { query } from "./Request.ts"
import { NotFound, respond, route } from "./Route.ts"

export const users = route("GET", "/console/admin/users", "admin", (who) =>
  Effect.gen(function* () {
    const { pageSize } = yield* ConsoleConfig
    const cursor = yield* query("cursor")
    const found = yield* Users.list({ cursor: cursor === "" ? null : cursor, limit: pageSize }).pipe(
      Effect.catchTag("InvalidCursor", () => Effect.fail(new NotFound()))
    )
    return yield* respond(who, "Users", Pages.usersPage(found.items, found.nextCursor))
  })
)

/** Every console route, given the services they use (captured when the router is built). */
