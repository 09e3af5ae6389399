// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell scripts, where ${...} is shell syntax
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SyntaxErr, type Token, tokenize } from './lexer.js'
import { parse, type Word } from './parser.js'

const lex = (src: string) => tokenize(src, parse)

/** A compact rendering of tokens: words as their parts, operators as themselves. */
function show(toks: Token[]): string[] {
  return toks.map((t) => {
    if (t.t === 'word') return showWord(t.word)
    if (t.t === 'op') return (t.fd ?? '') + t.op
    return t.t === 'nl' ? 'NL' : 'EOF'
  })
}

function showWord(w: Word): string {
  return w.parts
    .map((p) => {
      switch (p.type) {
        case 'lit':
          return p.quoted ? `'${p.text}'` : p.text
        case 'param':
          return `\${${p.length ? '#' : ''}${p.name}${p.op}${p.arg ? showWord(p.arg) : ''}}${p.quoted ? 'q' : ''}`
        case 'cmd':
          return `$(${p.body.items.length})${p.quoted ? 'q' : ''}`
        default:
          return `$((${showWord(p.expr)}))`
      }
    })
    .join('+')
}

test('lexer: words, operators and newlines', () => {
  assert.deepEqual(show(lex('echo a  b;c&&d||e|f&\n')), [
    'echo',
    'a',
    'b',
    ';',
    'c',
    '&&',
    'd',
    '||',
    'e',
    '|',
    'f',
    '&',
    'NL',
    'EOF',
  ])
  assert.deepEqual(show(lex('case x in a) ;; esac')), ['case', 'x', 'in', 'a', ')', ';;', 'esac', 'EOF'])
})

test('lexer: comments only at the start of a word', () => {
  assert.deepEqual(show(lex('echo a#b # comment ; x\necho')), ['echo', 'a#b', 'NL', 'echo', 'EOF'])
})

test('lexer: quoting', () => {
  assert.deepEqual(show(lex(`a'b c'"d e"\\ f`)), ["a+'b cd e '+f", 'EOF'])
  assert.deepEqual(show(lex(`"" ''`)).slice(0, 2), ["''", "''"])
  // Inside double quotes a backslash escapes only $ \` " \\ and newline.
  assert.deepEqual(show(lex(`"a\\$b\\c\\"d"`)).slice(0, 1), [`'a$b\\c"d'`])
  assert.deepEqual(show(lex(`'a\\b'`)).slice(0, 1), [`'a\\b'`])
})

test('lexer: line continuation', () => {
  const toks = lex('echo a\\\nb \\\n c')
  assert.deepEqual(show(toks), ['echo', 'ab', 'c', 'EOF'])
})

test('lexer: redirection operators and IO numbers', () => {
  assert.deepEqual(show(lex('cmd >f 2>&1 >>g <h 2>/dev/null a2>x 10>y')), [
    'cmd',
    '>',
    'f',
    '2>&',
    '1',
    '>>',
    'g',
    '<',
    'h',
    '2>',
    '/dev/null',
    'a2',
    '>',
    'x',
    '10>',
    'y',
    'EOF',
  ])
})

test('lexer: parameter expansions', () => {
  assert.deepEqual(
    show(lex('$a ${b} ${#c} ${d%a} ${e##*/} ${f:-x y} $1 $10 $@ "$*" $? $$ $! $# $ x$')).slice(0, -1),
    [
      '${a}',
      '${b}',
      '${#c}',
      '${d%a}',
      '${e##*/}',
      '${f:-x y}',
      '${1}',
      '${1}+0',
      '${@}',
      '${*}q',
      '${?}',
      '${$}',
      '${!}',
      '${#}',
      '$',
      'x$',
    ],
  )
  assert.deepEqual(show(lex('"${x%"a b"}"')).slice(0, 1), ["${x%'a b'}q"])
})

test('lexer: command substitution and arithmetic', () => {
  assert.deepEqual(show(lex('a=$(echo x; echo ")") `echo y` "$(b)" $((1 + (2*3)))')).slice(0, -1), [
    'a=+$(2)',
    '$(1)',
    '$(1)q',
    "$(('1 + (2*3)'))",
  ])
  assert.deepEqual(show(lex('$(echo $(echo a) ${x:-)} # )\n)')).slice(0, -1), ['$(1)'])
})

test('lexer: here-documents', () => {
  const toks = lex('cat <<EOF\nhello $x\n\tEOF\nEOF\ncat <<-"E"\n\t$y\n\tE\necho')
  const here = toks
    .filter((t) => t.t === 'op' && t.heredoc)
    .map((t) => (t.t === 'op' ? showWord(t.heredoc!) : ''))
  assert.deepEqual(here, ["'hello '+${x}q+'\n\tEOF\n'", "'$y\n'"])
  assert.equal(show(toks).at(-2), 'echo')
})

test('lexer: errors say whether more input could complete them', () => {
  for (const [src, eof] of [
    ["echo 'abc", true],
    ['echo "abc', true],
    ['echo $(ls', true],
    ['echo ${x', true],
    ['echo `ls', true],
    ['echo ${x!y}', false],
    ['cat <<EOF\nabc', true],
  ] as const) {
    assert.throws(
      () => lex(src),
      (e: unknown) => e instanceof SyntaxErr && e.eof === eof,
      src,
    )
  }
})

test('lexer: line numbers', () => {
  const toks = lex('a\n"b\nc"\nd $(e\nf)\ng')
  assert.deepEqual(
    toks.filter((t) => t.t === 'word').map((t) => t.line),
    [1, 2, 4, 4, 6],
  )
})
