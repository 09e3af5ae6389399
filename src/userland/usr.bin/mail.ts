/**
 * mail(1) for sending, as FreeBSD's Berkeley mail does it from a script: `mail [-s subject]
 * [-c cc] [-b bcc] to-addr ...` reads the body from standard input to its end, writes To, Subject
 * and Cc headers, and hands the message to sendmail (`/usr/sbin/sendmail -i -- rcpts`, which
 * mailwrapper maps to Postfix's). An empty body is sent with `Null message body; hope that's ok`.
 * Reading mailboxes (`mail` with no address, `-f`) only reports whether there is mail.
 */

import { getopt } from '../getopt.js'
import { parseMbox } from '../lib/libmail/mbox.js'
import { getpwuid } from '../lib/libutil/pw_db.js'
import type { Command } from '../types.js'

const USAGE =
  'usage: mail [-dEiInv] [-s subject] [-c cc-addr] [-b bcc-addr] [-F] to-addr ...\n       [- sendmail-options ...]\n       mail [-dEHiInNv] [-F] -f [name]\n       mail [-dEHiInNv] [-F] [-u user]\n'

export const mail: Command = async (argv, io, proc) => {
  const g = getopt('mail', argv.slice(1), 'dEiInvs:c:b:FfHNu:')
  if (typeof g === 'string') {
    io.stderr.write(`${g}\n${USAGE}`)
    return 1
  }
  let subject: string | undefined
  const cc: string[] = []
  const bcc: string[] = []
  let reading = false
  let user: string | undefined
  for (const [f, a] of g.opts) {
    if (f === 's') subject = a
    else if (f === 'c') cc.push(...a.split(/[\s,]+/).filter((x) => x !== ''))
    else if (f === 'b') bcc.push(...a.split(/[\s,]+/).filter((x) => x !== ''))
    else if (f === 'f' || f === 'H' || f === 'N') reading = true
    else if (f === 'u') user = a
  }
  // Everything after a lone `-` is for sendmail.
  const dash = g.rest.indexOf('-')
  const to = dash < 0 ? g.rest : g.rest.slice(0, dash)
  const extra = dash < 0 ? [] : g.rest.slice(dash + 1)
  if (to.length === 0 || reading) {
    const name = user ?? getpwuid(proc.fs, proc.sys.uid)?.name ?? String(proc.sys.uid)
    const box = reading && g.rest[0] !== undefined ? g.rest[0] : `/var/mail/${name}`
    const n = parseMbox(proc.fs.read(box) ?? '').length
    if (n === 0) {
      io.stdout.write(`No mail for ${name}\n`)
      return 1
    }
    io.stdout.write(`"${box}": ${n} message${n === 1 ? '' : 's'}\n`)
    return 0
  }
  let body = ''
  for (let c = await io.stdin.read(); c !== null; c = await io.stdin.read()) {
    body += c
    if (body.length > 64 << 20) {
      io.stderr.write('mail: message too large\n')
      return 1
    }
  }
  if (body === '') io.stderr.write("Null message body; hope that's ok\n")
  let head = `To: ${to.join(', ')}\n`
  if (subject !== undefined) head += `Subject: ${subject}\n`
  if (cc.length > 0) head += `Cc: ${cc.join(', ')}\n`
  const text = `${head}\n${body}`
  let sent = false
  const job = proc.spawn(['/usr/sbin/sendmail', '-i', ...extra, '--', ...to, ...cc, ...bcc], {
    stdin: {
      read: async () => {
        if (sent) return null
        sent = true
        return text
      },
    },
    stdout: io.stdout,
    stderr: io.stderr,
  })
  const off = proc.onKill(() => job.kill(9))
  try {
    // Berkeley mail does not wait for sendmail unless `sendwait` is set; its status is not ours.
    await job.done
  } finally {
    off()
  }
  return 0
}
