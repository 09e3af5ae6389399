/**
 * The interface ioctls behind KernelApi (FreeBSD's ifioctl, in_control, bridge_ioctl, tun's open):
 * list and inspect interfaces in the caller's view, create and destroy clones, flags, MTU, name,
 * link-layer address, description, IPv4 addresses, bridge members, moving an interface into a jail
 * and back, and opening /dev/tunN. Each call checks its privilege and arguments before it changes
 * anything.
 *
 * Must not: look outside the caller's vnet (a jail's interfaces only through lookupJail).
 */

import { Priv } from '../../jail/priv.js'
import { MEM_COST } from '../../jail/racct.js'
import { BridgeMember } from '../../stack/net/bridge/bridge_member.js'
import { type BridgeSoftc, bridgeOf, bridgeVnet } from '../../stack/net/bridge/if_bridge.js'
import { type GeneveParams, geneveConfigure, geneveInfo } from '../../stack/net/if/geneve/geneve_ctl.js'
import { geneveOf } from '../../stack/net/if/geneve/if_geneve.js'
import { type CloneParams, cloneCreate, parseCloneName } from '../../stack/net/if/if_clone.js'
import { laggOf } from '../../stack/net/if/if_lagg.js'
import { RealTapSoftc, tapCloner } from '../../stack/net/if/if_tap.js'
import { tunOf } from '../../stack/net/if/if_tun.js'
import { vlanCreateDotted } from '../../stack/net/if/if_vlan.js'
import { type VxlanParams, vxlanConfigure, vxlanOf } from '../../stack/net/if/if_vxlan.js'
import {
  IFF,
  IFNAMSIZ,
  type Ifnet,
  ifAttach,
  ifMove,
  ifSetUp as ifUpDown,
  ifAddAddr as inAifaddr,
  ifDelAddr as inDifaddr,
} from '../../stack/net/ifnet.js'
import { ifDestroy as ifCloneDestroy } from '../../stack/net/lifecycle.js'
import type { RealLinkKind, RealLinkProvider } from '../../stack/net/real_link.js'
import { igmpIfinfo, igmpIfinfoPeek } from '../../stack/netinet/igmp/igmp.js'
import { IgmpState } from '../../stack/netinet/igmp/igmp_var.js'
import { isSysError, SysError } from '../../util/errno.js'
import { isMulticastMac } from '../../wire/addr.js'
import type { Caller } from '../kern/caller.js'
import { lookupJail } from '../kern/jails.js'
import type { IfInfo, IgmpIfinfoView, TunFd, VxlanInfo } from '../syscalls.js'
import { carpAttacher, carpInfo } from './carp_api.js'
import { bridgeInfo } from './if_bridge_api.js'
import { ifInfoL2 } from './if_l2_api.js'
import { ifInfo6 } from './inet6_api.js'

/** IfInfo.members and .bridge for a bridge interface (nothing for other interfaces). */
function bridgeMembers(ifp: Ifnet): Pick<IfInfo, 'members' | 'bridge'> {
  const sc = bridgeOf(ifp)
  if (sc === null) return {}
  return bridgeInfo(sc)
}

function ifInfo(c: Caller, ifp: Ifnet): IfInfo {
  const addrs = ifp.addrs
    .filter((a) => c.visibleAddr(a.addr))
    .map((a) => ({
      addr: a.addr,
      prefixLen: a.prefixLen,
      broadcast: a.broadcast,
      dst: a.dst,
      ...(a.carp !== null ? { vhid: a.carp.vhid } : {}),
    }))
  return {
    name: ifp.name,
    index: ifp.index,
    flags: ifp.flags,
    mtu: ifp.mtu,
    metric: 0,
    fib: ifp.fib,
    tunnelFib: ifp.tunnelFib,
    mac: ifp.type === 'ether' ? ifp.mac : null,
    hwaddr: ifp.type === 'ether' ? ifp.hwaddr : null,
    addrs,
    // Cloned interfaces are in their cloner's group; ng_eiface's are not cloned, so in none.
    groups: ifp.family === 'ngeth' ? [] : [ifp.family],
    description: ifp.description,
    media: ifp.link?.media?.() ?? ifp.media,
    status: ifp.media === '' ? '' : (ifp.link?.carrier?.() ?? ifp.up) ? 'active' : 'no carrier',
    stats: { ...ifp.stats },
    ...(ifp.capenable !== null ? { capenable: ifp.capenable } : {}),
    ...bridgeMembers(ifp),
    ...ifInfo6(c, ifp),
    ...carpInfo(c, ifp),
    ...vxlanInfo(ifp),
    ...geneveIfInfo(ifp),
    ...ifInfoL2(ifp),
  }
}

/** IfInfo.geneve for a geneve interface. */
function geneveIfInfo(ifp: Ifnet): Pick<IfInfo, 'geneve'> {
  const sc = geneveOf(ifp)
  return sc === null ? {} : { geneve: geneveInfo(sc) }
}

/** IfInfo.vxlan for a vxlan interface (VXLAN_CMD_GET_CONFIG). */
function vxlanInfo(ifp: Ifnet): { vxlan?: VxlanInfo } {
  const sc = vxlanOf(ifp)
  if (sc === null) return {}
  return {
    vxlan: { ...sc.cfg, ftableCount: sc.table.size, ftableNospace: sc.ftableNospace, running: sc.running },
  }
}

export function ifList(c: Caller): IfInfo[] {
  return c.vnet.ifnets.map((i) => ifInfo(c, i))
}

export function ifGet(c: Caller, name: string): IfInfo {
  return ifInfo(c, c.ifp(name))
}

export function ifCloners(c: Caller): string[] {
  return [...c.host.cloners.keys()].sort()
}

/** The bridge and the would-be member, both in the caller's vnet (bridge_ioctl's lookups). */
function bridgeAndMember(c: Caller, bridge: string, member: string, op: string): [BridgeSoftc, Ifnet] {
  c.priv(Priv.NET_BRIDGE, op)
  const sc = bridgeOf(c.ifp(bridge, op))
  if (sc === null) throw new SysError('EINVAL', op, `${bridge} is not a bridge`)
  const ifs = c.vnet.ifByName(member)
  if (ifs === undefined) throw new SysError('ENOENT', op, `interface ${member} does not exist`)
  return [sc, ifs]
}

export function ifBridgeAdd(c: Caller, bridge: string, member: string): void {
  const [sc, ifs] = bridgeAndMember(c, bridge, member, 'BRDGADD')
  sc.addMember(ifs)
}

export function ifBridgeDelete(c: Caller, bridge: string, member: string): void {
  const [sc, ifs] = bridgeAndMember(c, bridge, member, 'BRDGDEL')
  const mb = sc.memberOf(ifs)
  if (mb === null) throw new SysError('ENOENT', 'BRDGDEL', `${member} is not a member of ${bridge}`)
  sc.deleteMember(mb)
}

export function ifCreate(c: Caller, name: string, params?: CloneParams): string {
  c.priv(Priv.NET_IFCREATE, 'SIOCIFCREATE2')
  const v = c.vnet
  // `IF.N`: a vlan on IF with tag N (vlan_clone_match_ethervid), named as typed.
  if (name.includes('.')) {
    c.charge('memoryuse', MEM_COST.ifnet, 'SIOCIFCREATE2', 'ENOMEM')
    const ifp = vlanCreateDotted(v, name)
    if (ifp === null) throw new SysError('EINVAL', 'SIOCIFCREATE2')
    ifAttach(v, ifp)
    return ifp.name
  }
  const [cloner, unit] = parseCloneName(c.host.cloners, name)
  c.charge('memoryuse', MEM_COST.ifnet * (cloner.name === 'epair' ? 2 : 1), 'SIOCIFCREATE2', 'ENOMEM')
  // Names must be free in this vnet even when an interface of that name was moved in: cloneCreate
  // refuses such a unit (EEXIST) or, numbering automatically, passes over it.
  const ifps = cloneCreate(v, cloner, unit, params)
  // Host root's tap is the machine's TAP device of the same name where the platform offers them;
  // a jail's keeps its device inside VirtNet (the machine's network is the host's to hand out).
  const real = c.host.realLinks
  if (cloner === tapCloner && real !== null && c.prison === c.host.prison0)
    realTap(ifps[0]!, real, 'tap', ifps[0]!.name)
  for (const i of ifps) ifAttach(v, i)
  const vx = vxlanOf(ifps[0]!)
  // The underlay is the process's network: host root may bind it; a jail only where the platform's
  // provider allows it (an in-memory network), never a real socket.
  if (vx !== null) {
    vx.createdByHost = c.prison === c.host.prison0
    vx.mayBind = vx.createdByHost || (c.host.vxlan.provider?.jailsMayBind ?? false)
  }
  return ifps[0]!.name
}

/** Give ifp a real device end; when the machine refuses, its unit is given back and the error rethrown. */
function realTap(ifp: Ifnet, provider: RealLinkProvider, kind: RealLinkKind, real: string): void {
  try {
    ifp.link = new RealTapSoftc(ifp, provider, kind, real)
  } catch (e) {
    ifCloneDestroy(ifp)
    if (isSysError(e)) throw new SysError(e.code, 'SIOCIFCREATE2', e.message)
    throw e
  }
}

/**
 * A tap in host root's vnet whose wire is the machine's interface `real`, read and written raw in
 * promiscuous mode: a lab's rj45 node. EPERM in a jail, ENXIO where the platform offers no links.
 */
export function ifCreatePacket(c: Caller, real: string): string {
  c.priv(Priv.NET_IFCREATE, 'SIOCIFCREATE2')
  const provider = c.host.realLinks
  if (c.prison !== c.host.prison0)
    throw new SysError('EPERM', 'SIOCIFCREATE2', "a jail cannot take the machine's interfaces")
  if (provider === null)
    throw new SysError('ENXIO', 'SIOCIFCREATE2', "this host has no access to the machine's interfaces")
  if (real.length === 0 || real.length >= IFNAMSIZ || !/^[A-Za-z0-9_.:@-]+$/.test(real))
    throw new SysError('EINVAL', 'SIOCIFCREATE2', `'${real}' is not an interface name`)
  c.charge('memoryuse', MEM_COST.ifnet, 'SIOCIFCREATE2', 'ENOMEM')
  const [ifp] = cloneCreate(c.vnet, tapCloner, -1)
  realTap(ifp!, provider, 'packet', real)
  ifAttach(c.vnet, ifp!)
  return ifp!.name
}

export function ifDestroy(c: Caller, name: string): void {
  c.priv(Priv.NET_IFDESTROY, 'SIOCIFDESTROY')
  const ifp = c.ifp(name, 'SIOCIFDESTROY')
  if (!c.host.cloners.has(ifp.family) || (ifp.type === 'loop' && ifp.unit === 0))
    throw new SysError('EINVAL', 'SIOCIFDESTROY')
  // One lent by the parent may be destroyed too: if_clone_destroy finds the cloner in the
  // interface's home vnet and destroys it where it is (FreeBSD's vnet_cleanup relies on it; an
  // epair goes with both its ends).
  ifCloneDestroy(ifp)
}

export function ifSetUp(c: Caller, name: string, up: boolean): void {
  c.priv(Priv.NET_SETIFFLAGS, 'SIOCSIFFLAGS')
  const ifp = c.ifp(name, 'SIOCSIFFLAGS')
  // vxlan_ioctl_ifflags: `up` on an interface that is up but not running tries to start it again.
  if (up && ifp.up) ifp.link?.ifUp?.(ifp)
  ifUpDown(ifp, up)
}

export function ifSetMtu(c: Caller, name: string, mtu: number): void {
  c.priv(Priv.NET_SETIFMTU, 'SIOCSIFMTU')
  const ifp = c.ifp(name, 'SIOCSIFMTU')
  if (!Number.isInteger(mtu) || mtu < 72 || mtu > ifp.maxMtu) throw new SysError('EINVAL', 'SIOCSIFMTU')
  ifp.mtu = mtu
}

/** SIOCSIFFIB (`tunnel` false) or SIOCSTUNFIB: EINVAL at or past net.fibs. */
export function ifSetFib(c: Caller, name: string, fib: number, tunnel: boolean): void {
  const op = tunnel ? 'SIOCSTUNFIB' : 'SIOCSIFFIB'
  c.priv(Priv.NET_SETIFFIB, op)
  const ifp = c.ifp(name, op)
  if (!Number.isInteger(fib) || fib < 0 || fib >= c.vnet.numFibs) throw new SysError('EINVAL', op)
  if (tunnel) ifp.tunnelFib = fib
  else ifp.fib = fib
}

export function ifRename(c: Caller, name: string, newName: string): void {
  c.priv(Priv.NET_SETIFNAME, 'SIOCSIFNAME')
  const ifp = c.ifp(name, 'SIOCSIFNAME')
  if (newName.length === 0 || newName.length >= IFNAMSIZ || !/^[A-Za-z0-9_.:-]+$/.test(newName))
    throw new SysError('EINVAL', 'SIOCSIFNAME')
  if (c.vnet.ifByName(newName) !== undefined) throw new SysError('EEXIST', 'SIOCSIFNAME')
  c.vnet.ifRename(ifp, newName)
}

export function ifSetMac(c: Caller, name: string, mac: number): void {
  c.priv(Priv.NET_SETLLADDR, 'SIOCSIFLLADDR')
  const ifp = c.ifp(name, 'SIOCSIFLLADDR')
  if (
    ifp.type !== 'ether' ||
    !Number.isInteger(mac) ||
    mac <= 0 ||
    mac > 0xffffffffffff ||
    isMulticastMac(mac)
  )
    throw new SysError('EINVAL', 'SIOCSIFLLADDR')
  ifp.mac = mac
  // lagg_setlladdr: the ports take the lagg's new address with it.
  const lagg = laggOf(ifp)
  if (lagg !== null) for (const lp of lagg.ports) lp.ifp.mac = mac
  c.vnet.env.domains.lladdrEvent(ifp)
}

export function ifSetDescription(c: Caller, name: string, descr: string): void {
  c.priv(Priv.NET_SETIFDESCR, 'SIOCSIFDESCR')
  const ifp = c.ifp(name, 'SIOCSIFDESCR')
  if (descr.length > 1024) throw new SysError('ENAMETOOLONG', 'SIOCSIFDESCR')
  ifp.description = descr
}

export function ifAddAddr(
  c: Caller,
  name: string,
  addr: number,
  prefixLen: number,
  opts: { broadcast?: number; alias?: boolean; dst?: number; vhid?: number } = {},
): void {
  c.priv(Priv.NET_ADDIFADDR, 'SIOCAIFADDR')
  const ifp = c.ifp(name, 'SIOCAIFADDR')
  // ifra_vhid: the address belongs to that carp(4) vhid, which must exist on the interface.
  const attach = carpAttacher(c, ifp, opts.vhid, 'SIOCAIFADDR')
  // A bridge member takes no address while net.link.bridge.member_ifaddrs is 0, save a gif
  // (in_aifaddr_ioctl skips IFT_GIF: its addresses are the tunnel's).
  if (ifp.tap instanceof BridgeMember && ifp.family !== 'gif' && bridgeVnet(ifp.vnet).memberIfaddrs === 0)
    throw new SysError('EINVAL', 'SIOCAIFADDR')
  addr >>>= 0
  if (
    !Number.isInteger(prefixLen) ||
    prefixLen < 0 ||
    prefixLen > 32 ||
    addr === 0 ||
    addr === 0xffffffff ||
    addr >>> 28 >= 0xe
  )
    throw new SysError('EINVAL', 'SIOCAIFADDR')
  // The same address may sit on another interface too (in_aifaddr_ioctl looks only at this one's
  // list): the first keeps the loopback route and the other takes it over when that one goes.
  // A new address brings its connected route.
  if (ifp.addrFind(addr) === undefined)
    c.charge('memoryuse', MEM_COST.ifaddr + MEM_COST.route, 'SIOCAIFADDR', 'ENOBUFS')
  // Without `alias`, ifconfig replaces the interface's first address.
  const first = ifp.firstAddr
  if (!opts.alias && first !== undefined && first.addr !== addr) inDifaddr(ifp, first.addr)
  // Assigning an address brings an Ethernet interface up (ether_ioctl SIOCSIFADDR).
  if (ifp.type === 'ether' && !ifp.up) {
    ifp.flags |= IFF.UP | IFF.RUNNING
    ifp.link?.ifUp?.(ifp)
  }
  // So does it a gif or gre tunnel (gif_ioctl, gre_ioctl: SIOCSIFADDR sets IFF_UP), and lo (loioctl).
  // geneve_ioctl too.
  if (
    (ifp.family === 'gif' || ifp.family === 'gre' || ifp.family === 'geneve' || ifp.type === 'loop') &&
    !ifp.up
  )
    ifUpDown(ifp, true)
  // A destination belongs to point-to-point links only (in_aifaddr_ioctl: EDESTADDRREQ without one).
  const dst = opts.dst ?? 0
  const p2p = (ifp.flags & IFF.POINTOPOINT) !== 0
  if (dst !== 0 && !p2p) throw new SysError('EINVAL', 'SIOCAIFADDR')
  if (p2p && dst === 0) throw new SysError('EDESTADDRREQ', 'SIOCAIFADDR')
  inAifaddr(ifp, addr, prefixLen, opts.broadcast, dst, attach)
}

export function tunOpen(c: Caller, name: string): TunFd {
  // /dev/tunN is crw------- root:wheel: a non-root open fails with EACCES.
  if (c.cred.uid !== 0) throw new SysError('EACCES', 'open')
  const ifp = c.vnet.ifByName(name)
  const sc = ifp === undefined ? null : tunOf(ifp)
  if (sc === null) throw new SysError('ENOENT', 'open')
  if (sc.open) throw new SysError('EBUSY', 'open')
  const release = c.openFile('open')
  sc.open = true
  sc.ifp.flags |= IFF.RUNNING
  let closed = false
  const check = (op: string): void => {
    if (closed) throw new SysError('EBADF', op)
  }
  return {
    write: (packet) => {
      check('write')
      sc.write(packet)
    },
    read: async (timeoutNs = Number.POSITIVE_INFINITY, until?: Promise<unknown>) => {
      check('read')
      let interrupted = false
      void until?.then(
        () => {
          interrupted = true
        },
        () => {
          interrupted = true
        },
      )
      if (!(timeoutNs >= 0)) throw new SysError('EINVAL', 'read')
      const deadline = c.host.clock.now() + timeoutNs
      for (;;) {
        const p = sc.dequeue()
        if (p !== null) return p
        check('read')
        const left = deadline - c.host.clock.now()
        if (left <= 0 || !(await sc.wait(left, until))) {
          const late = sc.dequeue()
          if (late !== null) return late
          throw new SysError(interrupted ? 'EINTR' : 'EAGAIN', 'read')
        }
      }
    },
    close: () => {
      if (closed) return
      closed = true
      release()
      sc.close()
    },
  }
}

export function ifDelAddr(c: Caller, name: string, addr: number): void {
  c.priv(Priv.NET_DELIFADDR, 'SIOCDIFADDR')
  inDifaddr(c.ifp(name, 'SIOCDIFADDR'), addr)
}

export function ifMoveToJail(c: Caller, name: string, jail: string): void {
  c.priv(Priv.NET_SETIFVNET, 'SIOCSIFVNET')
  const ifp = c.ifp(name, 'SIOCSIFVNET')
  const pr = lookupJail(c.prison, jail)
  if (!pr.ownsVnet || pr.vnet === c.vnet) throw new SysError('EINVAL', 'SIOCSIFVNET')
  if (ifp.type === 'loop') throw new SysError('EINVAL', 'SIOCSIFVNET')
  ifMove(ifp, pr.vnet)
}

export function ifReclaimFromJail(c: Caller, name: string, jail: string): void {
  c.priv(Priv.NET_SETIFVNET, 'SIOCSIFRVNET')
  const pr = lookupJail(c.prison, jail)
  if (!pr.ownsVnet || pr.vnet === c.vnet) throw new SysError('EINVAL', 'SIOCSIFRVNET')
  const ifp = pr.vnet.ifByName(name)
  if (ifp === undefined) throw new SysError('ENXIO', 'SIOCSIFRVNET', `interface ${name} does not exist`)
  if (ifp.type === 'loop') throw new SysError('EINVAL', 'SIOCSIFRVNET')
  ifMove(ifp, c.vnet)
}

/** The vxlan softc of an interface of the caller's vnet (EINVAL for another kind, as the ioctl). */
function vxlanSc(c: Caller, name: string) {
  c.priv(Priv.NET_VXLAN, 'SIOCSDRVSPEC')
  const sc = vxlanOf(c.ifp(name, 'SIOCSDRVSPEC'))
  if (sc === null) throw new SysError('EINVAL', 'SIOCSDRVSPEC')
  return sc
}

export function ifVxlanSet(c: Caller, name: string, p: VxlanParams): void {
  const sc = vxlanSc(c, name)
  const endpoint =
    p.vni !== undefined ||
    p.local !== undefined ||
    p.remote !== undefined ||
    p.localPort !== undefined ||
    p.remotePort !== undefined
  // Where the host's socket sends is the host's to say: a jail that was lent the interface may
  // address and use it but not point it at another peer or port of the real network.
  if (
    endpoint &&
    sc.createdByHost &&
    c.prison !== c.host.prison0 &&
    !(c.host.vxlan.provider?.jailsMayBind ?? false)
  )
    throw new SysError('EPERM', 'SIOCSDRVSPEC')
  vxlanConfigure(sc, p)
}

export function ifVxlanFlush(c: Caller, name: string, all: boolean): void {
  vxlanSc(c, name).flush(all)
}

/** RTM_NEWLINK's geneve attributes on an interface of the caller's vnet (EINVAL for another kind). */
export function ifGeneveSet(c: Caller, name: string, p: GeneveParams): void {
  c.priv(Priv.NET_GENEVE, 'RTM_NEWLINK')
  const sc = geneveOf(c.ifp(name, 'RTM_NEWLINK'))
  if (sc === null) throw new SysError('EINVAL', 'RTM_NEWLINK')
  geneveConfigure(sc, p)
}

/** IFF_DEBUG (SIOCSIFFLAGS): a flag drivers may consult; nothing here changes with it. */
export function ifSetDebug(c: Caller, name: string, on: boolean): void {
  c.priv(Priv.NET_SETIFFLAGS, 'SIOCSIFFLAGS')
  const ifp = c.ifp(name, 'SIOCSIFFLAGS')
  if (on) ifp.flags |= IFF.DEBUG
  else ifp.flags &= ~IFF.DEBUG
}

/** INADDR_ALLHOSTS_GROUP. */
const ALLHOSTS = 0xe0000001

/** getifmaddrs for AF_INET on one interface: what ifmcstat -f inet lists. */
export function ifInetGroups(c: Caller, name: string): number[] {
  const ifp = c.ifp(name, 'getifmaddrs')
  // A group whose last State-Change Report is still pending is left already, as MLD's are here.
  const out = (igmpIfinfoPeek(ifp)?.groups ?? [])
    .filter((inm) => inm.state !== IgmpState.LEAVING_MEMBER && inm.state !== IgmpState.NOT_MEMBER)
    .map((inm) => inm.group)
  if ((ifp.flags & IFF.MULTICAST) !== 0 && ifp.addrCount > 0 && !out.includes(ALLHOSTS)) out.push(ALLHOSTS)
  return out
}

/** sysctl_igmp_ifinfo: the interface's IGMP state (made with the defaults if IGMP never ran there). */
export function ifInetIgmp(c: Caller, name: string): IgmpIfinfoView {
  const ifp = c.ifp(name, 'sysctl')
  const igi = igmpIfinfo(ifp)
  return {
    version: igi.version,
    flags: igi.flags,
    rv: igi.rv,
    qi: igi.qi,
    qri: igi.qri,
    uri: igi.uri,
    v1Timer: igi.v1Timer,
    v2Timer: igi.v2Timer,
    v3Timer: igi.v3Timer,
  }
}
