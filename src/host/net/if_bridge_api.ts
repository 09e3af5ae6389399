/**
 * if_bridge's driver ioctls (bridge_ioctl's BRDG* commands behind SIOCSDRVSPEC/SIOCGDRVSPEC) other
 * than BRDGADD/BRDGDEL: member flags (STP, edge, ptp, private...), span ports, static and learned
 * addresses, table limits and the spanning-tree parameters, plus what `ifconfig bridgeN` shows.
 * Each call checks its privilege and arguments before it changes anything.
 *
 * Must not: look outside the caller's vnet.
 */

import { Priv } from '../../jail/priv.js'
import { type BridgeMember, IFBIF } from '../../stack/net/bridge/bridge_member.js'
import { DOT1Q_VID_MAX, DOT1Q_VID_MIN, IFBRF } from '../../stack/net/bridge/bridge_vlan.js'
import { STP_PROTOS, STP_ROLES, STP_STATES } from '../../stack/net/bridge/bridgestp.js'
import { BSTP_TICK_VAL } from '../../stack/net/bridge/bridgestp_vec.js'
import { type BridgeSoftc, bridgeOf } from '../../stack/net/bridge/if_bridge.js'
import type { Ifnet } from '../../stack/net/ifnet.js'
import { type ErrnoName, SysError } from '../../util/errno.js'
import type { Caller } from '../kern/caller.js'
import type { BridgeAddrInfo, BridgeCmd, BridgeInfo, BridgeMemberInfo } from '../syscalls.js'

function bridge(c: Caller, name: string, op: string, set: boolean): BridgeSoftc {
  if (set) c.priv(Priv.NET_BRIDGE, op)
  const sc = bridgeOf(c.ifp(name, op))
  if (sc === null) throw new SysError('EINVAL', op, `${name} is not a bridge`)
  return sc
}

function member(c: Caller, sc: BridgeSoftc, name: string, op: string): BridgeMember {
  const ifs = c.vnet.ifByName(name)
  const mb = ifs === undefined ? null : sc.memberOf(ifs)
  if (mb === null) throw new SysError('ENOENT', op, `${name} is not a member of ${sc.ifp.name}`)
  return mb
}

/** A VLAN id the kernel accepts: 1..4094, or 0 (none) where `none` allows it; else EINVAL. */
function vid(v: number, op: string, none: boolean): number {
  if (!Number.isInteger(v) || v > DOT1Q_VID_MAX || v < (none ? 0 : DOT1Q_VID_MIN))
    throw new SysError('EINVAL', op)
  return v
}

function check(err: ErrnoName | null, op: string): void {
  if (err !== null) throw new SysError(err, op)
}

/** One BRDG* set command on bridge `name`. */
export function ifBridgeCmd(c: Caller, name: string, cmd: BridgeCmd): void {
  const op = cmd.op
  const sc = bridge(c, name, op, true)
  const bs = sc.bstp
  switch (cmd.op) {
    case 'BRDGSIFFLGS': {
      const mb = member(c, sc, cmd.member, op)
      if ((cmd.set & IFBIF.SPAN) !== 0) throw new SysError('EINVAL', op)
      sc.setMemberFlags(mb, cmd.set, cmd.clear)
      return
    }
    case 'BRDGADDS':
    case 'BRDGDELS': {
      const ifs: Ifnet | undefined = c.vnet.ifByName(cmd.member)
      if (ifs === undefined) throw new SysError('ENOENT', op, `interface ${cmd.member} does not exist`)
      if (op === 'BRDGADDS') sc.addSpan(ifs)
      else sc.deleteSpanIf(ifs)
      return
    }
    case 'BRDGSADDR':
      sc.addStatic(member(c, sc, cmd.member, op), cmd.mac, vid(cmd.vlan ?? 0, op, true))
      return
    case 'BRDGDADDR':
      sc.deleteAddr(cmd.mac, vid(cmd.vlan ?? 0, op, true))
      return
    case 'BRDGSFLAGS':
      sc.brFlags = (sc.brFlags & ~cmd.clear) | (cmd.set & (IFBRF.VLANFILTER | IFBRF.DEFQINQ))
      return
    case 'BRDGSDEFPVID':
      sc.defPvid = vid(cmd.value, op, true)
      return
    case 'BRDGSIFPVID':
      member(c, sc, cmd.member, op).pvid = vid(cmd.value, op, true)
      return
    case 'BRDGSIFVLANSET': {
      const mb = member(c, sc, cmd.member, op)
      for (const v of cmd.vlans) vid(v, op, false)
      mb.vlans.apply(cmd.how, cmd.vlans)
      return
    }
    case 'BRDGFLUSH':
      sc.flush(cmd.all)
      return
    case 'BRDGSCACHE':
      sc.setMaxAddr(cmd.value)
      return
    case 'BRDGSTO':
      sc.timeout = cmd.value
      return
    case 'BRDGSHT':
      check(bs.setHelloTime(cmd.value), op)
      return
    case 'BRDGSFD':
      check(bs.setFwdDelay(cmd.value), op)
      return
    case 'BRDGSMA':
      check(bs.setMaxAge(cmd.value), op)
      return
    case 'BRDGSPRI':
      check(bs.setPriority(cmd.value), op)
      return
    case 'BRDGSPROTO':
      check(
        bs.setProtocol(
          cmd.value,
          sc.members.map((m) => m.stp),
        ),
        op,
      )
      return
    case 'BRDGSTXHC':
      check(bs.setHoldCount(cmd.value), op)
      return
    case 'BRDGSIFPRIO':
      check(bs.setPortPriority(member(c, sc, cmd.member, op).stp, cmd.value), op)
      return
    case 'BRDGSIFCOST':
      check(bs.setPathCost(member(c, sc, cmd.member, op).stp, cmd.value), op)
      return
    case 'BRDGSIFAMAX':
      member(c, sc, cmd.member, op).addrMax = cmd.value
      return
  }
}

/** BRDGRTS: the address table. */
export function ifBridgeAddrs(c: Caller, name: string): BridgeAddrInfo[] {
  return bridge(c, name, 'BRDGRTS', false).addresses()
}

/** What `ifconfig bridgeN` shows: BRDGPARAM, BRDGGCACHE, BRDGGTO and BRDGGIFS. */
export function bridgeInfo(sc: BridgeSoftc): { bridge: BridgeInfo; members: BridgeMemberInfo[] } {
  const bs = sc.bstp
  const root = bs.rootPv
  const members: BridgeMemberInfo[] = sc.members.map((mb) => ({
    name: mb.ifp.name,
    flags: sc.memberFlags(mb),
    port: mb.ifp.index & 0xfff,
    ifmaxaddr: mb.addrMax,
    priority: mb.stp.priority,
    pathCost: mb.stp.pathCost,
    proto: STP_PROTOS[mb.stp.protover] ?? '-',
    role: STP_ROLES[mb.stp.role] ?? '-',
    state: STP_STATES[mb.stp.state] ?? '-',
    untagged: mb.pvid,
    tagged: mb.vlans.list(),
  }))
  // Span ports follow the members, with only their flag and port number (bridge_ioctl_gifs).
  for (const sp of sc.spans)
    members.push({
      name: sp.ifp.name,
      flags: IFBIF.SPAN,
      port: sp.ifp.index & 0xfff,
      ifmaxaddr: 0,
      priority: 0,
      pathCost: 0,
      proto: 'stp',
      role: 'disabled',
      state: 'disabled',
      untagged: 0,
      tagged: [],
    })
  return {
    bridge: {
      id: bs.bridgePv.dbMac,
      priority: bs.bridgePriority,
      hellotime: Math.floor(bs.bridgeHtime / BSTP_TICK_VAL),
      fwddelay: Math.floor(bs.bridgeFdelay / BSTP_TICK_VAL),
      maxage: Math.floor(bs.bridgeMaxAge / BSTP_TICK_VAL),
      holdcnt: bs.txHoldCount,
      proto: STP_PROTOS[bs.protover] ?? '-',
      maxaddr: sc.table.max,
      timeout: sc.timeout,
      rootId: root.rootMac,
      rootPriority: root.rootPri,
      rootCost: root.cost,
      rootPort: bs.rootPort === null ? 0 : bs.rootPort.ifp.index & 0xfff,
      flags: sc.brFlags,
      defUntagged: sc.defPvid,
    },
    members,
  }
}
