/**
 * The POP3 dialogue (RFC 1939) over an mbox maildrop and master.passwd: IMUNES's getMail exchange
 * gives its seven lines, RETR byte-stuffs, DELE takes effect at QUIT only (mail that arrived
 * meanwhile stays), wrong passwords and commands before login are refused.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemFs } from '../../bin/sh/streams.js'
import { cryptSha512 } from '../../lib/libcrypt/crypt_sha512.js'
import { mboxEntry, parseMbox } from '../../lib/libmail/mbox.js'
import type { Proc } from '../../types.js'
import { maildropHooks } from './akpop3d.js'
import { Pop3Session } from './pop3.js'

function maildrop() {
  const fs = new MemFs()
  const hash = cryptSha512('imunes', '$6$abcdefgh')!
  fs.append(
    '/etc/master.passwd',
    `root:*:0:0::0:0:Charlie &:/root:/bin/sh\nimunes:${hash}:1001:0::0:0:User &:/home/imunes:/bin/sh\n`,
  )
  fs.append('/var/mail/imunes', mboxEntry('root@www.tel.fer.hr', 0, 'Subject: one\n\nFrom here\n.dot\n'))
  fs.append('/var/mail/imunes', mboxEntry('root@www.tel.fer.hr', 60, 'Subject: two\n\nbody\n'))
  const s = new Pop3Session(maildropHooks({ fs } as unknown as Proc), '+OK akpop3d ready')
  const say = (l: string) => s.line(l).out
  return { fs, s, say }
}

test("POP3: IMUNES's getMail exchange gives at least seven lines", () => {
  const { s, say } = maildrop()
  const out = s.greeting() + say('USER imunes') + say('PASS imunes') + say('LIST') + s.line('QUIT').out
  assert.equal(
    out,
    '+OK akpop3d ready\r\n+OK\r\n+OK\r\n+OK 2 messages (56 octets)\r\n1 34\r\n2 22\r\n.\r\n+OK bye\r\n',
  )
  assert.ok(out.split('\n').length - 1 >= 7)
})

test('POP3: STAT, LIST n, RETR with byte-stuffing and the quoted From, TOP, UIDL, errors', () => {
  const { say } = maildrop()
  assert.equal(say('STAT'), '-ERR unknown command or not authenticated\r\n')
  assert.equal(say('PASS imunes'), '-ERR USER first\r\n')
  say('USER imunes')
  assert.equal(say('PASS imunes'), '+OK\r\n')
  assert.equal(say('STAT'), '+OK 2 56\r\n')
  assert.equal(say('LIST 2'), '+OK 2 22\r\n')
  assert.equal(say('LIST 3'), '-ERR no such message\r\n')
  assert.equal(say('RETR 1'), '+OK 34 octets\r\nSubject: one\r\n\r\n>From here\r\n..dot\r\n.\r\n')
  assert.equal(say('TOP 2 0'), '+OK\r\nSubject: two\r\n\r\n.\r\n')
  assert.match(say('UIDL 1'), /^\+OK 1 [0-9a-f]{16}\r\n$/)
  assert.equal(say('RETR x'), '-ERR invalid message number\r\n')
  assert.equal(say('FOO'), '-ERR unknown command\r\n')
})

test('POP3: DELE takes effect at QUIT, keeps mail that came since; RSET undoes; bad passwords', () => {
  const { fs, s, say } = maildrop()
  say('USER imunes')
  say('PASS imunes')
  assert.equal(say('DELE 1'), '+OK message 1 deleted\r\n')
  assert.equal(say('DELE 1'), '-ERR message 1 already deleted\r\n')
  assert.equal(say('STAT'), '+OK 1 22\r\n')
  assert.equal(say('RSET'), '+OK maildrop has 2 messages\r\n')
  say('DELE 1')
  fs.append('/var/mail/imunes', mboxEntry('x@y', 120, 'Subject: three\n\nnew\n'))
  assert.deepEqual(s.line('QUIT'), { out: '+OK bye\r\n', close: true })
  assert.deepEqual(
    parseMbox(fs.read('/var/mail/imunes')!).map((m) => m.text.split('\n')[0]),
    ['Subject: two', 'Subject: three'],
  )
  const bad = maildrop()
  bad.say('USER imunes')
  assert.equal(bad.say('PASS wrong'), '-ERR authentication failed\r\n')
  bad.say('USER root')
  assert.equal(bad.say('PASS '), '-ERR authentication failed\r\n')
  bad.say('USER nobody')
  assert.deepEqual(bad.s.line('PASS x'), { out: '-ERR authentication failed\r\n', close: true })
})
