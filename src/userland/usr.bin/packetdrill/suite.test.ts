/**
 * Every script of FreeBSD's TCP test suite parses: the 728 `*.pkt` files under
 * `../shared/tcp-testsuite` next to the project (or where PKT_TESTSUITE points, e.g. from a git
 * worktree elsewhere). The scripts are not part of the project, so the test skips, saying why, where
 * that folder is absent. A few known scripts are checked event by event, so a parser that accepted
 * everything by returning nothing would still fail.
 */

import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type Script, TcpFlag } from './ast.js'
import { PktSyntaxError, parseScript } from './parser.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
const SUITE = resolve(ROOT, process.env.PKT_TESTSUITE ?? '../shared/tcp-testsuite')
const absent = existsSync(SUITE)
  ? false
  : `../shared/tcp-testsuite absent: ${SUITE} not found (set PKT_TESTSUITE)`

function pktFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? pktFiles(join(dir, e.name)) : e.name.endsWith('.pkt') ? [join(dir, e.name)] : [],
    )
    .sort()
}

const load = (name: string): Script => parseScript(readFileSync(join(SUITE, name), 'utf8'), { file: name })

/** An event's kind as one word: the syscall's name, '<S.' for a packet, 'shell', 'python'. */
function kinds(s: Script): string[] {
  return s.events.map((e) => {
    const a = e.action
    if (a.kind === 'syscall') return a.name
    if (a.kind !== 'tcp') return a.kind
    let f = ''
    for (const [letter, bit] of [
      ['S', TcpFlag.SYN],
      ['F', TcpFlag.FIN],
      ['R', TcpFlag.RST],
      ['P', TcpFlag.PSH],
      ['E', TcpFlag.ECE],
      ['W', TcpFlag.CWR],
    ] as const)
      if (a.flags & bit) f += letter
    return `${a.direction === 'inbound' ? '<' : '>'}${f}${a.flags & TcpFlag.ACK ? '.' : ''}`
  })
}

test('all 728 scripts of the FreeBSD TCP suite parse without an error', { skip: absent }, () => {
  const files = pktFiles(SUITE)
  assert.equal(files.length, 728)
  const errors: string[] = []
  let events = 0
  let ipv4 = 0
  for (const f of files) {
    const name = relative(SUITE, f)
    try {
      const s = parseScript(readFileSync(f, 'utf8'), { file: name })
      events += s.events.length
      if (s.options.some((o) => o.name === 'ip_version' && o.value === 'ipv4')) ipv4++
      assert.ok(s.events.length > 0, `${name}: no events`)
    } catch (e) {
      if (!(e instanceof PktSyntaxError)) throw e
      errors.push(e.message)
    }
  }
  assert.deepEqual(errors, [])
  assert.equal(ipv4, 447)
  assert.ok(events > 19000, `only ${events} events in all`)
})

test('snippets/close-wait-ipv4.pkt, event by event', { skip: absent }, () => {
  const s = load('snippets/close-wait-ipv4.pkt')
  assert.deepEqual(s.options, [
    { name: 'ip_version', value: 'ipv4', line: 27 },
    { name: 'tolerance_usecs', value: '50000', line: 28 },
  ])
  assert.deepEqual(kinds(s), [
    ...Array(10).fill('shell'),
    'socket',
    'fcntl',
    'fcntl',
    'getsockopt',
    'connect',
    '>S',
    '<S.',
    '>.',
    'getsockopt',
    '<F.',
    '>.',
    'getsockopt',
    'python',
    'close',
    '>F.',
    '<.',
  ])
  const connect = s.events[14]!
  assert.equal(connect.line, 48)
  assert.ok(connect.action.kind === 'syscall')
  assert.equal(connect.action.errno, 'EINPROGRESS')
  const syn = s.events[15]!.action
  assert.ok(syn.kind === 'tcp')
  assert.deepEqual(syn.options, [
    { kind: 'mss', mss: 1460 },
    { kind: 'nop' },
    { kind: 'wscale', shift: 6 },
    { kind: 'sackOK' },
    { kind: 'timestamp', val: 100, ecr: 0 },
  ])
  assert.deepEqual(s.events[16]!.time, { kind: 'relative', usecs: 100000 })
})

test('an #ifdef script keeps only the FreeBSD branch', { skip: absent }, () => {
  const name =
    'state-event-engine/rcv-syn-ack-time-wait/rcv-syn-ack-time-wait-using-shutdown-outside-right-insecure-ipv4.pkt'
  const s = load(name)
  const lines = s.events.map((e) => e.line)
  assert.ok(!lines.includes(66) && !lines.includes(68), 'the STANDARD branch is left out')
  assert.ok(lines.includes(71) && lines.includes(74), 'the FreeBSD branch is kept')
  const drop = s.events.find((e) => e.line === 74)!.action
  assert.deepEqual(drop, { kind: 'shell', command: 'tcpdrop -s TIME_WAIT', line: 74 })
  const standard = parseScript(readFileSync(join(SUITE, name), 'utf8'), { file: name, platform: 'STANDARD' })
  assert.equal(standard.events.length, s.events.length - 1)
})

test('the TCP-MD5 script: init and cleanup commands, absolute seq, UDP tunnel', { skip: absent }, () => {
  const s = load('socket-api/setsockopt/socket-api-setsockopt-md5-active-ipv4.pkt')
  assert.deepEqual(
    s.options.map((o) => `${o.name}=${o.value}`),
    [
      'ip_version=ipv4',
      'udp_encapsulation=tcp',
      'tolerance_usecs=250000',
      'non_fatal=syscall',
      'tcp_md5_secret=secret',
    ],
  )
  assert.match(s.init?.command ?? '', /^kldstat -q -m tcpmd5 .*\n.* \| setkey -c$/s)
  assert.deepEqual(s.cleanup, { kind: 'shell', command: 'setkey -F', line: 117 })
  const rst = s.events.find((e) => e.action.kind === 'tcp' && e.action.seqAbsolute)!
  assert.ok(rst.action.kind === 'tcp')
  assert.deepEqual(rst.action.udp, { srcPort: 9811, dstPort: 1 })
  assert.deepEqual(rst.action.options, [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'md5', valid: true }])
})

test('a blocking connect spans 1 s to 6 s', { skip: absent }, () => {
  const s = load('snd-syn/snd-syn-rtx-keepinit-ipv4.pkt')
  const c = s.events.find((e) => e.time.kind === 'span')!
  assert.deepEqual(c.time, {
    kind: 'span',
    start: { relative: false, usecs: 1000000 },
    end: { relative: false, usecs: 6000000 },
  })
  assert.ok(c.action.kind === 'syscall' && c.action.name === 'connect' && c.action.errno === 'ETIMEDOUT')
})
