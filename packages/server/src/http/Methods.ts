// The methods each path serves, from the operation table (and the RPC path): the edge answers a method a path
// does not serve with 405 and `Allow`, instead of the router's 404.
import { operations } from "../operations/Table.ts"
import { rpcPath } from "../rpc/Group.ts"

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const byPath = (() => {
  const byPath = new Map<string, Set<string>>()
  const add = (path: string, method: string) => {
    const methods = byPath.get(path) ?? new Set<string>()
    methods.add(method)
    byPath.set(path, methods)
  }
  for (const op of operations) add(op.http.path, op.http.method)
  add(rpcPath, "GET")
  add(rpcPath, "POST")
  add("/openapi.json", "GET")
  add("/docs", "GET")
  return byPath
})()

const routes: ReadonlyArray<{ readonly pattern: RegExp; readonly methods: ReadonlySet<string> }> = [...byPath].map(
  ([path, methods]) => ({
    pattern: new RegExp(
      `^${path
        .split("/")
        .map((s) => (s.startsWith(":") ? "[^/]+" : literal(s)))
        .join("/")}$`
    ),
    methods
  })
)

const methodsOf = (path: string): ReadonlyArray<string> => {
  const allowed = new Set<string>()
  for (const route of routes) if (route.pattern.test(path)) for (const m of route.methods) allowed.add(m)
  if (allowed.has("GET")) allowed.add("HEAD")
  return [...allowed].sort()
}

// the paths without parameters answered from a table: the edge asks for every request (docs/adr/0032)
const literalPaths = new Map(
  [...byPath.keys()].filter((path) => !path.includes("/:")).map((path) => [path, methodsOf(path)] as const)
)

/** The methods `path` serves (HEAD with GET); empty when no route has this path. */
export const allowedMethods = (path: string): ReadonlyArray<string> => literalPaths.get(path) ?? methodsOf(path)
