// A TCP proxy between the server and PostgreSQL that loses COMMIT replies: when armed, it forwards a COMMIT to the
// database and then cuts the server's side of the connection before the answer arrives, so the server cannot know
// whether its transaction committed (it did: the database got the whole COMMIT and its connection stays open until
// it has answered). It reads the frontend protocol to find COMMITs, prepared ones included (sql-pg prepares
// COMMIT once per connection and later only binds it by name). Loopback only; bounded by the test.
import * as net from "node:net"

export interface CommitDropProxy {
  readonly port: number
  /** Drop the reply to a COMMIT with this probability (0 = a plain proxy). */
  readonly arm: (probability: number) => void
  /** COMMITs forwarded whose reply the server never got. */
  readonly dropped: () => number
  /** COMMITs seen. */
  readonly commits: () => number
  readonly close: () => Promise<void>
}

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104

const cstring = (buf: Buffer, at: number): [string, number] => {
  const end = buf.indexOf(0, at)
  return [buf.toString("utf8", at, end), end + 1]
}

const isCommit = (query: string) => /^\s*(COMMIT|END)\s*;?\s*$/i.test(query)

/** Splits the server-to-database byte stream into messages; calls `onCommit` at the Sync that runs a COMMIT. */
const frontendReader = (onCommit: () => void) => {
  let pending = Buffer.alloc(0)
  let started = false
  const commitStatements = new Set<string>()
  let commitBound = false
  return (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk])
    for (;;) {
      if (!started) {
        if (pending.length < 8) return
        const length = pending.readInt32BE(0)
        if (pending.length < length) return
        const code = pending.readInt32BE(4)
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) started = true
        pending = pending.subarray(length)
        continue
      }
      if (pending.length < 5) return
      const length = pending.readInt32BE(1)
      if (pending.length < 1 + length) return
      const type = String.fromCharCode(pending[0]!)
      const body = pending.subarray(5, 1 + length)
      pending = pending.subarray(1 + length)
      if (type === "Q") {
        if (isCommit(cstring(body, 0)[0])) onCommit()
      } else if (type === "P") {
        const [name, next] = cstring(body, 0)
        const [query] = cstring(body, next)
        if (isCommit(query)) commitStatements.add(name)
        else commitStatements.delete(name)
      } else if (type === "B") {
        const [, next] = cstring(body, 0)
        const [statement] = cstring(body, next)
        commitBound = commitStatements.has(statement)
      } else if (type === "S") {
        if (commitBound) onCommit()
        commitBound = false
      }
    }
  }
}

export const startCommitDropProxy = (target: { host: string; port: number }, random: () => number) =>
  new Promise<CommitDropProxy>((resolve, reject) => {
    let probability = 0
    let dropped = 0
    let commits = 0
    const sockets = new Set<net.Socket>()
    const server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host)
      sockets.add(client)
      sockets.add(upstream)
      let doomed = false
      const closeBoth = () => {
        client.destroy()
        upstream.destroy()
      }
      const read = frontendReader(() => {
        commits++
        if (doomed || probability === 0 || random() >= probability) return
        doomed = true
      })
      client.on("data", (chunk: Buffer) => {
        if (doomed) return
        upstream.write(chunk)
        read(chunk)
        if (doomed) {
          // the COMMIT is on its way to the database: the server must not hear how it went
          dropped++
          client.destroy()
          const timer = setTimeout(() => upstream.destroy(), 2_000)
          upstream.once("data", () => {
            clearTimeout(timer)
            upstream.destroy()
          })
        }
      })
      upstream.on("data", (chunk: Buffer) => {
        if (!doomed) client.write(chunk)
      })
      client.on("close", () => {
        sockets.delete(client)
        if (!doomed) upstream.destroy()
      })
      upstream.on("close", () => {
        sockets.delete(upstream)
        if (!doomed) client.destroy()
      })
      client.on("error", closeBoth)
      upstream.on("error", closeBoth)
    })
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo
      resolve({
        port: address.port,
        arm: (p) => {
          probability = p
        },
        dropped: () => dropped,
        commits: () => commits,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })
