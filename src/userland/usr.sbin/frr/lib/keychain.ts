/**
 * FRR's key chains (lib/keychain.c), shared by the daemons that sign packets: `key chain NAME`, its
 * `key N` entries with `key-string` and `cryptographic-algorithm`, their running configuration,
 * and the lookups a daemon signs and checks with (the lowest-numbered complete key sends, any
 * complete key of the packet's id accepts). Lifetimes (`send-lifetime`, `accept-lifetime`) are not
 * kept: every key is always valid, as FRR's are without them.
 *
 * Must not: know any protocol; every daemon follows these nodes (no `proto`), as in FRR's lib.
 */

import type { CmdSpec, VtySession } from '../vty_cmds.js'

export type KeyAlgo = 'md5' | 'hmac-sha-1' | 'hmac-sha-256' | 'hmac-sha-384' | 'hmac-sha-512'
export const KEY_ALGOS: readonly KeyAlgo[] = [
  'md5',
  'hmac-sha-1',
  'hmac-sha-256',
  'hmac-sha-384',
  'hmac-sha-512',
]

export interface ChainKey {
  id: number
  string?: string
  algo?: KeyAlgo
}

/** Chains by name, each its keys by id. */
export type KeyChains = Map<string, Map<number, ChainKey>>

/** A chain's complete keys (string and algorithm), by ascending id; empty when there is no such chain. */
export function completeKeys(chains: KeyChains, name: string): Array<Required<ChainKey>> {
  const c = chains.get(name)
  if (c === undefined) return []
  const out: Array<Required<ChainKey>> = []
  for (const k of [...c.values()].sort((a, b) => a.id - b.id))
    if (k.string !== undefined && k.algo !== undefined) out.push({ id: k.id, string: k.string, algo: k.algo })
  return out
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

export const KEYCHAIN_COMMANDS: readonly CmdSpec[] = [
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
