import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Action, Expr, SyscallAction } from './ast.js'
import { PktSyntaxError, parseScript } from './parser.js'

const parse = (src: string, platform?: string) =>
  parseScript(src, platform === undefined ? { file: 't.pkt' } : { file: 't.pkt', platform })

/** The one event's action of a one-event script. */
function action(src: string): Action {
  const s = parse(src)
  assert.equal(s.events.length, 1)
  return s.events[0]!.action
}

function syscall(src: string): SyscallAction {
  const a = action(src)
  assert.equal(a.kind, 'syscall')
  return a as SyscallAction
}

/** Expressions without their line numbers, to compare shapes. */
function strip(e: Expr | readonly Expr[]): unknown {
  return JSON.parse(JSON.stringify(e, (k, v) => (k === 'line' ? undefined : v)))
}

export function parseError(src: string, platform?: string): string {
  try {
    parse(src, platform)
  } catch (e) {
    assert.ok(e instanceof PktSyntaxError, `not a PktSyntaxError: ${e}`)
    return e.message
  }
  assert.fail(`no error for ${JSON.stringify(src)}`)
}

const int = (value: number) => ({ kind: 'int', value })
const sym = (name: string) => ({ kind: 'symbol', name })
const ell = { kind: 'ellipsis' }

test('options at the top, with and without a value, keep their lines', () => {
  const s = parse(
    '// header\n--ip_version=ipv4\n--tolerance_usecs=50000\n--verbose\n--a=b=c\n0 close(3) = 0\n',
  )
  assert.deepEqual(s.options, [
    { name: 'ip_version', value: 'ipv4', line: 2 },
    { name: 'tolerance_usecs', value: '50000', line: 3 },
    { name: 'verbose', value: '', line: 4 },
    { name: 'a', value: 'b=c', line: 5 },
  ])
  assert.equal(s.file, 't.pkt')
  assert.equal(s.events[0]!.line, 6)
})

test('times: absolute, relative (with or without a space), spans, ranges and *', () => {
  const s = parse(
    '0.100 close(3) = 0\n+0.1 close(3) = 0\n+ 2 close(3) = 0\n1.00...6.00 close(3) = 0\n0.1~+0.25 close(3) = 0\n* close(3) = 0\n+.000001 close(3) = 0\n',
  )
  assert.deepEqual(
    s.events.map((e) => e.time),
    [
      { kind: 'absolute', usecs: 100000 },
      { kind: 'relative', usecs: 100000 },
      { kind: 'relative', usecs: 2000000 },
      { kind: 'span', start: { relative: false, usecs: 1000000 }, end: { relative: false, usecs: 6000000 } },
      { kind: 'range', start: { relative: false, usecs: 100000 }, end: { relative: true, usecs: 250000 } },
      { kind: 'any' },
      { kind: 'relative', usecs: 1 },
    ],
  )
  assert.deepEqual(
    s.events.map((e) => e.line),
    [1, 2, 3, 4, 5, 6, 7],
  )
})

test('socket, setsockopt, bind, listen, accept: arguments as typed expressions', () => {
  assert.deepEqual(strip(syscall('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3').args), [
    ell,
    sym('SOCK_STREAM'),
    sym('IPPROTO_TCP'),
  ])
  const so = syscall('+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0')
  assert.equal(so.name, 'setsockopt')
  assert.deepEqual(strip(so.args), [
    int(3),
    sym('SOL_SOCKET'),
    sym('SO_REUSEADDR'),
    { kind: 'array', items: [int(1)] },
    int(4),
  ])
  assert.deepEqual(strip(so.result), int(0))
  assert.equal(so.errno, null)
  assert.equal(so.note, null)
  assert.deepEqual(strip(syscall('+0 bind(3, ..., ...) = 0').args), [int(3), ell, ell])
  assert.deepEqual(strip(syscall('+0 accept(3, ..., ...) = 4').result), int(4))
  assert.deepEqual(strip(syscall('+0 write (3, ..., 10) = 10').args), [int(3), ell, int(10)])
})

test('a failing call: -1, the errno and the message', () => {
  const c = syscall('+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)')
  assert.deepEqual(strip(c.result), int(-1))
  assert.equal(c.errno, 'EINPROGRESS')
  assert.equal(c.note, 'Operation now in progress')
  const g = syscall('+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0')
  assert.deepEqual(strip(g.args.slice(3)), [
    { kind: 'array', items: [sym('ECONNREFUSED')] },
    { kind: 'array', items: [int(4)] },
  ])
  const r = syscall("+0 bind(3, ..., ...) = -1 EADDRNOTAVAIL (Can't assign requested address)")
  assert.equal(r.note, "Can't assign requested address")
})

test('fcntl: a hex result with a note, flags or-ed together', () => {
  const get = syscall('+0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)')
  assert.deepEqual(strip(get.result), int(2))
  assert.equal(get.errno, null)
  assert.equal(get.note, 'flags O_RDWR')
  assert.deepEqual(strip(syscall('+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0').args[2]!), {
    kind: 'binary',
    op: '|',
    left: sym('O_RDWR'),
    right: sym('O_NONBLOCK'),
  })
})

test('read, poll and struct literals', () => {
  assert.deepEqual(strip(syscall('+0 read(4, ..., 1000) = 1000').args), [int(4), ell, int(1000)])
  const p = syscall('+0 poll([{fd=3, events=POLLOUT, revents=POLLOUT}], 1, 0) = 1')
  assert.deepEqual(strip(p.args), [
    {
      kind: 'array',
      items: [
        {
          kind: 'struct',
          fields: [
            { name: 'fd', value: int(3) },
            { name: 'events', value: sym('POLLOUT') },
            { name: 'revents', value: sym('POLLOUT') },
          ],
        },
      ],
    },
    int(1),
    int(0),
  ])
  const s = syscall(
    '+0 connect(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}, 16) = 0',
  )
  assert.deepEqual(strip(s.args[1]!), {
    kind: 'struct',
    fields: [
      { name: 'sa_family', value: sym('AF_INET') },
      { name: 'sin_port', value: { kind: 'call', name: 'htons', args: [int(8080)] } },
      {
        name: 'sin_addr',
        value: { kind: 'call', name: 'inet_addr', args: [{ kind: 'string', value: '192.0.2.1' }] },
      },
    ],
  })
  assert.deepEqual(strip(syscall('+0 f({A | B, htons(1), ...}, {}) = 0').args), [
    {
      kind: 'struct',
      fields: [
        { name: null, value: { kind: 'binary', op: '|', left: sym('A'), right: sym('B') } },
        { name: null, value: { kind: 'call', name: 'htons', args: [int(1)] } },
        { name: null, value: ell },
      ],
    },
    { kind: 'struct', fields: [] },
  ])
})

test('expressions: precedence, parentheses, negatives, hex', () => {
  const args = syscall('+0 f(2*1000, 1+2*3, (1+2)*3, -5, -X, 0x10 | 1 & 3, 7/2-1, [], "s") = 0').args
  assert.deepEqual(strip(args), [
    { kind: 'binary', op: '*', left: int(2), right: int(1000) },
    {
      kind: 'binary',
      op: '+',
      left: int(1),
      right: { kind: 'binary', op: '*', left: int(2), right: int(3) },
    },
    {
      kind: 'binary',
      op: '*',
      left: { kind: 'binary', op: '+', left: int(1), right: int(2) },
      right: int(3),
    },
    int(-5),
    { kind: 'neg', operand: sym('X') },
    {
      kind: 'binary',
      op: '|',
      left: int(16),
      right: { kind: 'binary', op: '&', left: int(1), right: int(3) },
    },
    {
      kind: 'binary',
      op: '-',
      left: { kind: 'binary', op: '/', left: int(7), right: int(2) },
      right: int(1),
    },
    { kind: 'array', items: [] },
    { kind: 'string', value: 's' },
  ])
})

test("a result ends at the end of its line: the next event's + or * is not an operator", () => {
  const s = parse('0 close(3) = 0\n+0.1 close(4) = 0\n* close(5) = 2*3\n')
  assert.equal(s.events.length, 3)
  assert.deepEqual(strip((s.events[0]!.action as SyscallAction).result), int(0))
  assert.deepEqual(strip((s.events[2]!.action as SyscallAction).result), {
    kind: 'binary',
    op: '*',
    left: int(2),
    right: int(3),
  })
})

test('every expression node carries its own line, also in a call spread over lines', () => {
  const c = syscall('0 f(1,\n  [X],\n  {a=2}) = 0')
  assert.deepEqual(
    c.args.map((a) => a.line),
    [1, 2, 3],
  )
  const arr = c.args[1]!
  assert.ok(arr.kind === 'array')
  assert.equal(arr.items[0]!.line, 2)
  assert.equal(c.result.line, 3)
})

test('shell commands, %{ }% blocks, and the init and cleanup commands without a time', () => {
  const s = parse(
    '--ip_version=ipv4\n  `kldstat -q || kldload x;\n   echo done`\n 0.00 `sysctl -w net.inet.tcp.sack.enable=1`\n+0 %{ assert tcpi_state == TCPI_LISTEN }%\n\n  `setkey -F`\n// end\n',
  )
  assert.deepEqual(s.init, { kind: 'shell', command: 'kldstat -q || kldload x;\n   echo done', line: 2 })
  assert.deepEqual(s.events[0]!.action, {
    kind: 'shell',
    command: 'sysctl -w net.inet.tcp.sack.enable=1',
    line: 4,
  })
  assert.deepEqual(s.events[1]!.action, { kind: 'python', code: ' assert tcpi_state == TCPI_LISTEN ' })
  assert.deepEqual(s.cleanup, { kind: 'shell', command: 'setkey -F', line: 7 })
  const bare = parse('0 close(3) = 0')
  assert.equal(bare.init, null)
  assert.equal(bare.cleanup, null)
})

test('#ifdef keeps the events for the platform (FreeBSD by default), #ifndef and #else the others', () => {
  const src =
    '0 close(1) = 0\n#ifdef STANDARD\n+0 close(2) = 0\n#endif\n#ifdef FreeBSD\n+0 close(3) = 0\n#ifndef Linux\n+0 close(4) = 0\n#else\n+0 close(5) = 0\n#endif\n#endif\n+0 close(6) = 0\n'
  const fds = (platform?: string) =>
    parse(src, platform).events.map((e) => ((e.action as SyscallAction).args[0] as { value: number }).value)
  assert.deepEqual(fds(), [1, 3, 4, 6])
  assert.deepEqual(fds('Linux'), [1, 6])
  assert.deepEqual(fds('STANDARD'), [1, 2, 6])
  // A block that does not apply is still parsed.
  assert.equal(
    parseError('#ifdef Linux\n0 close(3) = \n#endif'),
    't.pkt:3: syntax error: expected an expression, found #endif',
  )
})

test('CRLF line ends parse like LF ones, with the same lines', () => {
  const src = '--ip_version=ipv4\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > S 0:0(0) <...>\n`true`\n'
  const crlf = parse(src.replaceAll('\n', '\r\n'))
  assert.deepEqual(crlf, parse(src))
  assert.deepEqual(
    crlf.events.map((e) => e.line),
    [2, 3],
  )
})

test('errors name the file, the line and what was wrong', () => {
  const cases: [string, string][] = [
    [
      '0 close(3) = 0\nclose(4) = 0',
      "t.pkt:2: syntax error: expected a time ('0.100', '+0.1' or '*') at the start of an event, found 'close'",
    ],
    [
      '0 close(3) = 0\n+0 --x=1',
      "t.pkt:2: syntax error: expected a packet ('<' or '>'), a system call, a backquoted command or %{ }% after the time, found '-'",
    ],
    [
      '0 close(3) = 0\n--x=1',
      't.pkt:2: syntax error: option --x=1 after the first event (options go at the top)',
    ],
    [
      '0 close(3)',
      "t.pkt:1: syntax error: expected '=' and the expected result after close(...), found end of file",
    ],
    ['0 close(3 = 0', "t.pkt:1: syntax error: expected ')' or ',' in the list, found '='"],
    ['0 close(3) = 0 0', "t.pkt:1: syntax error: unexpected '0' after the result of close()"],
    ['0 close(3) = 0 EBADF EBADF', "t.pkt:1: syntax error: unexpected 'EBADF' after the result of close()"],
    ['0 close(1.5) = 0', "t.pkt:1: syntax error: expected an integer, found '1.5'"],
    [
      '0 close(3) = 99999999999999999999',
      "t.pkt:1: syntax error: expected an integer, found '99999999999999999999'",
    ],
    ['0 f({a=}) = 0', "t.pkt:1: syntax error: expected an expression, found '}'"],
    ['0 f([1,2) = 0', "t.pkt:1: syntax error: expected ']' or ',' in the list, found ')'"],
    ['0 f((1) = 0', "t.pkt:1: syntax error: expected ')' or ',' in the list, found '='"],
    ['0x10 close(3) = 0', "t.pkt:1: syntax error: malformed time '0x10'"],
    ['0.0000001 close(3) = 0', 't.pkt:1: syntax error: time 0.0000001 is finer than a microsecond'],
    ['99999999999 close(3) = 0', 't.pkt:1: syntax error: time 99999999999 is too large'],
    [
      '0 = 1',
      "t.pkt:1: syntax error: expected a packet ('<' or '>'), a system call, a backquoted command or %{ }% after the time, found '='",
    ],
    [
      '0 `a`\n`b`\n+0 `c`',
      "t.pkt:3: syntax error: '+' after the cleanup command of line 2 (a command without a time ends the script)",
    ],
    ['0 close(3) = 0\n#endif', "t.pkt:2: syntax error: '#endif' without '#ifdef'"],
    ['\n#ifdef FreeBSD\n0 close(3) = 0', "t.pkt:2: syntax error: #ifdef without '#endif'"],
    ['#ifdef\n#endif', "t.pkt:1: syntax error: '#ifdef' takes one name"],
    ['#ifdef A\n#else\n#else\n#endif', "t.pkt:3: syntax error: second '#else' for one '#ifdef'"],
    ['#endif x', "t.pkt:1: syntax error: '#endif' takes no argument"],
    ['#define X 1', "t.pkt:1: syntax error: unknown directive '#define'"],
    ['0 close(3) = 0 (no end', "t.pkt:1: syntax error: missing ')' at the end of the line"],
  ]
  for (const [src, msg] of cases) assert.equal(parseError(src), msg, JSON.stringify(src))
})

test('deep nesting is a syntax error, not a stack overflow', () => {
  const deep = `0 f(${'['.repeat(5000)}) = 0`
  assert.match(parseError(deep), /^t\.pkt:1: syntax error: expression nested deeper than 64 levels$/)
  assert.match(parseError(`0 f(${'-'.repeat(5000)}1) = 0`), /nested deeper than 64 levels/)
  assert.match(parseError(`0 f(${'('.repeat(5000)}1) = 0`), /nested deeper than 64 levels/)
  // 60 levels are fine.
  assert.equal(parse(`0 f(${'['.repeat(60)}${']'.repeat(60)}) = 0`).events.length, 1)
})
