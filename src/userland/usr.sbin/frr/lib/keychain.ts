/**
 * FRR's key chains (lib/keychain.c), shared by the daemons that sign packets: `key chain NAME`, its
 * `key N` entries with `key-string`, `cryptographic-algorithm` and the lifetimes `send-lifetime` and
 * `accept-lifetime` (`HH:MM:SS DAY MONTH YEAR` or `HH:MM:SS MONTH DAY YEAR`, then `infinite`,
 * `duration N` seconds or an end time the same way), their running configuration, and the lookups a
 * daemon signs and checks with: the lowest-numbered complete key whose send lifetime holds now
 * sends (FRR's key_lookup_for_send), any complete key of the packet's id whose accept lifetime holds
 * accepts; a key without a lifetime is always valid. Now is the host clock as `date` shows it
 * (seconds since the epoch; a lab starts at 1970-01-01 00:00:00 UTC), so years from 1970 are taken
 * where FRR, whose clock is the machine's, takes 1993 to 2035; times are UTC.
 *
 * Must not: know any protocol; every daemon follows these nodes (no `proto`), as in FRR's lib.
 */

import { civilTime, MONTH_FULL_NAMES, MONTH_NAMES } from '../../../../util/civil_time.js'
import type { CmdSpec, VtySession } from '../vty_cmds.js'

export type KeyAlgo = 'md5' | 'hmac-sha-1' | 'hmac-sha-256' | 'hmac-sha-384' | 'hmac-sha-512'
export const KEY_ALGOS: readonly KeyAlgo[] = [
  'md5',
  'hmac-sha-1',
  'hmac-sha-256',
  'hmac-sha-384',
  'hmac-sha-512',
]

/** A lifetime: from `start` to `end` inclusive (seconds since the epoch; null: infinite). */
export interface KeyRange {
  start: number
  end: number | null
  /** Given as `duration N` (and written back so). */
  duration: boolean
}

export interface ChainKey {
  id: number
  string?: string
  algo?: KeyAlgo
  send?: KeyRange
  accept?: KeyRange
}

/** Whether lifetime r (none: always) holds at `now` seconds (lib/keychain.c's test). */
export function keyLive(r: KeyRange | undefined, now: number): boolean {
  return r === undefined || (r.start <= now && (r.end === null || r.end >= now))
}

/** Chains by name, each its keys by id. */
export type KeyChains = Map<string, Map<number, ChainKey>>

export interface UsableKey {
  id: number
  string: string
  algo: KeyAlgo
}

/**
 * A chain's complete keys (string and algorithm) by ascending id — those whose `use` lifetime holds
 * at `now` seconds when given; empty when there is no such chain.
 */
export function completeKeys(
  chains: KeyChains,
  name: string,
  use?: { lifetime: 'send' | 'accept'; now: number },
): UsableKey[] {
  const c = chains.get(name)
  if (c === undefined) return []
  const out: UsableKey[] = []
  for (const k of [...c.values()].sort((a, b) => a.id - b.id)) {
    if (k.string === undefined || k.algo === undefined) continue
    if (use !== undefined && !keyLive(k[use.lifetime], use.now)) continue
    out.push({ id: k.id, string: k.string, algo: k.algo })
  }
  return out
}

/**
 * `HH:MM:SS`, day, month (three letters or more of its English name) and year as seconds since the
 * epoch (UTC; a day past the month's end runs into the next, as mktime(3) does), or null.
 */
export function keyTime(hms: string, day: string, month: string, year: string): number | null {
  const m = /^(\d+):(\d+):(\d+)$/.exec(hms)
  if (m === null) return null
  const [h, mi, se] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (h > 23 || mi > 59 || se > 59) return null
  const d = Number(day)
  if (!/^\d+$/.test(day) || d < 1 || d > 31) return null
  const mo = month.length >= 3 ? MONTH_FULL_NAMES.findIndex((n) => n.startsWith(month)) : -1
  if (mo < 0) return null
  return Date.UTC(Number(year), mo, d, h, mi, se) / 1000
}

/** FRR's `%T %b %d %Y` of a lifetime's time. */
function keyTimeText(secs: number): string {
  const t = civilTime(secs)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(t.hour)}:${p(t.minute)}:${p(t.second)} ${MONTH_NAMES[t.month - 1]} ${p(t.day)} ${t.year}`
}

function lifetimeText(r: KeyRange): string {
  const end = r.end === null ? 'infinite' : r.duration ? `duration ${r.end - r.start}` : keyTimeText(r.end)
  return `${keyTimeText(r.start)} ${end}`
}

/** `key chain` blocks of `show running-config`, as FRR writes them. */
export function keychainRunningConfig(chains: KeyChains): string[] {
  const lines: string[] = []
  for (const [name, keys] of chains) {
    lines.push(`key chain ${name}`)
    for (const k of [...keys.values()].sort((a, b) => a.id - b.id)) {
      lines.push(` key ${k.id}`)
      if (k.string !== undefined) lines.push(`  key-string ${k.string}`)
      if (k.algo !== undefined) lines.push(`  cryptographic-algorithm ${k.algo}`)
      if (k.accept !== undefined) lines.push(`  accept-lifetime ${lifetimeText(k.accept)}`)
      if (k.send !== undefined) lines.push(`  send-lifetime ${lifetimeText(k.send)}`)
      lines.push(' exit')
    }
    lines.push('exit', '!')
  }
  return lines
}

function key(s: VtySession): ChainKey {
  const k = s.state.keychains.get(s.keychain)?.get(s.keyId)
  if (k === undefined) s.fail('Key chain key is gone')
  return k
}

function changed(s: VtySession): void {
  s.ospf?.changed()
}

/** FRR's years (1993-2035) from the lab clock's first (1970). */
const YEAR = '(1970-2035)'
/** The two orders FRR takes a date in; `args` puts the words in (time, day, month, year) order. */
const DATES = [
  { text: `WORD (1-31) WORD ${YEAR}`, args: (a: string[]) => [a[0]!, a[1]!, a[2]!, a[3]!] },
  { text: `WORD WORD (1-31) ${YEAR}`, args: (a: string[]) => [a[0]!, a[2]!, a[1]!, a[3]!] },
] as const

function when(s: VtySession, a: readonly string[]): number {
  const t = keyTime(a[0]!, a[1]!, a[2]!, a[3]!)
  if (t === null) s.fail('Malformed time value')
  return t
}

function setLifetime(s: VtySession, which: 'send' | 'accept', r: KeyRange): void {
  key(s)[which] = r
  changed(s)
}

/** `accept-lifetime` and `send-lifetime` in each of FRR's forms, and their `no`. */
function lifetimeCommands(which: 'send' | 'accept'): CmdSpec[] {
  const out: CmdSpec[] = []
  const kw = `${which}-lifetime`
  const node = ['keychain-key'] as const
  for (const d of DATES) {
    out.push({
      nodes: node,
      text: `${kw} ${d.text} infinite`,
      run: (s, a) => setLifetime(s, which, { start: when(s, d.args(a)), end: null, duration: false }),
    })
    out.push({
      nodes: node,
      text: `${kw} ${d.text} duration (1-2147483646)`,
      run(s, a) {
        const start = when(s, d.args(a))
        setLifetime(s, which, { start, end: start + Number(a[4]), duration: true })
      },
    })
    for (const e of DATES)
      out.push({
        nodes: node,
        text: `${kw} ${d.text} ${e.text}`,
        run(s, a) {
          const start = when(s, d.args(a))
          const end = when(s, e.args(a.slice(4)))
          if (end <= start) s.fail('Expire time is not later than start time')
          setLifetime(s, which, { start, end, duration: false })
        },
      })
  }
  out.push({
    nodes: node,
    text: `no ${kw}`,
    run(s) {
      delete key(s)[which]
      changed(s)
    },
  })
  return out
}

export const KEYCHAIN_COMMANDS: readonly CmdSpec[] = [
  ...lifetimeCommands('accept'),
  ...lifetimeCommands('send'),
  {
    nodes: ['config'],
    text: 'key chain WORD',
    run(s, [name]) {
      if (!s.state.keychains.has(name!)) s.state.keychains.set(name!, new Map())
      s.keychain = name!
      s.node = 'keychain'
    },
  },
  {
    nodes: ['config'],
    text: 'no key chain WORD',
    run(s, [name]) {
      if (!s.state.keychains.delete(name!)) s.fail(`Can't find keychain ${name}`)
      changed(s)
    },
  },
  {
    nodes: ['keychain', 'keychain-key'],
    text: 'key (0-2147483647)',
    run(s, [id]) {
      const c = s.state.keychains.get(s.keychain)!
      const n = Number(id)
      if (!c.has(n)) c.set(n, { id: n })
      s.keyId = n
      s.node = 'keychain-key'
    },
  },
  {
    nodes: ['keychain', 'keychain-key'],
    text: 'no key (0-2147483647)',
    run(s, [id]) {
      const c = s.state.keychains.get(s.keychain)!
      if (!c.delete(Number(id))) s.fail(`Can't find key ${id}`)
      s.node = 'keychain'
      changed(s)
    },
  },
  {
    nodes: ['keychain-key'],
    text: 'key-string LINE',
    run(s, [str]) {
      key(s).string = str!
      changed(s)
    },
  },
  {
    nodes: ['keychain-key'],
    text: 'no key-string',
    run(s) {
      delete key(s).string
      changed(s)
    },
  },
  {
    nodes: ['keychain-key'],
    text: `cryptographic-algorithm <${KEY_ALGOS.join('|')}>`,
    run(s, [a]) {
      key(s).algo = a as KeyAlgo
      changed(s)
    },
  },
  {
    nodes: ['keychain-key'],
    text: 'no cryptographic-algorithm',
    run(s) {
      delete key(s).algo
      changed(s)
    },
  },
  {
    nodes: ['keychain-key'],
    text: 'exit',
    run(s) {
      s.node = 'keychain'
    },
  },
  {
    nodes: ['keychain'],
    text: 'exit',
    run(s) {
      s.node = 'config'
    },
  },
]
