// One console route: who may see it (signed out, anyone, a user, the administrator), the page layout around its
// body, and the answers every route shares (403 for a refused CSRF token, 404, 400, 500/503).
import type { TicketingRefused } from "@tally/domain/usecases/Ticketing"
import { Cause, Data, Effect, Option } from "effect"
import { HttpRouter, type HttpServerResponse } from "effect/http"
import { type Html, html, page } from "./Html.ts"
import { BadForm, CsrfRefused, htmlResponse, query, seeOther, type Visitor, visitor, withCookies } from "./Request.ts"
import type { SessionPrincipal } from "./Sessions.ts"

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export class NotFound extends Data.TaggedError("NotFound") {}

/** Fixed messages shown after a redirect (`?done=…`): the query string never carries text of its own. */
const NOTICES: Readonly<Record<string, string>> = {
  confirmed: "Your account is confirmed: you can log in.",
  "logged-out": "You are logged out.",
  reserved: "Seats reserved: confirm to pay, or cancel.",
  paid: "Paid: here are your tickets.",
  cancelled: "Reservation cancelled.",
  rated: "Thank you for your rating."
}

export const human = (code: string) => code.replaceAll("_", " ")

export interface PageOptions {
  readonly status?: number
  readonly error?: string | undefined
}

/** A full page for `who`: the header shows who is signed in and carries the logout form's token. */
export const respond = (who: Visitor, title: string, body: Html, options: PageOptions = {}) =>
  Effect.gen(function* () {
    const principal = Option.getOrUndefined(who.session)?.principal
    const done = yield* query("done")
    return yield* withCookies(
      who,
      htmlResponse(
        page({
          title,
          body,
          who: principal === undefined ? undefined : principal.kind === "admin" ? "Administrator" : principal.name,
          admin: principal?.kind === "admin",
          csrf: who.csrf,
          notice: Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined,
          error: options.error
        }),
        options.status ?? 200
      )
    )
  })

const csrfRefusedBody = html`<p>The form expired or did not come from this site: go back, reload the page and try
again.</p>`

type Access = "anyone" | "signedOut" | "user" | "admin"

export const route = <E, R>(
  method: "GET" | "POST",
  path: `/${string}`,
  access: Access,
  handler: (who: Visitor) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  HttpRouter.route(
    method,
    path,
    Effect.gen(function* () {
      const who = yield* visitor
      const principal = Option.getOrUndefined(who.session)?.principal
      if (access === "signedOut" && principal !== undefined) return seeOther("/console")
      if ((access === "user" || access === "admin") && principal === undefined) {
        return method === "GET"
          ? seeOther("/console/login")
          : yield* respond(who, "Session ended", html`<p><a href="/console/login">Log in</a> again.</p>`, {
              status: 401
            })
      }
      if (access === "admin" && principal?.kind !== "admin") {
        return yield* respond(who, "Forbidden", html`<p>This page is for the administrator.</p>`, { status: 403 })
      }
      if (access === "user" && principal?.kind !== "user") {
        return method === "GET"
          ? seeOther("/console/admin/users")
          : yield* respond(who, "Forbidden", html`<p>This needs a user's session.</p>`, { status: 403 })
      }
      return yield* handler(who).pipe(
        Effect.catch((e) =>
          e instanceof CsrfRefused
            ? respond(who, "Forbidden", csrfRefusedBody, { status: 403 })
            : e instanceof BadForm
              ? respond(who, "Bad request", html`<p>The form could not be read.</p>`, { status: 400 })
              : e instanceof NotFound
                ? respond(who, "Not found", html`<p>Nothing here.</p>`, { status: 404 })
                : Effect.fail(e)
        )
      )
    }).pipe(
      Effect.catchCause((cause) =>
        Effect.gen(function* () {
          yield* Effect.logError("console request failed", cause)
          const unavailable = Cause.pretty(cause).includes("StoreUnavailable")
          return htmlResponse(
            page({
              title: unavailable ? "Unavailable" : "Something went wrong",
              body: html`<p>Please try again in a moment.</p>`
            }),
            unavailable ? 503 : 500
          )
        })
      )
    )
  )

export const userOf = (who: Visitor) => {
  const principal = Option.getOrUndefined(who.session)?.principal as Extract<SessionPrincipal, { kind: "user" }>
  return principal.userId
}

export const param = (name: string) =>
  Effect.flatMap(HttpRouter.params, (params) => {
    const value = params[name]
    return value !== undefined && UUID.test(value) ? Effect.succeed(value.toLowerCase()) : Effect.fail(new NotFound())
  })

/** Ticketing's `…_not_found` refusals (an unknown id, or another user's reservation) are the page's 404. */
export const refusedToNotFound = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | NotFound, R> =>
  Effect.catch(
    effect,
    (e): Effect.Effect<never, E | NotFound> =>
      e._tag === "TicketingRefused" && (e as unknown as TicketingRefused).code.endsWith("_not_found")
        ? Effect.fail(new NotFound())
        : Effect.fail(e)
  )
