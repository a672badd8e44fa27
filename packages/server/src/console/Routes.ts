// The web console under /console (docs/reference/console.md): server-rendered pages over the domain use cases,
// called in-process. Every POST carries a CSRF token (Request.ts); every page escapes what it shows (Html.ts).
import { users } from "./AdminPages.ts"
import { adminLogin, confirm, confirmPage, login, loginPage, logout, signup, signupPage } from "./SignedOut.ts"
import { eventPage, events, home, rate, ratingsPage, reservationPage, reserve, settle } from "./UserPages.ts"

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
