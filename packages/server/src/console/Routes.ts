// The web console under /console (docs/reference/console.md): server-rendered pages over the domain use cases,
// called in-process. Every POST carries a CSRF token (Request.ts); every page escapes what it shows (Html.ts).
import type { AccountId, OwnerId } from "@tally/domain/Account"
import { Ids } from "@tally/domain/ports/Ids"
import { TicketingStore } from "@tally/domain/ports/TicketingStore"
import type { Transfer } from "@tally/domain/Transfer"
import type { EventId } from "@tally/domain/ticketing/Event"
import type { ReservationId } from "@tally/domain/ticketing/Reservation"
import * as Accounts from "@tally/domain/usecases/Accounts"
import * as Events from "@tally/domain/usecases/Events"
import * as Ratings from "@tally/domain/usecases/Ratings"
import * as Reservations from "@tally/domain/usecases/Reservations"
import type { TicketingRefused } from "@tally/domain/usecases/Ticketing"
import * as Transfers from "@tally/domain/usecases/Transfers"
import * as Users from "@tally/domain/usecases/Users"
import { Cause, Data, Effect, Option, Redacted } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { Authenticator } from "../Auth.ts"
import { ConsoleConfig } from "./ConsoleConfig.ts"
import { type Html, html, page } from "./Html.ts"
import { LoginLimiter } from "./LoginLimiter.ts"
import * as Pages from "./Pages.ts"
import {
  BadForm,
  CsrfRefused,
  clearSession,
  form,
  htmlResponse,
  query,
  seeOther,
  setSession,
  type Visitor,
  visitor,
  withCookies
} from "./Request.ts"
import { type SessionPrincipal, Sessions } from "./Sessions.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

class NotFound extends Data.TaggedError("NotFound") {}

/** Fixed messages shown after a redirect (`?done=…`): the query string never carries text of its own. */
const NOTICES: Record<string, string> = {
  confirmed: "Your account is confirmed: you can log in.",
  "logged-out": "You are logged out.",
  reserved: "Seats reserved: confirm to pay, or cancel.",
  paid: "Paid: here are your tickets.",
  cancelled: "Reservation cancelled.",
  rated: "Thank you for your rating."
}

const human = (code: string) => code.replaceAll("_", " ")

interface PageOptions {
  readonly status?: number
  readonly error?: string | undefined
}

/** A full page for `who`: the header shows who is signed in and carries the logout form's token. */
const respond = (who: Visitor, title: string, body: Html, options: PageOptions = {}) =>
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
          notice: NOTICES[done],
          error: options.error
        }),
        options.status ?? 200
      )
    )
  })

const csrfRefusedBody = html`<p>The form expired or did not come from this site: go back, reload the page and try
again.</p>`

type Access = "anyone" | "signedOut" | "user" | "admin"

const route = <E, R>(
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

const userOf = (who: Visitor) => {
  const principal = Option.getOrUndefined(who.session)?.principal as Extract<SessionPrincipal, { kind: "user" }>
  return principal.userId
}

const param = (name: string) =>
  Effect.flatMap(HttpRouter.params, (params) => {
    const value = params[name]
    return value !== undefined && UUID.test(value) ? Effect.succeed(value.toLowerCase()) : Effect.fail(new NotFound())
  })

/** Ticketing's `…_not_found` refusals (an unknown id, or another user's reservation) are the page's 404. */
const refusedToNotFound = <A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | NotFound, R> =>
  Effect.catch(
    effect,
    (e): Effect.Effect<never, E | NotFound> =>
      e._tag === "TicketingRefused" && (e as unknown as TicketingRefused).code.endsWith("_not_found")
        ? Effect.fail(new NotFound())
        : Effect.fail(e)
  )

// ---- signed out: signup, confirm, login -----------------------------------------------------------------

const signupPage = route("GET", "/console/signup", "signedOut", (who) =>
  respond(who, "Sign up", Pages.signupForm(who.csrf))
)

const signup = route("POST", "/console/signup", "signedOut", (who) =>
  Effect.gen(function* () {
    const field = yield* form(who)
    const input = { email: field("email"), name: field("name"), password: field("password") }
    return yield* Users.signup(input).pipe(
      Effect.flatMap((user) => respond(who, "Check your mail", Pages.signedUp(user.email), { status: 201 })),
      Effect.catchTags({
        InvalidSignup: (e) =>
          respond(who, "Sign up", Pages.signupForm(who.csrf, input), {
            status: 422,
            error: `${e.field}: ${e.reason}`
          }),
        EmailTaken: () =>
          respond(who, "Sign up", Pages.signupForm(who.csrf, input), {
            status: 409,
            error: "This email is already signed up: log in instead."
          })
      })
    )
  })
)

/** The link in the confirmation mail: shows a button (a mail scanner prefetching the link confirms nothing). */
const confirmPage = route("GET", "/console/confirm", "anyone", (who) =>
  Effect.gen(function* () {
    return yield* respond(who, "Confirm your account", Pages.confirmForm(who.csrf, yield* query("token")))
  })
)

const confirm = route("POST", "/console/confirm", "anyone", (who) =>
  Effect.gen(function* () {
    const field = yield* form(who)
    const token = field("token").trim()
    return yield* Users.confirm(Redacted.make(token)).pipe(
      Effect.as(seeOther("/console/login?done=confirmed")),
      Effect.catchTag("ConfirmationRefused", (e) =>
        respond(who, "Confirm your account", Pages.confirmForm(who.csrf, token), {
          status: 422,
          error:
            e.reason === "used"
              ? "This link was used already: log in."
              : e.reason === "expired"
                ? "This link has expired: sign up again."
                : "This link is not valid."
        })
      )
    )
  })
)

const loginPage = route("GET", "/console/login", "signedOut", (who) =>
  respond(who, "Log in", Pages.loginForms(who.csrf))
)

const clientAddress = Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
  Option.getOrElse(request.remoteAddress, () => "unknown")
)

const tooMany = (who: Visitor, wait: number, email = "") =>
  Effect.map(
    respond(who, "Log in", Pages.loginForms(who.csrf, email), {
      status: 429,
      error: `Too many login attempts: try again in ${wait} second(s).`
    }),
    (response) => HttpServerResponse.setHeader(response, "retry-after", String(wait))
  )

const startSession = (who: Visitor, principal: SessionPrincipal) =>
  Effect.gen(function* () {
    const { sessionTtl } = yield* ConsoleConfig
    const session = yield* (yield* Sessions).create(principal, sessionTtl)
    return yield* setSession(who, seeOther(principal.kind === "admin" ? "/console/admin/users" : "/console"), session)
  })

const login = route("POST", "/console/login", "signedOut", (who) =>
  Effect.gen(function* () {
    const field = yield* form(who)
    const email = field("email")
    const wait = yield* (yield* LoginLimiter).attempt(email.trim().toLowerCase(), yield* clientAddress)
    if (Option.isSome(wait)) return yield* tooMany(who, wait.value, email)
    return yield* Users.authenticate(email, Redacted.make(field("password"))).pipe(
      Effect.flatMap((user) => startSession(who, { kind: "user", userId: user.id, name: user.name })),
      Effect.catchTags({
        InvalidCredentials: () =>
          respond(who, "Log in", Pages.loginForms(who.csrf, email), { status: 401, error: "Wrong email or password." }),
        UserNotConfirmed: () =>
          respond(who, "Log in", Pages.loginForms(who.csrf, email), {
            status: 403,
            error: "Confirm your account first: follow the link in the mail we sent you."
          })
      })
    )
  })
)

/** The administrator signs in with the admin API key (TALLY_ADMIN_API_KEY): there is no admin user. */
const adminLogin = route("POST", "/console/login/admin", "signedOut", (who) =>
  Effect.gen(function* () {
    const field = yield* form(who)
    const wait = yield* (yield* LoginLimiter).attempt("admin", yield* clientAddress)
    if (Option.isSome(wait)) return yield* tooMany(who, wait.value)
    const principal = yield* (yield* Authenticator).authenticate(Redacted.make(field("key")))
    if (Option.isNone(principal) || principal.value.kind !== "admin") {
      return yield* respond(who, "Log in", Pages.loginForms(who.csrf), { status: 401, error: "Not the admin key." })
    }
    return yield* startSession(who, { kind: "admin" })
  })
)

const logout = route("POST", "/console/logout", "anyone", (who) =>
  Effect.gen(function* () {
    yield* form(who)
    if (Option.isSome(who.session)) yield* (yield* Sessions).end(who.session.value.token)
    return yield* clearSession(who, seeOther("/console/login?done=logged-out"))
  })
)

// ---- a user's pages: accounts, events, reservations, ratings ----------------------------------------------

/** The user's latest transfers: pages are in commit order, so read forward (bounded) and keep the tail. */
const recentTransfers = (userId: OwnerId, count: number) =>
  Effect.gen(function* () {
    const kept: Array<Transfer> = []
    let cursor: string | null = null
    for (let pageNo = 0; pageNo < 50; pageNo++) {
      const found: { items: ReadonlyArray<Transfer>; nextCursor: string | null } = yield* Transfers.list(
        { accountId: null, status: null, cursor, limit: 200 },
        userId
      )
      kept.push(...found.items)
      if (kept.length > count) kept.splice(0, kept.length - count)
      if (found.nextCursor === null) break
      cursor = found.nextCursor
    }
    return kept.reverse()
  })

const home = route("GET", "/console", "user", (who) =>
  Effect.gen(function* () {
    const { pageSize } = yield* ConsoleConfig
    const userId = userOf(who)
    const accounts = yield* Accounts.list({ cursor: null, limit: pageSize }, userId)
    const transfers = yield* recentTransfers(userId, pageSize)
    return yield* respond(who, "Your accounts", Pages.accountsPage(accounts.items, transfers))
  })
)

const events = route("GET", "/console/events", "anyone", (who) =>
  Effect.gen(function* () {
    const { pageSize } = yield* ConsoleConfig
    const cursor = yield* query("cursor")
    const found = yield* Events.list({
      upcoming: true,
      organizerAccountId: null,
      cursor: cursor === "" ? null : cursor,
      limit: pageSize
    }).pipe(Effect.catchTag("InvalidCursor", () => Effect.fail(new NotFound())))
    return yield* respond(who, "Upcoming events", Pages.eventsPage(found.items, found.nextCursor))
  })
)

const payersOf = (who: Visitor) =>
  Effect.gen(function* () {
    const principal = Option.getOrUndefined(who.session)?.principal
    if (principal?.kind !== "user") return null
    return (yield* Accounts.list({ cursor: null, limit: 100 }, principal.userId)).items
  })

const eventPage = route("GET", "/console/events/:id", "anyone", (who) =>
  Effect.gen(function* () {
    const event = yield* refusedToNotFound(Events.get((yield* param("id")) as EventId))
    const reservationId = yield* (yield* Ids).next
    return yield* respond(who, event.title, Pages.eventPage(event, yield* payersOf(who), who.csrf, reservationId))
  })
)

const reserve = route("POST", "/console/events/:id/reservations", "user", (who) =>
  Effect.gen(function* () {
    const eventId = (yield* param("id")) as EventId
    const field = yield* form(who)
    const reservationId = field("reservationId")
    const quantity = Number(field("quantity"))
    const event = yield* refusedToNotFound(Events.get(eventId))
    const refused = (message: string) =>
      Effect.gen(function* () {
        return yield* respond(
          who,
          event.title,
          Pages.eventPage(event, yield* payersOf(who), who.csrf, yield* (yield* Ids).next),
          { status: 422, error: message }
        )
      })
    if (!UUID.test(reservationId)) return yield* refused("The form was incomplete: reload the page.")
    return yield* Reservations.reserve(
      {
        id: reservationId.toLowerCase() as ReservationId,
        eventId,
        payerAccountId: field("payerAccountId") as AccountId,
        quantity: Number.isSafeInteger(quantity) ? quantity : 0
      },
      userOf(who)
    ).pipe(
      Effect.map((r) => seeOther(`/console/reservations/${r.id}?done=reserved`)),
      Effect.catchTag("TicketingRefused", (e) => refused(`Not reserved: ${human(e.code)}.`))
    )
  })
)

const reservationView = (who: Visitor, id: ReservationId, options: PageOptions = {}) =>
  Effect.gen(function* () {
    const userId = userOf(who)
    const { reservation, tickets } = yield* refusedToNotFound(Reservations.get(id, userId))
    const event = yield* Events.get(reservation.eventId)
    const payer = yield* Accounts.get(reservation.payerAccountId, userId).pipe(
      Effect.map(Option.some),
      Effect.catchTag("AccountNotFound", () => Effect.succeed(Option.none()))
    )
    return yield* respond(
      who,
      "Reservation",
      Pages.reservationPage(reservation, event, Option.getOrUndefined(payer), tickets, who.csrf),
      options
    )
  })

const reservationPage = route("GET", "/console/reservations/:id", "user", (who) =>
  Effect.flatMap(param("id"), (id) => reservationView(who, id as ReservationId))
)

const settle = (action: "confirm" | "cancel") =>
  route("POST", `/console/reservations/:id/${action}`, "user", (who) =>
    Effect.gen(function* () {
      const id = (yield* param("id")) as ReservationId
      yield* form(who)
      const done = action === "confirm" ? "paid" : "cancelled"
      const run =
        action === "confirm"
          ? Effect.asVoid(Reservations.confirm(id, userOf(who)))
          : Effect.asVoid(Reservations.cancel(id, userOf(who)))
      return yield* refusedToNotFound(run).pipe(
        Effect.as(seeOther(`/console/reservations/${id}?done=${done}`)),
        Effect.catchTag("TicketingRefused", (e) =>
          reservationView(who, id, { status: 422, error: `Not done: ${human(e.code)}.` })
        )
      )
    })
  )

const ratingsView = (who: Visitor, eventId: EventId, options: PageOptions = {}) =>
  Effect.gen(function* () {
    const event = yield* refusedToNotFound(Events.get(eventId))
    const summary = yield* Ratings.get(eventId)
    const principal = Option.getOrUndefined(who.session)?.principal
    const canRate =
      principal?.kind === "user" && (yield* (yield* TicketingStore).isTicketHolder(eventId, principal.userId))
    return yield* respond(who, `Ratings: ${event.title}`, Pages.ratingsPage(event, summary, canRate, who.csrf), options)
  })

const ratingsPage = route("GET", "/console/events/:id/ratings", "anyone", (who) =>
  Effect.flatMap(param("id"), (id) => ratingsView(who, id as EventId))
)

const rate = route("POST", "/console/events/:id/ratings", "user", (who) =>
  Effect.gen(function* () {
    const eventId = (yield* param("id")) as EventId
    const field = yield* form(who)
    return yield* refusedToNotFound(Ratings.rate({ eventId, userId: userOf(who), value: Number(field("value")) })).pipe(
      Effect.as(seeOther(`/console/events/${eventId}/ratings?done=rated`)),
      Effect.catchTag("TicketingRefused", (e) =>
        ratingsView(who, eventId, {
          status: e.code === "not_a_ticket_holder" ? 403 : 422,
          error: `Not rated: ${human(e.code)}.`
        })
      )
    )
  })
)

// ---- the administrator ---------------------------------------------------------------------------------

const users = route("GET", "/console/admin/users", "admin", (who) =>
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
export const consoleRoutes = [
  home,
  signupPage,
  signup,
  confirmPage,
  confirm,
  loginPage,
  login,
  adminLogin,
  logout,
  events,
  eventPage,
  reserve,
  reservationPage,
  settle("confirm"),
  settle("cancel"),
  ratingsPage,
  rate,
  users
] as const
