import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { SyntaxErr } from './lexer.js'
import { type List, type Node, parse, type Word } from './parser.js'

/** Renders a tree as compact s-expression-like text so expectations stay readable. */
function w(word: Word): string {
  return word.parts
    .map((p) => (p.type === 'lit' ? p.text : p.type === 'param' ? `$${p.name}` : `$(..)`))
    .join('')
}

function show(n: Node): string {
  switch (n.type) {
    case 'list':
      return n.items.map((i) => show(i.node) + (i.bg ? ' &' : '')).join('; ')
    case 'simple': {
      const parts = [
        ...n.assigns.map((a) => `${a.name}=${w(a.value)}`),
        ...n.words.map(w),
        ...n.redirs.map((r) => `${r.fd ?? ''}${r.op}${w(r.target)}`),
      ]
      return parts.join(' ')
    }
    case 'pipeline':
      return (n.bang ? '! ' : '') + n.cmds.map(show).join(' | ')
    case 'andor':
      return [show(n.first), ...n.rest.map((r) => `${r.op} ${show(r.node)}`)].join(' ')
    case 'group':
      return `{ ${show(n.body)} }${n.redirs.map((r) => ` ${r.op}${w(r.target)}`).join('')}`
    case 'subshell':
      return `( ${show(n.body)} )`
    case 'if':
      return `if ${n.clauses.map((c) => `[${show(c.cond)}] then [${show(c.body)}]`).join(' elif ')}${n.else ? ` else [${show(n.else)}]` : ''} fi`
    case 'loop':
      return `${n.until ? 'until' : 'while'} [${show(n.cond)}] do [${show(n.body)}]`
    case 'for':
      return `for ${n.name}${n.words ? ` in ${n.words.map(w).join(' ')}` : ''} do [${show(n.body)}]`
    case 'case':
      return `case ${w(n.word)} ${n.items.map((i) => `${i.patterns.map(w).join('|')}) [${show(i.body)}]`).join(' ')}`
    case 'func':
      return `${n.name}() ${show(n.body)}`
  }
}

const p = (src: string) => show(parse(src))

test('parser: simple commands, assignments and redirections', () => {
  assert.equal(p('a=1 b=$x cmd c=2 >out 2>&1'), 'a=1 b=$x cmd c=2 >out 2>&1')
  assert.equal(p('x=1'), 'x=1')
  assert.equal(p('>f'), '>f')
  assert.equal(p("'a'=1 cmd"), 'a=1 cmd') // a quoted name is not an assignment: it is the command
  const l = parse("'a'=1") as List
  const s = l.items[0].node
  assert.ok(s.type === 'simple' && s.assigns.length === 0 && s.words.length === 1)
})

test('parser: lists, and-or lists, pipelines, background', () => {
  assert.equal(p('a; b & c\nd'), 'a; b &; c; d')
  assert.equal(p('a && b || c'), 'a && b || c')
  assert.equal(p('! a | b | c'), '! a | b | c')
  assert.equal(p('a |\n b &&\n c'), 'a | b && c')
  assert.equal(p('\n\n a \n\n'), 'a')
  assert.equal(p(''), '')
  assert.equal(p('# only a comment'), '')
})

test('parser: compound commands', () => {
  assert.equal(p('if a; then b; elif c\nthen d; else e; fi'), 'if [a] then [b] elif [c] then [d] else [e] fi')
  assert.equal(p('while a; do b; done'), 'while [a] do [b]')
  assert.equal(p('until a\ndo\nb\ndone'), 'until [a] do [b]')
  assert.equal(p('for x in a "b c" $d; do echo $x; done'), 'for x in a b c $d do [echo $x]')
  assert.equal(p('for x do echo; done'), 'for x do [echo]')
  assert.equal(p('for x\nin a\ndo :; done'), 'for x in a do [:]')
  assert.equal(p('{ a; b; } >f'), '{ a; b } >f')
  assert.equal(p('(a; b)'), '( a; b )')
  assert.equal(
    p('case $x in\n a|b) echo 1;;\n (c*) echo 2 ;;\n *) ;;\nesac'),
    'case $x a|b) [echo 1] c*) [echo 2] *) []',
  )
  assert.equal(p('case x in a) b\nesac'), 'case x a) [b]')
  assert.equal(p('f() { echo $1; }'), 'f() { echo $1 }')
  assert.equal(p('f()\n(echo)'), 'f() ( echo )')
})

test('parser: reserved words only where a command starts', () => {
  assert.equal(p('echo if then fi }'), 'echo if then fi }')
  assert.equal(p('echo a; if true; then echo done; fi'), 'echo a; if [true] then [echo done] fi')
})

test('parser: nested command substitution is parsed with the script', () => {
  const l = parse('echo $(if true; then echo a; fi)')
  const s = l.items[0].node
  assert.ok(s.type === 'simple')
  const part = s.words[1].parts[0]
  assert.ok(part.type === 'cmd')
  assert.equal(show(part.body), 'if [true] then [echo a] fi')
})

test('parser: syntax errors carry a line number and whether more input could help', () => {
  const cases: [string, number, boolean, RegExp][] = [
    ['echo a\nfi', 2, false, /unexpected token `fi'/],
    ['if true; then', 1, true, /unexpected end of file/],
    ['echo a;;', 1, false, /`;;'/],
    ['a && ', 1, true, /end of file/],
    ['a | | b', 1, false, /`\|'/],
    ['(a', 1, true, /end of file/],
    ['a )', 1, false, /`\)'/],
    ['{ a }', 1, true, /end of file/],
    ['f() echo', 1, false, /unexpected/],
    ['for 1x in a; do :; done', 1, false, /`1x'/],
    ['case a in b) x;; c', 1, true, /end of file/],
    ['if then fi', 1, false, /`then'/],
    ['echo >', 1, true, /end of file/],
    ['\n\nwhile :; do\ndone', 4, false, /`done'/],
    ['echo $(fi)', 1, false, /`fi'/],
  ]
  for (const [src, line, eof, re] of cases) {
    assert.throws(
      () => parse(src),
      (e: unknown) => e instanceof SyntaxErr && e.line === line && e.eof === eof && re.test(e.message),
      src,
    )
  }
})

test('parser: random input either parses or throws SyntaxErr, never anything else', () => {
  const chars = [
    ...'ab =$#{}()[]|&;<>\'"`\\\n\t*?!%:-+0129',
    'if ',
    'then ',
    'fi ',
    'case ',
    'esac ',
    'do ',
    'done ',
    '<<E\n',
    'E\n',
    '$((',
    '))',
    '${',
    '$(',
  ]
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 40 }), (parts) => {
      try {
        parse(parts.join(''))
      } catch (e) {
        if (!(e instanceof SyntaxErr)) throw e
      }
    }),
    { numRuns: 3000 },
  )
})
