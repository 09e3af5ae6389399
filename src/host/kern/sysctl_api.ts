/**
 * sysctl(3) behind KernelApi: the host's oids (host and per-vnet knobs alike) read in the caller's
 * vnet, written with PRIV_SYSCTL_WRITE or, for a vnet knob in a jail with its own stack,
 * PRIV_SYSCTL_WRITEJAIL; and the per-protocol statistics netstat -s reads.
 *
 * Must not: let a jail write a host-wide knob, or a value the oid's parser refuses.
 */

import { Priv } from '../../jail/priv.js'
import { parseSysctlValue, type SysctlDecl } from '../../stack/net/sysctl.js'
import { arp as arpState } from '../../stack/netinet/arp/arp.js'
import { carpVnet } from '../../stack/netinet/carp/carp_var.js'
import { icmp } from '../../stack/netinet/icmp.js'
import { igmpVnet } from '../../stack/netinet/igmp/igmp_var.js'
import { ip } from '../../stack/netinet/ip/ip.js'
import { mrouteVnet } from '../../stack/netinet/ip_mroute/ip_mroute_var.js'
import { tcp } from '../../stack/netinet/tcp/tcp_var.js'
import { udp } from '../../stack/netinet/udp.js'
import { SysError } from '../../util/errno.js'
import type { ProtoName, SysctlInfo } from '../syscalls.js'
import type { Caller } from './caller.js'

function sysctlInfo(c: Caller, d: SysctlDecl): SysctlInfo {
  return {
    name: d.name,
    value: d.get(c.vnet, c),
    description: d.descr,
    kind: d.kind,
    ...(d.kind === 'int' ? { ctype: d.ctype ?? 'int' } : {}),
    writable: d.set !== undefined,
  }
}

export function sysctlList(c: Caller, prefix?: string): SysctlInfo[] {
  const out: SysctlInfo[] = []
  for (const d of c.host.sysctls.values())
    if (prefix === undefined || d.name === prefix || d.name.startsWith(`${prefix}.`))
      out.push(sysctlInfo(c, d))
  if (prefix !== undefined && out.length === 0)
    throw new SysError('ENOENT', 'sysctl', `unknown oid '${prefix}'`)
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

export function sysctlGet(c: Caller, name: string): SysctlInfo {
  const d = c.host.sysctls.get(name)
  if (d === undefined) throw new SysError('ENOENT', 'sysctl', `unknown oid '${name}'`)
  return sysctlInfo(c, d)
}

export function sysctlSet(c: Caller, name: string, value: string): SysctlInfo {
  const d = c.host.sysctls.get(name)
  if (d === undefined) throw new SysError('ENOENT', 'sysctl', `unknown oid '${name}'`)
  // Vnet knobs are the jail's own when it has a vnet (CTLFLAG_VNET + PRIV_SYSCTL_WRITEJAIL).
  c.priv(d.scope === 'vnet' && c.cred.prison.ownsVnet ? Priv.SYSCTL_WRITEJAIL : Priv.SYSCTL_WRITE, 'sysctl')
  if (d.set === undefined) throw new SysError('EPERM', 'sysctl', `oid '${name}' is read only`)
  const parsed = parseSysctlValue(d, value)
  d.set(c.vnet, parsed)
  return sysctlInfo(c, d)
}

export function protoStats(c: Caller, proto: ProtoName): ReadonlyArray<readonly [string, number]> {
  const v = c.vnet
  const flat = (o: object): Array<readonly [string, number]> => {
    const out: Array<readonly [string, number]> = []
    for (const [k, val] of Object.entries(o)) {
      if (typeof val === 'number') out.push([k, val])
      else if (Array.isArray(val))
        for (const [i, n] of (val as number[]).entries()) if (n !== 0) out.push([`${k}[${i}]`, n])
    }
    return out
  }
  switch (proto) {
    case 'ip':
      return flat(ip(v).stats)
    case 'icmp':
      return flat(icmp(v).stats)
    case 'igmp':
      return flat(igmpVnet(v).stats)
    case 'arp':
      return flat(arpState(v).stats)
    case 'udp':
      return flat(udp(v).stats)
    case 'carp':
      // net.inet.carp.stats exists only while the module is loaded.
      if (!c.host.kld.loaded('carp')) throw new SysError('ENOENT', 'sysctl')
      return flat(carpVnet(v).stats)
    case 'mroute':
      // net.inet.ip.mrtstat exists only while ip_mroute is loaded.
      if (!c.host.kld.loaded('ip_mroute')) throw new SysError('ENOENT', 'sysctl')
      return flat(mrouteVnet(v).stats)
    case 'tcp': {
      const t = tcp(v)
      const out = flat(t.stats)
      for (let i = 0; i < t.states.length; i++) out.push([`tcps_states[${i}]`, t.states[i]!])
      return out
    }
    default:
      throw new SysError('EINVAL', 'sysctl')
  }
}
