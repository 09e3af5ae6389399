/**
 * The parser's promise under hostile input: whatever the text, it returns a Script or throws a
 * PktSyntaxError whose message is `FILE:LINE: syntax error: ...` with a line inside the text; never
 * another exception (a TypeError, a RangeError from deep recursion, the lexer's own misuse check).
 * Inputs: random bytes, soups of script tokens, and random cuts and splices of a valid script.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { PktSyntaxError, parseScript } from './parser.js'

// PKT_FUZZ_RUNS=20000 for a long local run.
const RUNS = Number(process.env.PKT_FUZZ_RUNS ?? 500)

const VALID = `--ip_version=ipv4
--tolerance_usecs=50000
  \`kldstat -q || echo 'x'\`
 0.00 \`sysctl -w net.inet.tcp.rfc1323=1\`
+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S  0:0(0)       win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
+0.10 < S. 0:0(0) ack 1 win 32767 <mss 1460,sackOK,eol,eol>
+0.00 > (tos 0xe0) R.  0:0(0)! ack 2 win 0 <nop,nop,md5 valid>/udp(9811 > 1)
#ifdef FreeBSD
+0.00 <[noecn] .  1:1(0) ack 1 win 65535 <sack 1:2 3:4, nop, nop>
#endif
/* a block
   comment */
1.00...6.00 poll([{fd=3, events=POLLOUT, revents=POLLOUT}], 1, 2*1000) = 1
*     > S.     ...(0)     ack 65537 win 65535 <...>
+0.00 %{ assert tcpi_state == TCPI_CLOSE_WAIT }%
  \`setkey -F\`
`

const TOKENS = [
  ...new Set(VALID.split(/(\s+|[()[\]{}<>,=:|*+!~/.]|\.\.\.)/).filter((s) => s !== undefined && s !== '')),
  '\n',
  '`',
  '%{',
  '}%',
  '/*',
  '*/',
  '//',
  '"',
  '#ifdef',
  '#endif',
  '#else',
  '--x=1',
  '-',
  '0.0000001',
  '99999999999999999999',
]

function check(text: string): void {
  try {
    parseScript(text, { file: 't.pkt' })
  } catch (e) {
    if (!(e instanceof PktSyntaxError)) throw e
    assert.match(e.message, /^t\.pkt:\d+: syntax error: \S/)
    const lines = text.split('\n').length
    assert.ok(e.line >= 1 && e.line <= lines, `line ${e.line} outside 1..${lines}`)
  }
}

test('the valid sample parses', () => {
  assert.equal(parseScript(VALID, { file: 't.pkt' }).events.length, 12)
})

test('random text throws nothing but PktSyntaxError', () => {
  // UTF-16 code units, lone surrogates included (fc.string's 'binary' unit is slow to set up).
  const text = fc
    .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 })
    .map((u) => String.fromCharCode(...u))
  fc.assert(fc.property(text, check), { numRuns: RUNS })
})

test('random bytes (as latin1) throw nothing but PktSyntaxError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(String.fromCharCode(...b))),
    { numRuns: RUNS },
  )
})

test('soups of script tokens throw nothing but PktSyntaxError', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), fc.boolean(), (toks, spaced) =>
      check(toks.join(spaced ? ' ' : '')),
    ),
    { numRuns: RUNS * 4 },
  )
})

test('cuts and splices of a valid script throw nothing but PktSyntaxError', () => {
  const n = VALID.length
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(n), fc.nat(40), fc.constantFrom(...TOKENS, '')), {
        minLength: 1,
        maxLength: 6,
      }),
      (edits) => {
        let text = VALID
        for (const [at, del, ins] of edits) {
          const i = Math.min(at, text.length)
          text = text.slice(0, i) + ins + text.slice(i + del)
        }
        check(text)
      },
    ),
    { numRuns: RUNS * 4 },
  )
})
