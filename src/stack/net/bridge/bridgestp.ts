/**
 * bridgestp(4): the Rapid Spanning Tree Protocol of 802.1D-2004 (clause 17) with the legacy 802.1D
 * STP compatibility mode, for one if_bridge. Each member with the STP flag is a port with a role
 * (root, designated, alternate, backup, disabled) and a state (discarding, learning, forwarding);
 * BPDUs are exchanged on the ports, proposals and agreements move point-to-point links to
 * forwarding at once, edge ports forward immediately, and a topology change flushes learned
 * addresses. All timers count in 1/256 s and advance once per second of the host's (virtual) clock,
 * as FreeBSD's bstp_tick does; the tick runs only while the bridge is up and has STP ports.
 *
 * The bridge decides what a port state means for frames; this module only sends and receives
 * BPDUs, and calls the bridge back to flush its address table. Must not: throw on a received frame
 * (a malformed BPDU is dropped and counted), or run timers while stopped.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import type { Clock, Timer } from '../../../util/clock.js'
import { SEC } from '../../../util/clock.js'
import { type Bpdu, newBpdu } from '../../../wire/link/bpdu.js'
import type { Ifnet } from '../ifnet.js'
import { bstpInput, settle, transmitBpdu, transmitTcn } from './bridgestp_pdu.js'
import {
  BSTP_DEFAULTS,
  BSTP_IFSTATE,
  BSTP_MAX_PATH_COST,
  BSTP_MAX_PORT_PRIORITY,
  BSTP_MAX_PRIORITY,
  BSTP_PATH_COST_10G,
  BSTP_PROTO,
  BSTP_ROLE,
  type BstpBridge,
  BstpPort,
  type BstpStats,
  type ConfigUnit,
  INFO,
  MAX_FWD_DELAY,
  MAX_HELLO,
  MAX_HOLD,
  MAX_MAX_AGE,
  MIN_FWD_DELAY,
  MIN_HELLO,
  MIN_HOLD,
  MIN_MAX_AGE,
  T,
  TC,
} from './bridgestp_port.js'
import {
  assignRoles,
  setPortProto,
  setPortRole,
  setPortState,
  setPortTc,
  updateRoles,
  updateState,
} from './bridgestp_sm.js'
import { PriVec } from './bridgestp_vec.js'

export {
  BSTP_DEFAULTS,
  BSTP_IFSTATE,
  BSTP_MAX_PATH_COST,
  BSTP_MAX_PORT_PRIORITY,
  BSTP_MAX_PRIORITY,
  BSTP_PATH_COST_10G,
  BSTP_PROTO,
  BSTP_ROLE,
  type BstpBridge,
  BstpPort,
  type BstpStats,
  STP_PROTOS,
  STP_ROLES,
  STP_STATES,
} from './bridgestp_port.js'

/** The spanning tree of one bridge (struct bstp_state). */
export class BstpState {
  readonly ports: BstpPort[] = []
  running = false
  protover: number = BSTP_PROTO.RSTP
  bridgePriority: number = BSTP_DEFAULTS.bridgePriority
  bridgeMaxAge: number = BSTP_DEFAULTS.maxAge
  bridgeHtime: number = BSTP_DEFAULTS.helloTime
  bridgeFdelay: number = BSTP_DEFAULTS.fwdDelay
  migrationDelay: number = BSTP_DEFAULTS.migrateDelay
  txHoldCount: number = BSTP_DEFAULTS.holdCount
  readonly bridgePv = new PriVec()
  readonly rootPv = new PriVec()
  rootMsgAge = 0
  rootMaxAge: number = BSTP_DEFAULTS.maxAge
  rootFdelay: number = BSTP_DEFAULTS.fwdDelay
  rootHtime: number = BSTP_DEFAULTS.helloTime
  rootPort: BstpPort | null = null
  allSynced = false
  readonly stats: BstpStats = { rxBpdu: 0, txBpdu: 0, rxBad: 0 }
  readonly bridge: BstpBridge
  private readonly timer: Timer
  /** The BPDU buffers of bridgestp_pdu.ts: one decoded on input, one built for output. */
  readonly rx: Bpdu = newBpdu()
  readonly tx: Bpdu = newBpdu()
  readonly cu: ConfigUnit = {
    msgAge: 0,
    maxAge: 0,
    htime: 0,
    fdelay: 0,
    role: 0,
    tc: false,
    tca: false,
    proposal: false,
    agree: false,
    learning: false,
    forwarding: false,
  }

  constructor(bridge: BstpBridge, clock: Clock) {
    this.bridge = bridge
    this.timer = clock.timer(() => this.tick())
    this.bridgePv.rootPri = this.bridgePriority
    this.bridgePv.dbPri = this.bridgePriority
    this.rootPv.copyFrom(this.bridgePv)
  }

  /** bstp_create: a member's port, not yet taking part. */
  createPort(ifp: Ifnet): BstpPort {
    const bp = new BstpPort(this, ifp)
    bp.canMigrate = false
    setPortState(bp, BSTP_IFSTATE.DISCARDING)
    setPortProto(this, bp, this.protover)
    setPortRole(this, bp, BSTP_ROLE.DISABLED)
    setPortTc(this, bp, TC.INACTIVE)
    bp.pathCost = this.calcPathCost(bp)
    return bp
  }

  /** bstp_enable: the STP flag was set on the member. */
  enable(bp: BstpPort): void {
    if (bp.active) return
    this.ports.push(bp)
    bp.active = true
    bp.newInfo = true
    this.reinit()
    updateRoles(this, bp)
  }

  /** bstp_disable: the flag was cleared or the member leaves. */
  disable(bp: BstpPort): void {
    if (!bp.active) return
    bp.infois = INFO.DISABLED
    const i = this.ports.indexOf(bp)
    if (i >= 0) this.ports.splice(i, 1)
    bp.active = false
    this.reinit()
    if (this.rootPort === bp) assignRoles(this)
  }

  /** bstp_init: the bridge came up. */
  init(): void {
    this.running = true
    this.reinit()
    settle(this, null)
  }

  /** bstp_stop: the bridge went down; every port discards. */
  stop(): void {
    for (const bp of this.ports) setPortState(bp, BSTP_IFSTATE.DISCARDING)
    this.running = false
    this.timer.cancel()
  }

  /**
   * bstp_input: a frame to the Bridge Group Address arrived on bp's member (m at its Ethernet
   * header). Always consumes m. See bridgestp_pdu.ts.
   */
  input(bp: BstpPort, m: Mbuf): void {
    bstpInput(this, bp, m)
  }

  // ---- output ----

  /** bstp_transmit: send what the port has to say, within the hold count (§17.26). */
  /** bstp_transmit (the state machines call it): send what the port has to say, within the hold count (§17.26). */
  transmit(bp: BstpPort): void {
    if (!this.running) return
    if (!bp.helloTimer.active) {
      this.helloTimerExpiry(bp)
      return
    }
    if (bp.txCount > this.txHoldCount) return
    if (bp.protover === BSTP_PROTO.RSTP) {
      transmitBpdu(this, bp)
      bp.tcAck = false
    } else if (bp.role === BSTP_ROLE.DESIGNATED) {
      transmitBpdu(this, bp)
      bp.tcAck = false
    } else if (bp.role === BSTP_ROLE.ROOT) transmitTcn(this, bp)
    bp.helloTimer.start(bp.desgHtime)
    bp.newInfo = false
  }

  // ---- administration ----

  /** Seconds in; EPERM outside STP mode, EINVAL out of range (bstp_set_htime). */
  setHelloTime(sec: number): 'EPERM' | 'EINVAL' | null {
    if (this.protover !== BSTP_PROTO.STP) return 'EPERM'
    return this.setTime(sec, MIN_HELLO, MAX_HELLO, (t) => {
      this.bridgeHtime = t
    })
  }

  setFwdDelay(sec: number): 'EINVAL' | null {
    return this.setTime(sec, MIN_FWD_DELAY, MAX_FWD_DELAY, (t) => {
      this.bridgeFdelay = t
    })
  }

  setMaxAge(sec: number): 'EINVAL' | null {
    return this.setTime(sec, MIN_MAX_AGE, MAX_MAX_AGE, (t) => {
      this.bridgeMaxAge = t
    })
  }

  /** bstp_set_*: seconds to ticks, checked against the timer's range, then every port starts over. */
  private setTime(sec: number, min: number, max: number, set: (t: number) => void): 'EINVAL' | null {
    const t = sec * T
    if (t < min || t > max) return 'EINVAL'
    set(t)
    this.reinit()
    return null
  }

  setHoldCount(n: number): 'EINVAL' | null {
    if (n < MIN_HOLD || n > MAX_HOLD) return 'EINVAL'
    this.txHoldCount = n
    for (const p of this.ports) p.txCount = 0
    return null
  }

  setProtocol(proto: number, ports: readonly BstpPort[]): 'EINVAL' | null {
    if (proto !== BSTP_PROTO.STP && proto !== BSTP_PROTO.RSTP) return 'EINVAL'
    this.protover = proto
    this.bridgeHtime = BSTP_DEFAULTS.helloTime
    // Every port, taking part or not, starts over in the new protocol.
    for (const bp of ports) {
      bp.infois = INFO.DISABLED
      bp.txCount = 0
      setPortProto(this, bp, proto)
      setPortRole(this, bp, BSTP_ROLE.DISABLED)
      setPortTc(this, bp, TC.INACTIVE)
      bp.recentBackupTimer.stop()
    }
    this.reinit()
    return null
  }

  /** Rounded down to a multiple of 4096. */
  setPriority(pri: number): 'EINVAL' | null {
    if (pri < 0 || pri > BSTP_MAX_PRIORITY) return 'EINVAL'
    this.bridgePriority = pri - (pri % 4096)
    this.reinit()
    return null
  }

  /** Rounded down to a multiple of 16. */
  setPortPriority(bp: BstpPort, pri: number): 'EINVAL' | null {
    if (pri < 0 || pri > BSTP_MAX_PORT_PRIORITY) return 'EINVAL'
    bp.priority = pri - (pri % 16)
    this.reinit()
    return null
  }

  /** 0 returns to the automatic cost. */
  setPathCost(bp: BstpPort, cost: number): 'EINVAL' | null {
    if (cost > BSTP_MAX_PATH_COST || cost < 0) return 'EINVAL'
    if (bp.protover === BSTP_PROTO.STP && cost > 65535) cost = 65535
    if (cost === 0) {
      bp.admCost = false
      bp.pathCost = this.calcPathCost(bp)
    } else {
      bp.pathCost = cost
      bp.admCost = true
    }
    this.reinit()
    return null
  }

  setEdge(bp: BstpPort, on: boolean): void {
    bp.operEdge = on
    bp.admEdge = on
  }

  setAutoEdge(bp: BstpPort, on: boolean): void {
    bp.autoEdge = on
    if (on && !bp.edgeDelayTimer.active) this.edgeDelayExpiry(bp)
  }

  setPtp(bp: BstpPort, on: boolean): void {
    bp.ptpLink = on
  }

  setAutoPtp(bp: BstpPort, on: boolean): void {
    bp.autoPtp = on
    if (on && bp.role !== BSTP_ROLE.DISABLED && this.ifUpdStatus(bp)) assignRoles(this)
  }

  private calcPathCost(bp: BstpPort): number {
    if (bp.admCost) return bp.pathCost
    // Every Ethernet here is a 10 Gb/s in-process link.
    return bp.protover === BSTP_PROTO.STP && BSTP_PATH_COST_10G > 65535 ? 65535 : BSTP_PATH_COST_10G
  }

  // ---- link status, timers ----

  /** bstp_ifupdstatus: follow the member's up/active status; true when something changed. */
  private ifUpdStatus(bp: BstpPort): boolean {
    if (!bp.active) return false
    const ifp = bp.ifp
    let changed = false
    if (ifp.up) {
      const active = ifp.link?.carrier?.() ?? true
      if (active) {
        // A full-duplex link is taken to be point-to-point; in-process links are.
        if (bp.autoPtp && !bp.ptpLink) {
          bp.ptpLink = true
          changed = true
        }
        if (bp.role === BSTP_ROLE.DISABLED) {
          bp.infois = INFO.AGED
          changed = true
        }
      } else if (bp.role !== BSTP_ROLE.DISABLED) {
        bp.infois = INFO.DISABLED
        changed = true
        if (bp.admEdge && bp.protover === BSTP_PROTO.RSTP) bp.operEdge = true
      }
    } else if (bp.infois !== INFO.DISABLED) {
      bp.infois = INFO.DISABLED
      changed = true
    }
    return changed
  }

  /** A member went up or down: take note now rather than at the next tick (bstp_linkstate). */
  linkState(bp: BstpPort): void {
    if (!bp.active) return
    if (this.ifUpdStatus(bp)) assignRoles(this)
    settle(this, bp)
  }

  private tick(): void {
    if (!this.running) return
    let changed = false
    for (const bp of this.ports) if (this.ifUpdStatus(bp)) changed = true
    if (changed) assignRoles(this)
    for (const bp of this.ports) {
      bp.tcTimer.tick()
      bp.recentRootTimer.tick()
      bp.forwardDelayTimer.tick()
      bp.recentBackupTimer.tick()
      if (bp.helloTimer.tick()) this.helloTimerExpiry(bp)
      if (bp.messageAgeTimer.tick()) this.messageAgeExpiry(bp)
      if (bp.migrateDelayTimer.tick()) bp.canMigrate = true
      if (bp.edgeDelayTimer.tick()) this.edgeDelayExpiry(bp)
      updateState(this, bp)
      if (bp.txCount > 0) bp.txCount--
    }
    this.timer.arm(SEC)
  }

  private helloTimerExpiry(bp: BstpPort): void {
    if (bp.newInfo || bp.role === BSTP_ROLE.DESIGNATED || (bp.role === BSTP_ROLE.ROOT && bp.tcTimer.active)) {
      bp.helloTimer.start(bp.desgHtime)
      bp.newInfo = true
      this.transmit(bp)
    }
  }

  private messageAgeExpiry(bp: BstpPort): void {
    if (bp.infois === INFO.RECEIVED) {
      bp.infois = INFO.AGED
      assignRoles(this)
    }
  }

  private edgeDelayExpiry(bp: BstpPort): void {
    if (bp.autoEdge && bp.protover === BSTP_PROTO.RSTP && bp.proposing && bp.role === BSTP_ROLE.DESIGNATED)
      bp.operEdge = true
  }

  /**
   * bstp_reinit: the bridge id from the lowest member address, port ids, link status, roles. With
   * no STP port or no address, the ids are zero and the tick stops.
   */
  reinit(): void {
    const mac = this.ports.length === 0 ? 0 : this.bridge.lowestMemberMac()
    const b = this.bridgePv
    b.dbPri = this.bridgePriority
    b.dbMac = mac
    b.rootPri = this.bridgePriority
    b.rootMac = mac
    b.cost = 0
    b.dport = 0
    b.port = 0
    if (mac === 0) {
      this.rootPv.copyFrom(b)
      for (const bp of this.ports) {
        bp.infois = INFO.DISABLED
        setPortRole(this, bp, BSTP_ROLE.DISABLED)
      }
      this.timer.cancel()
      return
    }
    if (this.running && !this.timer.armed) this.timer.arm(SEC)
    for (const bp of this.ports) {
      bp.portId = (bp.priority << 8) | (bp.ifp.index & 0xfff)
      this.ifUpdStatus(bp)
    }
    assignRoles(this)
  }

  /** The bridge is going away. */
  detach(): void {
    this.running = false
    this.timer.cancel()
    this.ports.length = 0
  }
}
