/**
 * geneve(4)'s sockets (if_geneve.c's geneve_socket): per vnet, one kernel UDP socket per local
 * address and port, shared by the interfaces bound there and demultiplexed by VNI, each VNI at most
 * once per socket; multicast groups joined once per socket and interface, counted by their users.
 * The socket's input validates the Geneve header (RFC 8926 §3.4–§3.5, wire/inet/geneve.ts) and hands
 * the payload to the interface of its VNI; what belongs to no interface is dropped and counted in
 * the vnet's `net.link.geneve.stats.*`.
 *
 * Must not: allocate or throw on input; keep a socket open once its last interface has left it.
 */

import type { Mbuf } from '../../../../buf/mbuf.js'
import { readU16 } from '../../../../wire/addr.js'
import {
  GENEVE_HDR_LEN,
  GeneveCheck,
  geneveCheck,
  geneveOptLen,
  geneveVni,
} from '../../../../wire/inet/geneve.js'
import type { UdpTunnelSocket } from '../../domain.js'
import type { Ifnet } from '../../ifnet.js'
import type { SysctlDecl } from '../../sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../vnet.js'

/** Drops no interface owns (FreeBSD returns them to UDP unseen; counted here, per vnet). */
export class GeneveStats {
  /** Shorter than the header and the options its Opt Len announces, or an option overrunning them. */
  badHeader = 0
  /** A version other than 0. */
  badVersion = 0
  /** The O bit: a control message, never forwarded (RFC 8926 §3.4). */
  oam = 0
  /** A critical option, which this end point cannot process (RFC 8926 §3.5). */
  critical = 0
  /** No running interface on the socket has the VNI. */
  unknownVni = 0
}

/** What a socket delivers to: a geneve softc. */
export interface GeneveReceiver {
  readonly running: boolean
  /**
   * The payload of a datagram for this VNI: m at its outer IP header (version 4 or 6), the
   * payload `payOff` bytes after m.off and `payLen` long, of Protocol Type `proto`.
   */
  input(rcvif: Ifnet, m: Mbuf, payOff: number, payLen: number, proto: number): void
}

/** One bound socket (struct geneve_socket). */
export class GeneveSocket {
  readonly key: string
  so: UdpTunnelSocket | null = null
  readonly byVni = new Map<number, GeneveReceiver>()
  /** Joined groups (`group%ifindex`): what was joined and how many interfaces use it. */
  readonly groups = new Map<string, { group: number | Uint8Array; ifp: Ifnet | null; users: number }>()

  constructor(
    private readonly gv: GeneveVnet,
    key: string,
  ) {
    this.key = key
  }

  /** geneve_udp_input: validate, find the VNI's interface, hand it the payload. */
  readonly input = (ifp: Ifnet, m: Mbuf, udpOff: number): void => {
    const st = this.gv.stats
    const b = m.data
    const u = m.off + udpOff
    const g = u + 8
    const glen = readU16(b, u + 4) - 8
    const c = geneveCheck(b, g, glen)
    if (c !== GeneveCheck.OK) {
      if (c === GeneveCheck.BAD_VERSION) st.badVersion++
      else if (c === GeneveCheck.OAM) st.oam++
      else if (c === GeneveCheck.CRITICAL) st.critical++
      else st.badHeader++
      ifp.vnet.env.pool.put(m)
      return
    }
    const sc = this.byVni.get(geneveVni(b, g))
    if (sc === undefined || !sc.running) {
      st.unknownVni++
      ifp.vnet.env.pool.put(m)
      return
    }
    const hl = GENEVE_HDR_LEN + geneveOptLen(b, g)
    sc.input(ifp, m, udpOff + 8 + hl, glen - hl, (b[g + 2]! << 8) | b[g + 3]!)
  }

  /** The interfaces' users of a group on an interface join it once. */
  join(group: number | Uint8Array, ifp: Ifnet | null, name: string): void {
    const g = this.groups.get(name)
    if (g !== undefined) {
      g.users++
      return
    }
    this.so!.join(group, ifp)
    this.groups.set(name, { group, ifp, users: 1 })
  }

  /** A user leaves; the last one's leaving drops the membership (geneve_socket_mc_release_group). */
  leave(name: string): void {
    const g = this.groups.get(name)
    if (g === undefined) return
    if (--g.users > 0) return
    this.groups.delete(name)
    this.so?.leave(g.group, g.ifp)
  }

  /** The last interface left: close it and forget it. */
  release(): void {
    if (this.byVni.size !== 0) return
    this.so?.close()
    this.so = null
    if (this.gv.sockets.get(this.key) === this) this.gv.sockets.delete(this.key)
  }
}

/** A vnet's geneve sockets and drop counters. */
export class GeneveVnet {
  readonly sockets = new Map<string, GeneveSocket>()
  readonly stats = new GeneveStats()
}

function stat(name: string, descr: string, field: keyof GeneveStats): SysctlDecl {
  return {
    name: `net.link.geneve.stats.${name}`,
    descr,
    kind: 'int',
    ctype: 'uint',
    scope: 'vnet',
    get: (v) => geneveVnet(v).stats[field],
  }
}

export const geneveModule: VnetModule<GeneveVnet> = {
  name: 'if_geneve',
  slot: Slot.GENEVE,
  create: () => new GeneveVnet(),
  // Interfaces are destroyed before the vnet's modules; what is left is only closed.
  destroy: (s) => {
    for (const gs of s.sockets.values()) gs.so?.close()
    s.sockets.clear()
  },
  sysctls: [
    stat('bad_header', 'Datagrams dropped for a short or malformed Geneve header', 'badHeader'),
    stat('bad_version', 'Datagrams dropped for an unknown Geneve version', 'badVersion'),
    stat('oam', 'Control (O bit) datagrams dropped', 'oam'),
    stat('critical', 'Datagrams dropped for a critical option', 'critical'),
    stat('unknown_vni', 'Datagrams dropped for a VNI no running interface has', 'unknownVni'),
  ],
}

export function geneveVnet(v: Vnet): GeneveVnet {
  return vstate(v, geneveModule)
}
