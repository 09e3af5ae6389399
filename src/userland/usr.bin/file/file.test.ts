/**
 * file(1)'s descriptions: pcap headers in both byte orders and both time-stamp precisions (link
 * type and snap length read from the header), pcapng, text kinds, empty files, directories and
 * missing files, through the shell.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { shOnHost } from '../../../testing/shell.js'
import { describe } from './file.js'

function header(magic: number, le: boolean, linktype: number, snaplen: number): string {
  const b = new Uint8Array(24)
  const v = new DataView(b.buffer)
  v.setUint32(0, magic, le)
  v.setUint16(4, 2, le)
  v.setUint16(6, 4, le)
  v.setUint32(16, snaplen, le)
  v.setUint32(20, linktype, le)
  return String.fromCharCode(...b)
}

test('pcap headers: byte order, time stamps, version, link type and capture length', () => {
  assert.equal(
    describe(header(0xa1b2c3d4, true, 1, 262144)),
    'pcap capture file, microsecond ts (little-endian) - version 2.4 (Ethernet, capture length 262144)',
  )
  assert.equal(
    describe(header(0xa1b2c3d4, false, 0, 65535)),
    'pcap capture file, microseconds ts (big-endian) - version 2.4 (No link-layer encapsulation, capture length 65535)',
  )
  assert.equal(
    describe(header(0xa1b23c4d, true, 999, 1500)),
    'pcap capture file, nanosecond ts (little-endian) - version 2.4 (linktype#999, capture length 1500)',
  )
  // Too short for a pcap header: just bytes.
  assert.equal(describe(header(0xa1b2c3d4, true, 1, 1).slice(0, 20)), 'data')
  const ng = new Uint8Array(16)
  const v = new DataView(ng.buffer)
  v.setUint32(0, 0x0a0d0d0a, true)
  v.setUint32(8, 0x1a2b3c4d, true)
  v.setUint16(12, 1, true)
  assert.equal(describe(String.fromCharCode(...ng)), 'pcapng capture file - version 1.0')
})

test('text, scripts, JSON, UTF-8, CRLF, empty and binary contents', () => {
  assert.equal(describe(''), 'empty')
  assert.equal(describe('hello\n'), 'ASCII text')
  assert.equal(describe('hello'), 'ASCII text, with no line terminators')
  assert.equal(describe('a\r\nb\r\n'), 'ASCII text, with CRLF line terminators')
  assert.equal(describe('#!/bin/sh\necho hi\n'), 'POSIX shell script, ASCII text executable')
  assert.equal(describe('{ "a": [1, 2] }\n'), 'JSON text data')
  assert.equal(describe('{ not json\n'), 'ASCII text')
  // UTF-8 bytes of "čšž" as a node's file holds them (a character per byte).
  assert.equal(describe('\xc4\x8d\xc5\xa1\xc5\xbe\n'), 'Unicode text, UTF-8 text')
  assert.equal(describe('\xc4\n'), 'data')
  assert.equal(describe('\xc4'), 'data') // cut short at the end
  assert.equal(describe('\xc0\xaf\n'), 'data') // an overlong '/'
  assert.equal(describe('\xed\xa0\x80\n'), 'data') // a surrogate
  assert.equal(describe('\xf0\x9f\x98\x80\n'), 'Unicode text, UTF-8 text')
  assert.equal(describe('\x00\x01\x02'), 'data')
  assert.equal(describe('\x1f\x8b\x08\x00'), 'gzip compressed data')
})

test('file on files of the shell: names, -b, directories, missing files, -E', async () => {
  const r = await shOnHost(`printf 'x\\n' > /tmp/t
: > /tmp/e
file /tmp/t /tmp/e /tmp /nope; echo rc=$?
file -b /tmp/t
file -E /nope; echo rc=$?
file; echo rc=$?`)
  assert.equal(
    r.out,
    "/tmp/t: ASCII text\n/tmp/e: empty\n/tmp: directory\n/nope: cannot open `/nope' (No such file or directory)\nrc=0\nASCII text\nrc=1\nrc=1\n",
  )
  assert.match(r.err, /^file: cannot open `\/nope' \(No such file or directory\)\nUsage: file /)
})
