/**
 * FRR's command grammar (lib/command.c): the node tree, command patterns (`WORD`, `A.B.C.D/M`,
 * `(1-65535)`, `[optional]`) and unique-prefix keyword matching (`conf t`), with its errors.
 *
 * Must not: run commands or know any daemon's configuration; the tables live with each daemon.
 */

import { parseIpv4 } from '../../../wire/addr.js'
import type { VtySession } from './vty_cmds.js'

export class VtyError extends Error {}

export type Node =
  | 'view'
  | 'enable'
  | 'config'
  | 'rip'
  | 'ospf'
  | 'ripng'
  | 'ospf6'
  | 'bgp'
  | 'bgp-af'
  | 'isis'
  | 'interface'
  | 'keychain'
  | 'keychain-key'
  | 'skip'

type Tok =
  | { k: 'kw'; w: string }
  | { k: 'choice'; ws: readonly string[] }
  | { k: 'ipv4' }
  | { k: 'prefix' }
  | { k: 'num'; lo: number; hi: number }
  | { k: 'word' }
  | { k: 'line' }

export interface Cmd {
  nodes: readonly Node[]
  toks: Tok[]
  run: (s: VtySession, args: string[]) => void
  /** The daemon the command is for (none: zebra's, every daemon runs it). */
  proto?: Proto
}

type Proto = 'rip' | 'ospf' | 'ripng' | 'ospf6' | 'bgp' | 'isis'

/** A command as ospf_cmds.ts lists it (text pattern rather than tokens). */
export interface CmdSpec {
  nodes: readonly Node[]
  text: string
  run: (s: VtySession, args: string[]) => void
  proto?: Proto
}

function pattern(text: string): Tok[] {
  return text.split(' ').map((w): Tok => {
    if (w === 'A.B.C.D') return { k: 'ipv4' }
    if (w === 'A.B.C.D/M') return { k: 'prefix' }
    if (w === 'WORD' || w === 'IFNAME') return { k: 'word' }
    if (w === 'LINE') return { k: 'line' }
    const num = /^\((\d+)-(\d+)\)$/.exec(w)
    if (num !== null) return { k: 'num', lo: Number(num[1]), hi: Number(num[2]) }
    if (w.startsWith('<')) return { k: 'choice', ws: w.slice(1, -1).split('|') }
    return { k: 'kw', w }
  })
}

export function parsePrefix(s: string): { addr: number; len: number } | null {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s)
  if (m === null) return null
  const a = parseIpv4(m[1]!)
  const len = Number(m[2])
  if (a === null || len > 32) return null
  return { addr: a, len }
}

/** How well input token t fits pattern token p: 2 exact, 1 partial (prefix of a keyword), 0 not. */
function fit(p: Tok, t: string): number {
  switch (p.k) {
    case 'kw':
      return p.w === t ? 2 : p.w.startsWith(t) ? 1 : 0
    case 'choice': {
      if (p.ws.includes(t)) return 2
      return p.ws.filter((w) => w.startsWith(t)).length === 1 ? 1 : 0
    }
    case 'ipv4':
      return parseIpv4(t) !== null ? 2 : 0
    case 'prefix':
      return parsePrefix(t) !== null ? 2 : 0
    case 'num': {
      if (!/^\d+$/.test(t)) return 0
      const n = Number(t)
      return n >= p.lo && n <= p.hi ? 2 : 0
    }
    // Below a keyword or an address, so that `network 10.0.0.0/8` is the prefix form, not a name.
    case 'word':
    case 'line':
      return 1
  }
}

function argOf(p: Tok, t: string): string {
  if (p.k === 'choice') return p.ws.includes(t) ? t : p.ws.find((w) => w.startsWith(t))!
  if (p.k === 'kw') return p.w
  return t
}

export const CONFIG_NODES: readonly Node[] = [
  'config',
  'rip',
  'ospf',
  'ripng',
  'ospf6',
  'bgp',
  'bgp-af',
  'isis',
  'interface',
  'keychain',
  'keychain-key',
  'skip',
]

export const UNSUPPORTED_ROUTERS = ['babel', 'eigrp', 'openfabric', 'pim'] as const

type Match = { score: number; args: string[] } | 'incomplete' | null

export function matchCmd(toks: readonly Tok[], words: readonly string[]): Match {
  let score = 0
  const args: string[] = []
  for (let i = 0; i < toks.length; i++) {
    const p = toks[i]!
    if (p.k === 'line') {
      if (i >= words.length) return 'incomplete'
      args.push(words.slice(i).join(' '))
      return { score: score + 2, args }
    }
    const w = words[i]
    if (w === undefined) return i > 0 ? 'incomplete' : null
    const f = fit(p, w)
    if (f === 0) return null
    score += f
    if (p.k !== 'kw') args.push(argOf(p, w))
  }
  return words.length === toks.length ? { score, args } : null
}

export function cmd(
  nodes: readonly Node[],
  text: string,
  run: (s: VtySession, args: string[]) => void,
  proto?: Proto,
): Cmd {
  return proto === undefined
    ? { nodes, toks: pattern(text), run }
    : { nodes, toks: pattern(text), run, proto }
}

export const ALL: readonly Node[] = [
  'view',
  'enable',
  'config',
  'rip',
  'ospf',
  'ripng',
  'ospf6',
  'bgp',
  'bgp-af',
  'isis',
  'interface',
]

export const EXEC: readonly Node[] = ['view', 'enable']

export const SHOW: readonly Node[] = ALL

export const IF_ONLY: readonly Node[] = ['interface']

export const RIP_ONLY: readonly Node[] = ['rip']

export const CONF: readonly Node[] = ['config']
