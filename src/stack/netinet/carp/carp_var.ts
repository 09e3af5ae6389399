/**
 * carp(4)'s state (FreeBSD's struct carp_softc, struct carp_if and the VNET_DEFINEs of ip_carp.c):
 * one CarpSoftc per vhid on an interface, one CarpIf per interface with vhids (if_carp), and per
 * vnet the sysctls net.inet.carp.*, the struct carpstats counters and the list of softcs.
 *
 * Must not: run the protocol (ip_carp.ts does); the sysctls and the module are carp_sysctl.ts's.
 */

import type { Timer } from '../../../util/clock.js'
import type { Rng } from '../../../util/rng.js'
import {
  CARP_DFLTINTV,
  CARP_KEY_LEN,
  CARP_MAXSKEW,
  CARP_VERSION,
  carpMac,
  INADDR_CARP_GROUP,
} from '../../../wire/inet/carp.js'
import { VRRP_DEFAULT_INTERVAL, VRRP_DEFAULT_PRIORITY } from '../../../wire/inet/vrrp.js'
import { EtherSrcTag } from '../../net/ether.js'
import type { CarpIfHook, CarpRef, IfAddr, Ifnet } from '../../net/ifnet.js'
import { Slot, type Vnet } from '../../net/vnet.js'
import type { In6Ifaddr } from '../../netinet6/in6_var.js'

/** sc_state: CARP_STATES' order. */
export const CarpState = { INIT: 0, BACKUP: 1, MASTER: 2 } as const
export const CARP_STATES: readonly string[] = ['INIT', 'BACKUP', 'MASTER']

/** struct carpstats, in its order (netstat -s -p carp reads it by these names). */
export class CarpStats {
  carps_ipackets = 0
  carps_ipackets6 = 0
  carps_badif = 0
  carps_badttl = 0
  carps_hdrops = 0
  carps_badsum = 0
  carps_badver = 0
  carps_badlen = 0
  carps_badauth = 0
  carps_badvhid = 0
  carps_badaddrs = 0
  carps_opackets = 0
  carps_opackets6 = 0
  carps_onomem = 0
  carps_ostates = 0
  carps_preempt = 0
}

/** The protocol's entry points a softc needs (set by ip_carp.ts, so this file imports no protocol). */
export interface CarpOps {
  detachAddr(sc: CarpSoftc, ifa: IfAddr | In6Ifaddr): void
  linkState(cif: CarpIf): void
  ifDetach(cif: CarpIf): void
}

/** One virtual host on an interface (struct carp_softc). */
export class CarpSoftc implements CarpRef {
  readonly ifp: Ifnet
  readonly vhid: number
  readonly mac: number
  readonly srcTag: EtherSrcTag
  /** sc_version: CARP (2) or VRRPv3 (3), fixed when the vhid is created (`carpver`). */
  readonly version: number
  /** VRRPv3's sc_vrrp_prio and sc_vrrp_adv_inter (centiseconds): `vrrpprio`, `vrrpinterval`. */
  vrrpPrio = VRRP_DEFAULT_PRIORITY
  vrrpAdvInter = VRRP_DEFAULT_INTERVAL
  /** RFC 9568's Master_Adver_Interval: the interval the current master advertises (centiseconds). */
  vrrpMasterInter = VRRP_DEFAULT_INTERVAL
  /** A lower-priority master is being ignored with preemption on: its master-down is a preemption. */
  vrrpPreempting = false
  advbase = CARP_DFLTINTV
  advskew = 0
  state: number = CarpState.INIT
  /** sc_suppress: this vhid has demoted the vnet for its interface being down. */
  suppress = false
  sendadErrors = 0
  sendadSuccess = 0
  /** No advertisement seen yet: the first one sent starts from a random counter. */
  initCounter = true
  counterHi = 0
  counterLo = 0
  /** `pass`, NUL-padded to CARP_KEY_LEN. */
  readonly key = new Uint8Array(CARP_KEY_LEN)
  /** Where advertisements go: the groups, or a `peer`/`peer6` for unicast CARP. */
  peer = INADDR_CARP_GROUP
  peer6: Uint8Array
  /** sc_ifas: the addresses of this vhid, in the order they were attached. */
  ifas: Array<IfAddr | In6Ifaddr> = []
  naddrs = 0
  naddrs6 = 0
  /** The inner hash's fixed part (ipad, version, type, vhid, sorted addresses) and the outer pad. */
  hmacHead = new Uint8Array(0)
  readonly opad = new Uint8Array(64)
  readonly adTimer: Timer
  readonly mdTimer: Timer
  readonly md6Timer: Timer

  constructor(
    readonly cif: CarpIf,
    vhid: number,
    peer6: Uint8Array,
    version = CARP_VERSION,
  ) {
    this.ifp = cif.ifp
    this.vhid = vhid
    this.version = version
    this.mac = carpMac(vhid)
    this.srcTag = new EtherSrcTag(this.mac)
    this.peer6 = peer6.slice()
    const clock = cif.ifp.vnet.env.clock
    const ops = cif.ops
    this.adTimer = clock.timer(() => ops.sendAd(this))
    this.mdTimer = clock.timer(() => ops.masterDown(this))
    this.md6Timer = clock.timer(() => ops.masterDown(this))
  }

  get isVrrp(): boolean {
    return this.version !== CARP_VERSION
  }

  get isMaster(): boolean {
    return this.state === CarpState.MASTER
  }

  detachAddr(ifa: object): void {
    this.cif.ops.detachAddr(this, ifa as IfAddr | In6Ifaddr)
  }

  stopTimers(): void {
    this.adTimer.cancel()
    this.mdTimer.cancel()
    this.md6Timer.cancel()
  }
}

/** The timers' and hooks' targets a CarpIf hands its softcs. */
export interface CarpIfOps extends CarpOps {
  sendAd(sc: CarpSoftc): void
  masterDown(sc: CarpSoftc): void
}

/** The vhids of one interface (struct carp_if, ifp->if_carp). */
export class CarpIf implements CarpIfHook {
  readonly vrs: CarpSoftc[] = []
  /** cif_naddrs, cif_naddrs6: how many carp addresses of each family (the group memberships). */
  naddrs = 0
  naddrs6 = 0

  constructor(
    readonly ifp: Ifnet,
    readonly ops: CarpIfOps,
    /** carp_alloc_if turned IFF_PROMISC on (it was off), so carp_free_if turns it off again. */
    readonly setPromisc: boolean,
  ) {}

  forus(b: Uint8Array, o: number): boolean {
    // carp_forus: 00:00:5e:00:01:VHID of a vhid in MASTER state.
    if (b[o] !== 0 || b[o + 1] !== 0 || b[o + 2] !== 0x5e || b[o + 3] !== 0 || b[o + 4] !== 1) return false
    const vrs = this.vrs
    for (let i = 0; i < vrs.length; i++) {
      const sc = vrs[i]!
      if (sc.vhid === b[o + 5] && sc.state === CarpState.MASTER) return true
    }
    return false
  }

  linkState(_ifp: Ifnet): void {
    this.ops.linkState(this)
  }

  detach(_ifp: Ifnet): void {
    this.ops.ifDetach(this)
  }

  find(vhid: number): CarpSoftc | undefined {
    return this.vrs.find((sc) => sc.vhid === vhid)
  }
}

/** carp's per-vnet state: the VNET_DEFINEs of ip_carp.c and its counters. */
export class CarpVnet {
  allow = 1
  dscp = 56
  preempt = 0
  log = 1
  demotion = 0
  senderrAdj = CARP_MAXSKEW
  ifdownAdj = CARP_MAXSKEW
  readonly stats = new CarpStats()
  /** Every softc of this vnet (carp_list, per vnet here since softcs never leave their vnet). */
  readonly list: CarpSoftc[] = []
  /** carp_sendall_task: masters re-advertise after a demotion change, once the change is done. */
  readonly sendAllTimer: Timer
  /** Counters' first values and the callouts' phase within a tick (arc4random, tvtohz). */
  readonly rng: Rng

  constructor(v: Vnet) {
    this.rng = v.env.rng.stream(`carp/${v.id}`)
    this.sendAllTimer = v.env.clock.timer(() => {
      for (const sc of this.list) if (sc.state === CarpState.MASTER) sc.cif.ops.sendAd(sc)
    })
  }
}

/** The vnet's carp state, created on first use (the module's VNET_SYSINIT). */
export function carpVnet(v: Vnet): CarpVnet {
  let s = v.slots[Slot.CARP] as CarpVnet | undefined
  if (s === undefined) {
    s = new CarpVnet(v)
    v.slots[Slot.CARP] = s
  }
  return s
}

/** A vhid's address list holds both families: true for an IPv6 one. */
export function isV6(ifa: IfAddr | In6Ifaddr): ifa is In6Ifaddr {
  return ifa.addr instanceof Uint8Array
}
