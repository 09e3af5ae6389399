/**
 * A linear scan of JSON text for what JSON.parse silently accepts: the same key twice in one object.
 * It lets the loader take JSON.parse's fast path for big generated labs and still reject what the
 * line-numbered parser would reject. It only looks at text JSON.parse has already accepted.
 */

/** Whether some object in the (valid) JSON text repeats a key. */
export function hasDuplicateKeys(text: string): boolean {
  // One key set per open object; null for arrays.
  const stack: Array<Set<string> | null> = []
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 0x7b /* { */) {
      stack.push(new Set())
      i++
    } else if (c === 0x5b /* [ */) {
      stack.push(null)
      i++
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop()
      i++
    } else if (c === 0x22 /* " */) {
      const start = i + 1
      i++
      let escaped = false
      while (i < n) {
        const d = text.charCodeAt(i)
        if (d === 0x5c /* \ */) {
          escaped = true
          i += 2
          continue
        }
        if (d === 0x22) break
        i++
      }
      const end = i
      i++
      const keys = stack[stack.length - 1]
      if (keys === undefined || keys === null) continue
      let j = i
      while (j < n && text.charCodeAt(j) <= 0x20) j++
      if (text.charCodeAt(j) !== 0x3a /* : */) continue
      // Escapes spell the same key several ways; decode only then.
      const key = escaped ? (JSON.parse(text.slice(start - 1, end + 1)) as string) : text.slice(start, end)
      if (keys.has(key)) return true
      keys.add(key)
    } else i++
  }
  return false
}
