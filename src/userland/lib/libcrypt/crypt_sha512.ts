/**
 * crypt(3)'s `$6$` method (SHA-512 crypt, Ulrich Drepper's specification), FreeBSD's default
 * passwd_format: what pw(8) stores in master.passwd and what a POP3 or login daemon compares a
 * typed password against. Written from the specification; the SHA-512 itself is @noble/hashes'.
 * Pure: no I/O, no state; a salt with no `$6$` prefix gives null (the caller's "bad hash").
 */

import { sha512 } from '@noble/hashes/sha2.js'
import { utf8Encode } from '../../../util/utf8.js'

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const ROUNDS_DEFAULT = 5000
const ROUNDS_MIN = 1000
const ROUNDS_MAX = 999_999_999
const SALT_MAX = 16

/** The byte triples of the final digest, in the order the specification encodes them. */
const ORDER: ReadonlyArray<readonly [number, number, number]> = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
]

function utf8(s: string): Uint8Array {
  return utf8Encode(s)
}

/** `len` bytes of `block` repeated. */
function stretch(block: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len)
  for (let i = 0; i < len; i += block.length) out.set(block.subarray(0, Math.min(block.length, len - i)), i)
  return out
}

function b64(w: number, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) {
    s += ITOA64[w & 0x3f]
    w >>>= 6
  }
  return s
}

/**
 * crypt(key, setting) for a `$6$[rounds=N$]salt[$...]` setting: the full hash string, or null when
 * the setting is not a `$6$` one.
 */
export function cryptSha512(key: string, setting: string): string | null {
  if (!setting.startsWith('$6$')) return null
  let rest = setting.slice(3)
  let rounds = ROUNDS_DEFAULT
  let custom = false
  const m = /^rounds=(\d+)\$/.exec(rest)
  if (m !== null) {
    rounds = Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, Number(m[1])))
    custom = true
    rest = rest.slice(m[0].length)
  }
  const end = rest.indexOf('$')
  const saltText = (end < 0 ? rest : rest.slice(0, end)).slice(0, SALT_MAX)
  const k = utf8(key)
  const salt = utf8(saltText)

  const b = sha512.create().update(k).update(salt).update(k).digest()
  const actx = sha512.create().update(k).update(salt)
  let cnt = k.length
  for (; cnt > 64; cnt -= 64) actx.update(b)
  actx.update(b.subarray(0, cnt))
  for (cnt = k.length; cnt > 0; cnt >>= 1) actx.update(cnt & 1 ? b : k)
  let a = actx.digest()

  const dp = sha512.create()
  for (let i = 0; i < k.length; i++) dp.update(k)
  const p = stretch(dp.digest(), k.length)
  const ds = sha512.create()
  for (let i = 0; i < 16 + a[0]!; i++) ds.update(salt)
  const s = stretch(ds.digest(), salt.length)

  for (let i = 0; i < rounds; i++) {
    const c = sha512.create()
    c.update(i & 1 ? p : a)
    if (i % 3 !== 0) c.update(s)
    if (i % 7 !== 0) c.update(p)
    c.update(i & 1 ? a : p)
    a = c.digest()
  }

  let out = `$6$${custom ? `rounds=${rounds}$` : ''}${saltText}$`
  for (const [x, y, z] of ORDER) out += b64((a[x]! << 16) | (a[y]! << 8) | a[z]!, 4)
  out += b64(a[63]!, 2)
  return out
}

/** Whether `key` matches the stored `$6$` hash (a locked `*` or empty-salt entry never does). */
export function checkSha512(key: string, stored: string): boolean {
  const h = cryptSha512(key, stored)
  return h !== null && h === stored
}

/** A new setting with a 16-character salt drawn from `random` (bytes from getrandom). */
export function newSha512Setting(random: Uint8Array): string {
  let salt = ''
  for (let i = 0; i < SALT_MAX; i++) salt += ITOA64[(random[i] ?? 0) & 0x3f]
  return `$6$${salt}`
}
