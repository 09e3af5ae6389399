/**
 * The ioctls of the virtual interface drivers behind KernelApi: vlan(4) (SIOCSETVLAN, SIOCSVLANPCP),
 * gif(4)/gre(4) end points and key (SIOCSIFPHYADDR, SIOCDIFPHYADDR, GRESKEY) and lagg(4)
 * (SIOCSLAGG, SIOCSLAGGPORT, SIOCSLAGGDELPORT), and what ifconfig shows of each. Every call checks
 * its privilege and arguments before it changes anything.
 *
 * Must not: look outside the caller's vnet (parents and ports are looked up there only).
 */

import { Priv } from '../../jail/priv.js'
import { GRE_OPTMASK, IPPORT_HIFIRSTAUTO, IPPORT_HILASTAUTO } from '../../stack/net/if/if_gre.js'
import { LAGG_PROTO_NAMES, laggOf, laggSetProto } from '../../stack/net/if/if_lagg.js'
import { type VlanSoftc, vlanConfig, vlanOf, vlanUnconfig } from '../../stack/net/if/if_vlan.js'
import {
  type TunnelSoftc,
  tunnelDelete,
  tunnelOf,
  tunnelSet,
  tunnelSet6,
} from '../../stack/net/if/ip_tunnel.js'
import type { Ifnet } from '../../stack/net/ifnet.js'
import { in6IfPurge } from '../../stack/netinet6/in6.js'
import { SysError } from '../../util/errno.js'
import { in6Eq, in6IsMulticast, in6IsUnspecified } from '../../wire/inet6/in6_addr.js'
import type { Caller } from '../kern/caller.js'
import type { IfInfo, VlanParams } from '../syscalls.js'

/** What IfInfo carries for a vlan, tunnel or lagg interface, and the status it reports. */
export function ifInfoL2(ifp: Ifnet): Partial<IfInfo> {
  const vl = vlanOf(ifp)
  if (vl !== null) {
    const p = vl.parent
    return {
      vlan: { tag: vl.vid, proto: vl.proto, pcp: vl.pcp, parent: p?.name ?? '' },
      // The address is borrowed from the parent: there is no permanent one to show.
      hwaddr: null,
      // The vlan's link is its parent's (vlan_link_state), its media the parent's (SIOCGIFMEDIA).
      media: p?.media ?? '',
      status: p === null ? '' : p.up && ifp.up ? 'active' : 'no carrier',
    }
  }
  const tn = tunnelOf(ifp)
  if (tn !== null) {
    const out: Partial<IfInfo> = {}
    if (tn.af === 4) out.tunnel = { src: tn.src, dst: tn.dst }
    else if (tn.af === 6) out.tunnel6 = { src: tn.src6.slice(), dst: tn.dst6.slice() }
    if (tn.kind.name === 'gre') {
      out.greKey = tn.key
      out.greOpts = tn.opts
      out.grePort = tn.port
    }
    return out
  }
  const lg = laggOf(ifp)
  if (lg !== null)
    return {
      lagg: {
        proto: LAGG_PROTO_NAMES[lg.proto] ?? '<unknown>',
        ports: lg.ports.map((lp) => ({ name: lp.ifp.name, flags: lg.portFlags(lp) })),
      },
      status: lg.linkUp ? 'active' : 'no carrier',
      hwaddr: null,
    }
  return {}
}

function vlanSc(c: Caller, name: string, op: string): VlanSoftc {
  c.priv(Priv.NET_SETVLAN, op)
  const sc = vlanOf(c.ifp(name, op))
  if (sc === null) throw new SysError('EINVAL', op)
  return sc
}

export function ifVlanSet(c: Caller, name: string, p: VlanParams): void {
  const sc = vlanSc(c, name, 'SIOCSETVLAN')
  if (p.parent === '') {
    vlanUnconfig(sc)
    return
  }
  const parent = c.vnet.ifByName(p.parent)
  if (parent === undefined) throw new SysError('ENOENT', 'SIOCSETVLAN')
  vlanConfig(sc, parent, p.tag, p.proto)
}

export function ifVlanSetPcp(c: Caller, name: string, pcp: number): void {
  const sc = vlanSc(c, name, 'SIOCSVLANPCP')
  if (!Number.isInteger(pcp) || pcp < 0 || pcp > 7) throw new SysError('EINVAL', 'SIOCSVLANPCP')
  sc.pcp = pcp
}

/**
 * SIOCSLANPCP (`ifconfig IF pcp N`, `-pcp` as -1): a vlan takes it as its tag's priority (vlan_ioctl),
 * any other interface sends priority-tagged frames with it (if_pcp; -1 is IFNET_PCP_NONE).
 */
export function ifSetPcp(c: Caller, name: string, pcp: number): void {
  const ifp = c.ifp(name, 'SIOCSLANPCP')
  const sc = vlanOf(ifp)
  if (sc !== null) {
    c.priv(Priv.NET_SETVLAN, 'SIOCSLANPCP')
    if (!Number.isInteger(pcp) || pcp < 0 || pcp > 7) throw new SysError('EINVAL', 'SIOCSLANPCP')
    sc.pcp = pcp
    return
  }
  c.priv(Priv.NET_SETLANPCP, 'SIOCSLANPCP')
  if (!Number.isInteger(pcp) || pcp < -1 || pcp > 7) throw new SysError('EINVAL', 'SIOCSLANPCP')
  ifp.pcp = pcp
}

function tunnelSc(c: Caller, name: string, op: string): TunnelSoftc {
  c.priv(Priv.NET_SETIFPHYS, op)
  const sc = tunnelOf(c.ifp(name, op))
  if (sc === null) throw new SysError('EINVAL', op)
  return sc
}

export function ifTunnelSet(c: Caller, name: string, src: number, dst: number): void {
  const sc = tunnelSc(c, name, 'SIOCSIFPHYADDR')
  src >>>= 0
  dst >>>= 0
  // in_gif_ioctl: neither end may be unspecified, broadcast or multicast.
  for (const a of [src, dst])
    if (a === 0 || a === 0xffffffff || a >>> 28 === 0xe) throw new SysError('EADDRNOTAVAIL', 'SIOCSIFPHYADDR')
  // Two tunnels of one kind with the same end points (and GRE key) would share every datagram.
  for (const other of c.vnet.ifList) {
    const o = tunnelOf(other)
    if (
      o !== null &&
      o !== sc &&
      o.kind === sc.kind &&
      o.af === 4 &&
      o.src === src &&
      o.dst === dst &&
      o.key === sc.key
    )
      throw new SysError('EADDRNOTAVAIL', 'SIOCSIFPHYADDR')
  }
  tunnelSet(sc, src, dst)
}

export function ifTunnelSet6(c: Caller, name: string, src: Uint8Array, dst: Uint8Array): void {
  const sc = tunnelSc(c, name, 'SIOCSIFPHYADDR_IN6')
  // in6_gif_ioctl: neither end may be unspecified or multicast.
  for (const a of [src, dst])
    if (a.length !== 16 || in6IsUnspecified(a) || in6IsMulticast(a))
      throw new SysError('EADDRNOTAVAIL', 'SIOCSIFPHYADDR_IN6')
  for (const other of c.vnet.ifList) {
    const o = tunnelOf(other)
    if (
      o !== null &&
      o !== sc &&
      o.kind === sc.kind &&
      o.af === 6 &&
      in6Eq(o.src6, 0, src, 0) &&
      in6Eq(o.dst6, 0, dst, 0) &&
      o.key === sc.key
    )
      throw new SysError('EADDRNOTAVAIL', 'SIOCSIFPHYADDR_IN6')
  }
  tunnelSet6(sc, src, dst)
}

export function ifTunnelDelete(c: Caller, name: string): void {
  tunnelDelete(tunnelSc(c, name, 'SIOCDIFPHYADDR'))
}

export function ifGreSetKey(c: Caller, name: string, key: number): void {
  const sc = tunnelSc(c, name, 'GRESKEY')
  if (sc.kind.name !== 'gre') throw new SysError('EINVAL', 'GRESKEY')
  if (!Number.isInteger(key) || key < 0 || key > 0xffffffff) throw new SysError('EINVAL', 'GRESKEY')
  sc.key = key >>> 0
}

/** GRESOPTS after GREGOPTS (`enable_csum`, `-enable_seq`, ...): EINVAL for bits gre does not know. */
export function ifGreSetOpts(c: Caller, name: string, set: number, clear: number): void {
  const sc = tunnelSc(c, name, 'GRESOPTS')
  if (sc.kind.name !== 'gre') throw new SysError('EINVAL', 'GRESOPTS')
  const opts = (sc.opts | set) & ~clear
  if ((opts & ~GRE_OPTMASK) !== 0) throw new SysError('EINVAL', 'GRESOPTS')
  sc.opts = opts
}

/** GRESPORT (gre_set_udp_sport): EINVAL outside the high port range. */
export function ifGreSetPort(c: Caller, name: string, port: number): void {
  const sc = tunnelSc(c, name, 'GRESPORT')
  if (sc.kind.name !== 'gre') throw new SysError('EINVAL', 'GRESPORT')
  if (!Number.isInteger(port) || (port !== 0 && (port < IPPORT_HIFIRSTAUTO || port > IPPORT_HILASTAUTO)))
    throw new SysError('EINVAL', 'GRESPORT')
  sc.port = port
}

function laggSc(c: Caller, name: string, op: string) {
  c.priv(Priv.NET_LAGG, op)
  const sc = laggOf(c.ifp(name, op))
  if (sc === null) throw new SysError('EINVAL', op)
  return sc
}

export function ifLaggSetProto(c: Caller, name: string, proto: string): void {
  const sc = laggSc(c, name, 'SIOCSLAGG')
  const n = LAGG_PROTO_NAMES.indexOf(proto)
  if (n < 0) throw new SysError('EPROTONOSUPPORT', 'SIOCSLAGG')
  laggSetProto(sc, n)
}

export function ifLaggPort(c: Caller, name: string, port: string, add: boolean): void {
  const op = add ? 'SIOCSLAGGPORT' : 'SIOCSLAGGDELPORT'
  const sc = laggSc(c, name, op)
  const p = c.vnet.ifByName(port)
  if (p === undefined) throw new SysError('ENOENT', op)
  if (add) {
    sc.addPort(p)
    // lagg_port_create's in6_ifdetach: a port's IPv6 addresses go, so no link-local leaks across ports.
    in6IfPurge(p)
    return
  }
  const lp = sc.portOf(p)
  if (lp === null) throw new SysError('ENOENT', op)
  sc.removePort(lp)
}
