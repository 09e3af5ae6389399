/**
 * ifconfig's geneve(4) part (sbin/ifconfig/ifgeneve.c): `genevemode l2|l3` at creation, and the
 * words that each send one setting to the kernel in command-line order (`geneveid`, `genevelocal`,
 * `geneveremote`, `genevegroup`, ports and port range, `genevettl`, `genevedf`, learning, flushing,
 * table size and timeout, `genevedev`, `geneveexternal`), with ifgeneve.c's messages for bad
 * values; and the `geneve mode:` / `geneve config:` status block (`-v` adds the settings, the
 * forwarding table and the offload counters), exactly as geneve_status_nl prints it.
 *
 * Must not: call the kernel while parsing (the whole line is checked before anything changes).
 */

import type { GeneveAddr, GeneveInfo, GeneveParams } from '../../../host/syscalls.js'
import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { CmdError } from '../../common.js'
import { strtol } from '../../getopt.js'

/** GENEVE_PROTO_ETHER and GENEVE_PROTO_INHERIT (net/if_geneve.h). */
export const GENEVE_PROTO_ETHER = 0x6558
export const GENEVE_PROTO_INHERIT = 0
const VNI_MAX = 1 << 24
const UINT16_MAX = 65535
/** IFLA_GENEVE_DF_UNSET, _SET, _INHERIT. */
const DF = { unset: 0, set: 1, inherit: 2 } as const

/** get_val: strtoul with base 0, the whole word. */
function getVal(s: string): number | null {
  const n = strtol(s)
  return n !== null && n >= 0 ? n : null
}

/** getaddrinfo on a numeric address (IPv4 or IPv6): the only kind VirtNet resolves here. */
function addr(kind: string, s: string): GeneveAddr {
  const a4 = parseIpv4(s)
  if (a4 !== null) return { af: 4, a4, a6: new Uint8Array(16) }
  const a6 = parseIpv6(s)
  if (a6 !== null) return { af: 6, a4: 0, a6 }
  throw new CmdError(`error in parsing ${kind} address string: Name does not resolve`)
}

function isMulticast(a: GeneveAddr): boolean {
  return a.af === 4 ? a.a4 >>> 28 === 0xe : a.a6[0] === 0xff
}

/**
 * Parse the geneve word at words[i]; returns how many words it used (0 when words[i] is not one).
 * `set` receives each kernel request in order, `mode` the creation mode.
 */
export function parseGeneveWord(
  words: readonly string[],
  i: number,
  set: (p: GeneveParams) => void,
  mode: (proto: number) => void,
): number {
  const w = words[i]!
  const arg = (n = 1): string => {
    const v = words[i + n]
    if (v === undefined) throw new CmdError(`'${w}' requires argument`)
    return v
  }
  switch (w) {
    case 'genevemode': {
      const m = arg()
      if (m !== 'l2' && m !== 'l3') throw new CmdError(`invalid inner protocol: ${m}`)
      mode(m === 'l2' ? GENEVE_PROTO_ETHER : GENEVE_PROTO_INHERIT)
      return 2
    }
    case 'geneveid': {
      const v = getVal(arg())
      if (v === null || v >= VNI_MAX) throw new CmdError(`invalid network identifier: ${arg()}`)
      set({ vni: v })
      return 2
    }
    case 'genevelocal': {
      const a = addr('local', arg())
      if (isMulticast(a)) throw new CmdError('local address cannot be multicast')
      set({ local: a })
      return 2
    }
    case 'geneveremote': {
      const a = addr('remote', arg())
      if (isMulticast(a)) throw new CmdError('remote address cannot be multicast')
      set({ remote: a })
      return 2
    }
    case 'genevegroup': {
      // ifgeneve.c's message says "local" here too.
      const a = addr('local', arg())
      if (!isMulticast(a)) throw new CmdError('group address must be multicast')
      set({ remote: a })
      return 2
    }
    case 'genevelocalport':
    case 'geneveremoteport': {
      const local = w === 'genevelocalport'
      const v = getVal(arg())
      if (v === null || v >= UINT16_MAX)
        throw new CmdError(`invalid ${local ? 'local' : 'remote'} port: ${arg()}`)
      set(local ? { localPort: v } : { remotePort: v })
      return 2
    }
    case 'geneveportrange': {
      const lo = getVal(arg(1))
      if (lo === null || lo >= UINT16_MAX) throw new CmdError(`invalid port range minimum: ${arg(1)}`)
      const hi = getVal(arg(2))
      if (hi === null || hi >= UINT16_MAX) throw new CmdError(`invalid port range maximum: ${arg(2)}`)
      if (hi < lo) throw new CmdError('invalid port range')
      set({ portRange: [lo, hi] })
      return 3
    }
    case 'genevetimeout':
    case 'genevemaxaddr': {
      const timeout = w === 'genevetimeout'
      const v = getVal(arg())
      if (v === null || v > 0xffffffff)
        throw new CmdError(`invalid ${timeout ? 'timeout' : 'maxaddr'} value: ${arg()}`)
      set(timeout ? { ftableTimeout: v } : { ftableMax: v })
      return 2
    }
    case 'genevedev':
      set({ mcIfname: arg() })
      return 2
    case 'genevettl': {
      const s = arg()
      const v = getVal(s)
      // ifgeneve.c takes 0 to 256 (256 wraps to 0 in the 8-bit attribute), or `inherit`.
      if (v !== null && v <= 256) set({ ttl: v & 0xff, ttlInherit: false })
      else if (s === 'inherit') set({ ttlInherit: true })
      else throw new CmdError(`invalid TTL value: ${s}`)
      return 2
    }
    case 'genevedf': {
      const s = arg()
      if (s !== 'set' && s !== 'inherit' && s !== 'unset') throw new CmdError(`invalid df value: ${s}`)
      set({ df: DF[s] })
      return 2
    }
    case 'genevedscpinherit':
    case '-genevedscpinherit':
      set({ dscpInherit: w === 'genevedscpinherit' })
      return 1
    case 'genevelearn':
    case '-genevelearn':
      set({ learn: w === 'genevelearn' })
      return 1
    case 'geneveflush':
    case 'geneveflushall':
      set({ flush: w === 'geneveflush' })
      return 1
    case 'geneveexternal':
    case '-geneveexternal':
      set({ external: w === 'geneveexternal' })
      return 1
  }
  return 0
}

function fmt(a: GeneveAddr): string {
  return a.af === 4 ? formatIpv4(a.a4) : formatIpv6(a.a6)
}

/** geneve_status_nl, line for line. */
export function geneveStatusLines(g: GeneveInfo, verbose: boolean): string[] {
  const lines = [`\tgeneve mode: ${g.proto === GENEVE_PROTO_INHERIT ? 'l3' : 'l2'}`, '\tgeneve config:']
  // Just report nothing if the network identity isn't set yet.
  if (g.vni >= VNI_MAX) {
    lines.push('\t\tvirtual network identifier (vni): not configured')
    return lines
  }
  // Brackets follow the remote's family; both end points show the local port, as ifgeneve.c does.
  const v6 = g.remote.af === 6
  const br = (s: string): string => (v6 ? `[${s}]` : s)
  const mc = g.remote.af !== 0 && isMulticast(g.remote)
  let s = `\t\tvirtual network identifier (vni): ${g.vni}`
  if (g.local.af !== 0) s += `\n\t\tlocal: ${br(fmt(g.local))}:${g.localPort}`
  if (g.remote.af !== 0) {
    s += `\n\t\t${mc ? 'group' : 'remote'}: ${br(fmt(g.remote))}:${g.localPort}`
    if (mc) s += `, dev: ${g.mcIfname}`
  }
  if (verbose) {
    s += `\n\t\tportrange: ${g.portMin}-${g.portMax}`
    s += g.ttlInherit ? ', ttl: inherit' : `, ttl: ${g.ttl}`
    if (g.dscpInherit) s += ', dscp: inherit'
    s += g.df === DF.inherit ? ', df: inherit' : g.df === DF.set ? ', df: set' : ', df: unset'
    if (g.external) s += ', externally controlled'
    if (g.proto === GENEVE_PROTO_ETHER) {
      s += `\n\t\tftable mode: ${g.learn ? '' : 'no'}learning`
      s += `, count: ${g.ftableCount}, max: ${g.ftableMax}, timeout: ${g.ftableTimeout}`
      s += `, nospace: ${g.ftableNospace}`
    }
    // No hardware offload in VirtNet: the counters stay 0.
    s += '\n\t\tstats: tso 0, txcsum 0, rxcsum 0'
  }
  lines.push(s)
  return lines
}
