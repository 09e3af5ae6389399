/**
 * The libxo subset: argument parsing (`--libxo STYLE`, `=`, `:LETTERS`, errors, `--` ends it) and
 * the exact text, JSON (plain and pretty) and XML a sequence of calls makes.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Xo, type XoOpts, xoParseArgs } from './xo.js'

test('xoParseArgs takes --libxo off argv in its three spellings', () => {
  assert.deepEqual(xoParseArgs(['-p', '--libxo', 'json,pretty']), {
    argv: ['-p'],
    opts: { style: 'json', pretty: true },
  })
  assert.deepEqual(xoParseArgs(['--libxo=xml', '-a']), {
    argv: ['-a'],
    opts: { style: 'xml', pretty: false },
  })
  assert.deepEqual(xoParseArgs(['--libxo:JP', 'x']), { argv: ['x'], opts: { style: 'json', pretty: true } })
  assert.deepEqual(xoParseArgs(['-a']), { argv: ['-a'], opts: { style: 'text', pretty: false } })
  assert.deepEqual(xoParseArgs(['--', '--libxo', 'json']).valueOf(), {
    argv: ['--', '--libxo', 'json'],
    opts: { style: 'text', pretty: false },
  })
  assert.equal(xoParseArgs(['--libxo']), 'libxo: missing libxo option')
  assert.equal(xoParseArgs(['--libxo', 'yaml']), "libxo: unknown libxo option value: 'yaml'")
  assert.equal(xoParseArgs(['--libxo:Q']), "libxo: unknown flag: 'Q'")
})

function sample(opts: XoOpts): string {
  let out = ''
  const xo = new Xo((s) => {
    out += s
  }, opts)
  xo.setVersion('1')
  xo.openContainer('tool')
  xo.text('Title\n')
  xo.openList('item')
  for (const n of [1, 2]) {
    xo.openInstance('item')
    xo.field('name', `a<${n}>`, `[a${n}]`)
    xo.text(' ')
    xo.leaf('tags', 'x')
    xo.leaf('tags', 'y')
    xo.encode('count', n * 10)
    xo.encode('ok', true)
    xo.text('\n')
    xo.closeInstance('item')
  }
  xo.closeList('item')
  xo.closeContainer('tool')
  xo.finish()
  return out
}

test('text writes the display text only', () => {
  assert.equal(sample({ style: 'text', pretty: false }), 'Title\n[a1] \n[a2] \n')
})

test('JSON: libxo layout, numbers and booleans bare, strings quoted', () => {
  const j = sample({ style: 'json', pretty: false })
  assert.equal(
    j,
    '{"__version": "1", "tool": {"item": [{"name":"a<1>", "tags": ["x","y"],"count":10,"ok":true}, {"name":"a<2>", "tags": ["x","y"],"count":20,"ok":true}]}}\n',
  )
  assert.deepEqual(JSON.parse(j).tool.item[1], { name: 'a<2>', tags: ['x', 'y'], count: 20, ok: true })
})

test('pretty JSON indents by two; XML carries the version on the first element', () => {
  const p = sample({ style: 'json', pretty: true })
  assert.equal(
    p,
    [
      '{',
      '  "__version": "1", ',
      '  "tool": {',
      '    "item": [',
      '      {',
      '        "name": "a<1>",',
      '        "tags": [',
      '          "x",',
      '          "y"',
      '        ],',
      '        "count": 10,',
      '        "ok": true',
      '      },',
      '      {',
      '        "name": "a<2>",',
      '        "tags": [',
      '          "x",',
      '          "y"',
      '        ],',
      '        "count": 20,',
      '        "ok": true',
      '      }',
      '    ]',
      '  }',
      '}',
      '',
    ].join('\n'),
  )
  assert.equal(JSON.parse(p).tool.item.length, 2)
  assert.equal(
    sample({ style: 'xml', pretty: false }),
    '<tool version="1"><item><name>a&lt;1&gt;</name><tags>x</tags><tags>y</tags><count>10</count><ok>true</ok></item><item><name>a&lt;2&gt;</name><tags>x</tags><tags>y</tags><count>20</count><ok>true</ok></item></tool>\n',
  )
})

test('finish closes what is left open', () => {
  let out = ''
  const xo = new Xo(
    (s) => {
      out += s
    },
    { style: 'json', pretty: false },
  )
  xo.openContainer('a')
  xo.openList('b')
  xo.openInstance('b')
  xo.encode('c', 1)
  xo.finish()
  assert.deepEqual(JSON.parse(out), { a: { b: [{ c: 1 }] } })
})

test('pretty XML indents elements, not lists', () => {
  assert.equal(
    sample({ style: 'xml', pretty: true }),
    [
      '<tool version="1">',
      '  <item>',
      '    <name>a&lt;1&gt;</name>',
      '    <tags>x</tags>',
      '    <tags>y</tags>',
      '    <count>10</count>',
      '    <ok>true</ok>',
      '  </item>',
      '  <item>',
      '    <name>a&lt;2&gt;</name>',
      '    <tags>x</tags>',
      '    <tags>y</tags>',
      '    <count>20</count>',
      '    <ok>true</ok>',
      '  </item>',
      '</tool>',
      '',
    ].join('\n'),
  )
})
