/**
 * smtpd's dialogue (RFC 5321) as a pure state machine against the lab's main.cf shape: greeting
 * and EHLO extensions, command order errors, local recipients, relaying by mynetworks, DATA with
 * dot-stuffing undone, RSET/NOOP/VRFY/QUIT, Postfix's reply texts and its hard error limit.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemFs } from '../../bin/sh/streams.js'
import { parseMainCf, postfixConfig } from './main_cf.js'
import { type Envelope, SmtpdSession } from './smtpd.js'

const MAIN_CF = `# the lab's zpmMail
myhostname = zpmMail.zpm.fer.hr
mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain,
\t/usr/local/etc/postfix/local-host-names
alias_maps = hash:/usr/local/etc/postfix/aliases
smtpd_banner = $myhostname ESMTP $mail_name
`

function setup(client = '30.0.0.3') {
  const fs = new MemFs()
  fs.append('/usr/local/etc/postfix/local-host-names', 'pc.zpm.fer.hr\n')
  fs.append('/usr/local/etc/postfix/aliases', 'postmaster: root\nboss: imunes\n')
  const cfg = postfixConfig(MAIN_CF, 'main.cf', fs, { hostname: 'zpmMail', addrs: [[0x1e000004, 24]] })
  const queued: Envelope[] = []
  const [a, b, c, d] = client.split('.').map(Number)
  const s = new SmtpdSession(cfg, ((a! << 24) | (b! << 16) | (c! << 8) | d!) >>> 0, {
    localUser: (u) => u === 'imunes' || u === 'root' || cfg.aliases.has(u),
    queue: (env) => {
      queued.push(env)
      return true
    },
    now: () => 86400,
    newId: () => `A1B2C3D${queued.length}`,
    log: () => {},
  })
  const say = (l: string) => s.line(l).replies
  return { cfg, s, say, queued }
}

test('main.cf: $name expansion, mydomain from myhostname, list files, defaults', () => {
  const { cfg } = setup()
  assert.equal(cfg.mydomain, 'zpm.fer.hr')
  assert.equal(cfg.myorigin, 'zpmMail.zpm.fer.hr')
  assert.deepEqual(cfg.destinations, [
    'zpmmail.zpm.fer.hr',
    'localhost.zpm.fer.hr',
    'localhost',
    'zpm.fer.hr',
    'pc.zpm.fer.hr',
  ])
  assert.equal(cfg.spool, '/var/mail')
  assert.equal(cfg.banner, 'zpmMail.zpm.fer.hr ESMTP Postfix')
  // mynetworks_style=subnet below compatibility level 2: loopback and the interface's subnet.
  assert.deepEqual(cfg.networks, [
    [0x7f000000, 8],
    [0x1e000000, 24],
  ])
  assert.deepEqual(cfg.aliases.get('boss'), ['imunes'])
  assert.throws(() => parseMainCf('myhostname\n', 'main.cf'), /main.cf, line 1: missing '='/)
})

test('SMTP: greeting, EHLO, a message with dot-stuffing undone, QUIT', () => {
  const { s, say, queued } = setup()
  assert.equal(s.greeting(), '220 zpmMail.zpm.fer.hr ESMTP Postfix')
  assert.deepEqual(say('EHLO www.tel.fer.hr'), [
    '250-zpmMail.zpm.fer.hr',
    '250-PIPELINING',
    '250-SIZE 10240000',
    '250-VRFY',
    '250-ENHANCEDSTATUSCODES',
    '250 8BITMIME',
  ])
  assert.deepEqual(say('MAIL FROM:<root@www.tel.fer.hr> SIZE=100'), ['250 2.1.0 Ok'])
  assert.deepEqual(say('RCPT TO:<imunes@zpm.fer.hr>'), ['250 2.1.5 Ok'])
  assert.deepEqual(say('RCPT TO:<Boss@PC.zpm.fer.hr>'), ['250 2.1.5 Ok'])
  assert.deepEqual(say('DATA'), ['354 End data with <CR><LF>.<CR><LF>'])
  assert.deepEqual(say('Subject: x'), [])
  assert.deepEqual(say(''), [])
  assert.deepEqual(say('..leading dot'), [])
  assert.deepEqual(say('.'), ['250 2.0.0 Ok: queued as A1B2C3D0'])
  assert.equal(queued.length, 1)
  assert.equal(queued[0]!.sender, 'root@www.tel.fer.hr')
  assert.deepEqual(queued[0]!.rcpts, ['imunes@zpm.fer.hr', 'Boss@PC.zpm.fer.hr'])
  assert.match(
    queued[0]!.text,
    /^Received: from www.tel.fer.hr \(unknown\[30.0.0.3\]\)\n\tby zpmMail.zpm.fer.hr \(Postfix\) with ESMTP id A1B2C3D0\n\t; Fri, 2 Jan 1970 00:00:00 \+0000\nSubject: x\n\n.leading dot\n$/,
  )
  assert.deepEqual(s.line('QUIT'), { replies: ['221 2.0.0 Bye'], close: true })
})

test('SMTP: order errors, unknown users, RSET, NOOP, VRFY, unknown commands', () => {
  const { say } = setup()
  assert.deepEqual(say('MAIL FROM:<a@b>'), ['503 5.5.1 Error: send HELO/EHLO first'])
  assert.deepEqual(say('HELO'), ['501 Syntax: HELO hostname'])
  assert.deepEqual(say('HELO pc'), ['250 zpmMail.zpm.fer.hr'])
  assert.deepEqual(say('RCPT TO:<imunes@zpm.fer.hr>'), ['503 5.5.1 Error: need MAIL command'])
  assert.deepEqual(say('DATA'), ['503 5.5.1 Error: need RCPT command'])
  assert.deepEqual(say('MAIL FROM:a@b'), ['250 2.1.0 Ok'])
  assert.deepEqual(say('MAIL FROM:<a@b>'), ['503 5.5.1 Error: nested MAIL command'])
  assert.deepEqual(say('RCPT TO:<nobody@zpm.fer.hr>'), [
    '550 5.1.1 <nobody@zpm.fer.hr>: Recipient address rejected: User unknown in local recipient table',
  ])
  assert.deepEqual(say('RCPT TO:'), ['501 5.5.4 Syntax: RCPT TO:<address>'])
  assert.deepEqual(say('DATA'), ['554 5.5.1 Error: no valid recipients'])
  assert.deepEqual(say('RSET'), ['250 2.0.0 Ok'])
  assert.deepEqual(say('RCPT TO:<imunes@zpm.fer.hr>'), ['503 5.5.1 Error: need MAIL command'])
  assert.deepEqual(say('NOOP'), ['250 2.0.0 Ok'])
  assert.deepEqual(say('VRFY imunes'), ['252 2.0.0 imunes'])
  assert.deepEqual(say('HELP'), ['502 5.5.2 Error: command not recognized'])
})

test('SMTP: relaying only for mynetworks; the hard error limit closes the session', () => {
  const outside = setup('20.0.0.3')
  outside.say('EHLO www')
  outside.say('MAIL FROM:<root@www.tel.fer.hr>')
  assert.deepEqual(outside.say('RCPT TO:<x@example.org>'), ['454 4.7.1 <x@example.org>: Relay access denied'])
  assert.deepEqual(outside.say('RCPT TO:<imunes@zpm.fer.hr>'), ['250 2.1.5 Ok'])
  const inside = setup('30.0.0.3')
  inside.say('EHLO pc')
  inside.say('MAIL FROM:<imunes@zpm.fer.hr>')
  assert.deepEqual(inside.say('RCPT TO:<x@example.org>'), ['250 2.1.5 Ok'])
  const { s } = setup()
  let last = s.line('BOGUS')
  for (let i = 0; i < 18; i++) last = s.line('BOGUS')
  assert.equal(last.close, false)
  last = s.line('BOGUS')
  assert.deepEqual(last, {
    replies: [
      '502 5.5.2 Error: command not recognized',
      '421 4.7.0 zpmMail.zpm.fer.hr Error: too many errors',
    ],
    close: true,
  })
})
