// @effect/sql-pg speaks only the extended query protocol: one statement per query. Migration
// files hold many statements, so split them here, respecting quotes, dollar quotes and comments.
export const splitStatements = (script: string): Array<string> => {
  const statements: Array<string> = []
  let current = ""
  let i = 0
  const n = script.length
  while (i < n) {
    const ch = script[i]!
    const next = script[i + 1]
    if (ch === "-" && next === "-") {
      const end = script.indexOf("\n", i)
      i = end === -1 ? n : end + 1
      current += "\n"
      continue
    }
    if (ch === "/" && next === "*") {
      const end = script.indexOf("*/", i + 2)
      i = end === -1 ? n : end + 2
      current += " "
      continue
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1
      while (j < n) {
        if (script[j] === ch) {
          if (script[j + 1] === ch) j += 2
          else break
        } else j++
      }
      current += script.slice(i, j + 1)
      i = j + 1
      continue
    }
    if (ch === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(script.slice(i))
      if (tag !== null) {
        const end = script.indexOf(tag[0], i + tag[0].length)
        const stop = end === -1 ? n : end + tag[0].length
        current += script.slice(i, stop)
        i = stop
        continue
      }
    }
    if (ch === ";") {
      if (current.trim() !== "") statements.push(current.trim())
      current = ""
      i++
      continue
    }
    current += ch
    i++
  }
  if (current.trim() !== "") statements.push(current.trim())
  return statements
}
