/**
 * The mbox format (mbox(5), "mboxo" as FreeBSD's local delivery writes it): each message starts
 * with a `From sender ctime` line and ends with an empty line; body lines starting with `From `
 * are quoted as `>From `. Postfix's local(8) appends with `appendMessage`; akpop3d and mail(1)
 * read with `parseMbox`. Pure text functions.
 */

import { ctime } from '../libc/time_fmt.js'

export interface MboxMessage {
  /** The `From ` separator line, without its newline. */
  from: string
  /** The message (headers, empty line, body), without the separator and the trailing empty line. */
  text: string
}

/** One mbox entry for `message` (lines separated by \n) from `sender` at `secs`. */
export function mboxEntry(sender: string, secs: number, message: string): string {
  const body = message.endsWith('\n') ? message.slice(0, -1) : message
  const quoted = body
    .split('\n')
    .map((l) => (l.startsWith('From ') ? `>${l}` : l))
    .join('\n')
  return `From ${sender === '' ? 'MAILER-DAEMON' : sender} ${ctime(secs)}\n${quoted}\n\n`
}

/** The messages of an mbox; text before the first `From ` line is not a message and is dropped. */
export function parseMbox(text: string): MboxMessage[] {
  const out: MboxMessage[] = []
  const lines = text.split('\n')
  let cur: { from: string; lines: string[] } | null = null
  const flush = () => {
    if (cur === null) return
    const ls = cur.lines
    while (ls.length > 0 && ls[ls.length - 1] === '') ls.pop()
    out.push({ from: cur.from, text: ls.length === 0 ? '' : `${ls.join('\n')}\n` })
  }
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!
    // A separator follows an empty line (or starts the file), as mboxo readers require.
    if (l.startsWith('From ') && (i === 0 || lines[i - 1] === '')) {
      flush()
      cur = { from: l, lines: [] }
    } else if (cur !== null) cur.lines.push(l)
  }
  flush()
  return out
}

/** The mbox text of `msgs` again (what a POP3 server writes back after DELE). */
export function formatMbox(msgs: readonly MboxMessage[]): string {
  return msgs.map((m) => `${m.from}\n${m.text}\n`).join('')
}
