// Signing up, confirming by the mailed link, logging in (a user with email + password, the administrator with
// the admin API key) and out.
import * as Users from "@tally/domain/usecases/Users"
import { Effect, Option, Redacted } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { Authenticator } from "../Auth.ts"
import { ConsoleConfig } from "./ConsoleConfig.ts"
import { LoginLimiter } from "./LoginLimiter.ts"
import * as Pages from "./Pages.ts"
import { clearSession, form, query, seeOther, setSession, type Visitor } from "./Request.ts"
import { respond, route } from "./Route.ts"
import { type SessionPrincipal, Sessions } from "./Sessions.ts"

export const signupPage = route("GET", "/console/signup", "signedOut", (who) =>
  respond(who, "Sign up", Pages.signupForm(who.csrf))
)

export const signup = route("POST", "/console/signup", "signedOut", (who) =>
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
export const confirmPage = route("GET", "/console/confirm", "anyone", (who) =>
  Effect.gen(function* () {
    return yield* respond(who, "Confirm your account", Pages.confirmForm(who.csrf, yield* query("token")))
  })
)

export const confirm = route("POST", "/console/confirm", "anyone", (who) =>
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

export const loginPage = route("GET", "/console/login", "signedOut", (who) =>
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

export const login = route("POST", "/console/login", "signedOut", (who) =>
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
export const adminLogin = route("POST", "/console/login/admin", "signedOut", (who) =>
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

export const logout = route("POST", "/console/logout", "anyone", (who) =>
  Effect.gen(function* () {
    yield* form(who)
    if (Option.isSome(who.session)) yield* (yield* Sessions).end(who.session.value.token)
    return yield* clearSession(who, seeOther("/console/login?done=logged-out"))
  })
)
