import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Lexer, PktSyntaxError, type Token } from './lexer.js'

function lexAll(src: string): Token[] {
  const lx = new Lexer(src, 't.pkt')
  const out: Token[] = []
  for (let t = lx.next(); t.kind !== 'eof'; t = lx.next()) out.push(t)
  return out
}

/** Tokens as `kind:text@line`, compact enough to compare whole lines at once. */
const show = (src: string): string[] => lexAll(src).map((t) => `${t.kind}:${t.text}@${t.line}`)

function lexError(src: string): PktSyntaxError {
  try {
    lexAll(src)
  } catch (e) {
    assert.ok(e instanceof PktSyntaxError, `not a PktSyntaxError: ${e}`)
    return e
  }
  assert.fail(`no error for ${JSON.stringify(src)}`)
}

test('a packet line splits into flags, numbers and punctuation', () => {
  assert.deepEqual(show('+0.10 < S. 0:0(0) ack 1 win 32767 <mss 1460,sackOK>'), [
    'punct:+@1',
    'num:0.10@1',
    'punct:<@1',
    'ident:S@1',
    'punct:.@1',
    'num:0@1',
    'punct::@1',
    'num:0@1',
    'punct:(@1',
    'num:0@1',
    'punct:)@1',
    'ident:ack@1',
    'num:1@1',
    'ident:win@1',
    'num:32767@1',
    'punct:<@1',
    'ident:mss@1',
    'num:1460@1',
    'punct:,@1',
    'ident:sackOK@1',
    'punct:>@1',
  ])
})

test('numbers: hex, decimals, a leading dot; "..." between times is not a fraction', () => {
  assert.deepEqual(show('0x02 0xe0 .5 1.00...6.00 1...6'), [
    'num:0x02@1',
    'num:0xe0@1',
    'num:.5@1',
    'num:1.00@1',
    'punct:...@1',
    'num:6.00@1',
    'num:1@1',
    'punct:...@1',
    'num:6@1',
  ])
  assert.deepEqual(show('S.     ...(0)'), [
    'ident:S@1',
    'punct:.@1',
    'punct:...@1',
    'punct:(@1',
    'num:0@1',
    'punct:)@1',
  ])
})

test('comments of both kinds are skipped and lines still counted', () => {
  assert.deepEqual(show('// one\n/* two\n three */ a // four\n\nb /**/ c'), [
    'ident:a@3',
    'ident:b@5',
    'ident:c@5',
  ])
})

test('backquoted commands and %{ }% blocks are single tokens, even across lines', () => {
  const toks = lexAll("0 `sysctl -w a.b=1`\n  `echo 'x' ;\n  setkey -c`\n+0 %{ assert tcpi_state == 1 }% z")
  assert.deepEqual(
    toks.map((t) => [t.kind, t.text, t.line, t.endLine]),
    [
      ['num', '0', 1, 1],
      ['shell', 'sysctl -w a.b=1', 1, 1],
      ['shell', "echo 'x' ;\n  setkey -c", 2, 3],
      ['punct', '+', 4, 4],
      ['num', '0', 4, 4],
      ['python', ' assert tcpi_state == 1 ', 4, 4],
      ['ident', 'z', 4, 4],
    ],
  )
})

test('--name=value is an option only at the start of a line; #directives likewise', () => {
  assert.deepEqual(show('--ip_version=ipv4\n  --tolerance_usecs=10000\n#ifdef FreeBSD // yes\n#endif'), [
    'option:ip_version=ipv4@1',
    'option:tolerance_usecs=10000@2',
    'directive:ifdef FreeBSD@3',
    'directive:endif@4',
  ])
  assert.deepEqual(show('x --y'), ['ident:x@1', 'punct:-@1', 'punct:-@1', 'ident:y@1'])
  assert.match(
    lexError('x #ifdef A').message,
    /^t\.pkt:1: syntax error: '#' is only allowed at the start of a line$/,
  )
})

test('strings decode C escapes', () => {
  assert.deepEqual(
    lexAll('"a\\"b\\n\\x41"').map((t) => t.text),
    ['a"b\nA'],
  )
})

test('first marks the first token of each line', () => {
  assert.deepEqual(
    lexAll('a b\n c\n\nd').map((t) => t.first),
    [true, false, true, true],
  )
})

test('the note after a result is read raw, apostrophes and all', () => {
  const lx = new Lexer("= -1 EADDRNOTAVAIL (Can't assign (requested) address)\n+0", 't.pkt')
  for (const want of ['=', '-', '1', 'EADDRNOTAVAIL', '(']) assert.equal(lx.next().text, want)
  assert.equal(lx.rawUntilClose(), "Can't assign (requested) address")
  assert.equal(lx.next().text, '+')
  const open = new Lexer('(no end\n)', 't.pkt')
  open.next()
  assert.throws(
    () => open.rawUntilClose(),
    /^PktSyntaxError: t\.pkt:1: syntax error: missing '\)' at the end of the line$/,
  )
})

test('malformed input is reported with its line', () => {
  const cases: [string, string][] = [
    ['a\nb `never closed', 't.pkt:2: syntax error: unterminated backquoted command'],
    ['\n\n%{ x', 't.pkt:3: syntax error: unterminated %{ block'],
    ['a /* b\n', "t.pkt:1: syntax error: unterminated '/*' comment"],
    ['\n"abc\n"', 't.pkt:2: syntax error: unterminated string'],
    ['"\\q"', "t.pkt:1: syntax error: unknown escape '\\q' in string"],
    ['\n1460abc', "t.pkt:2: syntax error: malformed number '1460abc'"],
    ['0x', "t.pkt:1: syntax error: malformed number '0x'"],
    ["a 'b'", "t.pkt:1: syntax error: unexpected character '''"],
    ['\n\n\u0001', 't.pkt:3: syntax error: unexpected character \\x01'],
  ]
  for (const [src, msg] of cases) assert.equal(lexError(src).message, msg, JSON.stringify(src))
})
