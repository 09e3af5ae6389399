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
import { writeMac, writeU16 } from '../../../wire/addr.js'
import {
  BPDU_F,
  BPDU_PROTO,
  BPDU_ROLE,
  BPDU_RSTP_FLAGS,
  BPDU_STP_FLAGS,
  BPDU_TYPE,
  type Bpdu,
  BSTP_GROUP_MAC,
  bpduLength,
  decodeBpdu,
  encodeBpdu,
  newBpdu,
} from '../../../wire/link/bpdu.js'
import { ETHER_HDR_LEN } from '../../../wire/link/ethernet.js'
import { IFF, type Ifnet } from '../ifnet.js'
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
  PDU,
  T,
  TC,
} from './bridgestp_port.js'
import {
  assignRoles,
  betterSame,
  setPortProto,
  setPortRole,
  setPortState,
  setPortTc,
  setTimerMsgage,
  updateRoles,
  updateState,
  updateTc,
} from './bridgestp_sm.js'
import { INFO_SAME, infoCmp, infoSuperior, PriVec } from './bridgestp_vec.js'

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
  private readonly rx: Bpdu = newBpdu()
  private readonly tx: Bpdu = newBpdu()
  private readonly cu: ConfigUnit = {
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
    this.settle(null)
  }

  /** bstp_stop: the bridge went down; every port discards. */
  stop(): void {
    for (const bp of this.ports) setPortState(bp, BSTP_IFSTATE.DISCARDING)
    this.running = false
    this.timer.cancel()
  }

  // ---- input ----

  /**
   * bstp_input: a frame to the Bridge Group Address arrived on bp's member (m at its Ethernet
   * header). Always consumes m.
   */
  input(bp: BstpPort, m: Mbuf): void {
    const pool = bp.ifp.vnet.env.pool
    if (!bp.active) {
      pool.put(m)
      return
    }
    const buf = m.data
    // An 802.3 frame: the type field is the length of what follows.
    let len = (buf[m.off + 12]! << 8) | buf[m.off + 13]!
    if (len > m.len - ETHER_HDR_LEN) len = m.len - ETHER_HDR_LEN
    const rx = this.rx
    const err = decodeBpdu(buf, m.off + ETHER_HDR_LEN, len, rx)
    pool.put(m)
    if (err !== null) {
      this.stats.rxBad++
      return
    }
    this.stats.rxBpdu++
    if (rx.version !== bp.protover) {
      // Wait out the migration delay before changing version, against flip-flops (§17.24).
      if (!bp.canMigrate) return
      setPortProto(this, bp, rx.version)
    }
    // A BPDU on the port: it is not an edge (§17.25).
    bp.operEdge = false
    bp.edgeDelayTimer.start(BSTP_DEFAULTS.migrateDelay)
    if (rx.version === BPDU_PROTO.STP) {
      if (rx.type === BPDU_TYPE.TCN) {
        bp.rcvdTcn = true
        updateTc(this, bp)
        return
      }
      if (rx.type !== BPDU_TYPE.CFG) return
    } else if (rx.type !== BPDU_TYPE.RST) return
    this.decode(bp, rx)
    this.receivedBpdu(bp)
  }

  /** bstp_decode_bpdu into this.cu and bp.msgPv. */
  private decode(bp: BstpPort, rx: Bpdu): void {
    const pv = bp.msgPv
    pv.rootPri = rx.rootPri
    pv.rootMac = rx.rootMac
    pv.cost = rx.rootCost
    pv.dbPri = rx.bridgePri
    pv.dbMac = rx.bridgeMac
    pv.dport = rx.portId
    pv.port = bp.portId
    const cu = this.cu
    cu.msgAge = rx.messageAge
    cu.maxAge = rx.maxAge
    cu.htime = rx.helloTime
    cu.fdelay = rx.fwdDelay
    let flags = rx.flags
    cu.role = BSTP_ROLE.DISABLED
    if (rx.version === BPDU_PROTO.STP) {
      flags &= BPDU_STP_FLAGS
      // A configuration BPDU always comes from a designated port.
      cu.role = BSTP_ROLE.DESIGNATED
    } else flags &= BPDU_RSTP_FLAGS
    cu.tca = (flags & BPDU_F.TCA) !== 0
    cu.proposal = (flags & BPDU_F.P) !== 0
    cu.agree = (flags & BPDU_F.A) !== 0
    cu.learning = (flags & BPDU_F.L) !== 0
    cu.forwarding = (flags & BPDU_F.F) !== 0
    cu.tc = (flags & BPDU_F.TC) !== 0
    switch ((flags & BPDU_F.ROLE_MASK) >> BPDU_F.ROLE_SHIFT) {
      case BPDU_ROLE.ROOT:
        cu.role = BSTP_ROLE.ROOT
        break
      case BPDU_ROLE.ALT:
        cu.role = BSTP_ROLE.ALTERNATE
        break
      case BPDU_ROLE.DESG:
        cu.role = BSTP_ROLE.DESIGNATED
        break
    }
  }

  /** bstp_received_bpdu: the Port Information state machine's receive half (§17.27). */
  private receivedBpdu(bp: BstpPort): void {
    if (bp.infois === INFO.DISABLED || bp.infois === INFO.AGED) return
    const cu = this.cu
    switch (this.rcvType(bp)) {
      case PDU.SUPERIOR:
        this.allSynced = false
        bp.agreed = false
        bp.proposing = false
        if (cu.proposal && !cu.forwarding) bp.proposed = true
        if (cu.tc) bp.rcvdTc = true
        if (cu.tca) bp.rcvdTca = true
        if (bp.agree && !betterSame(bp, INFO.RECEIVED)) bp.agree = false
        bp.portPv.copyFrom(bp.msgPv)
        bp.portMsgAge = cu.msgAge
        bp.portMaxAge = cu.maxAge
        bp.portFdelay = cu.fdelay
        bp.portHtime = cu.htime > MIN_HELLO ? cu.htime : MIN_HELLO
        setTimerMsgage(bp)
        bp.infois = INFO.RECEIVED
        assignRoles(this)
        break
      case PDU.REPEATED:
        if (cu.proposal && !cu.forwarding) bp.proposed = true
        if (cu.tc) bp.rcvdTc = true
        if (cu.tca) bp.rcvdTca = true
        setTimerMsgage(bp)
        break
      case PDU.INFERIOR:
        if (cu.learning) {
          bp.agreed = true
          bp.proposing = false
        }
        break
      case PDU.INFERIORALT:
        // Only point-to-point links may agree their way to forwarding (§17.29.3).
        if (cu.agree && bp.ptpLink) {
          bp.agreed = true
          bp.proposing = false
        } else bp.agreed = false
        if (cu.tc) bp.rcvdTc = true
        if (cu.tca) bp.rcvdTca = true
        break
      default:
        return
    }
    this.settle(bp)
  }

  /**
   * Run the state machines of bp, then of every port, until they rest (two passes suffice: a root
   * port goes discarding, learning, forwarding). 802.1D's machines act the moment a condition
   * holds; bridgestp(4) waits for the port's next event or tick, up to a second, at each step of a
   * handshake, which is why it can take seconds where RSTP promises sub-second recovery.
   */
  private settle(bp: BstpPort | null): void {
    if (bp !== null) updateState(this, bp)
    for (let pass = 0; pass < 2; pass++) for (const p of this.ports) updateState(this, p)
  }

  private rcvType(bp: BstpPort): number {
    const cu = this.cu
    switch (cu.role) {
      case BSTP_ROLE.DESIGNATED:
        if (infoSuperior(bp.portPv, bp.msgPv)) return PDU.SUPERIOR
        if (infoCmp(bp.portPv, bp.msgPv) === INFO_SAME) {
          if (
            bp.portMsgAge !== cu.msgAge ||
            bp.portMaxAge !== cu.maxAge ||
            bp.portFdelay !== cu.fdelay ||
            bp.portHtime !== cu.htime
          )
            return PDU.SUPERIOR
          return PDU.REPEATED
        }
        return PDU.INFERIOR
      case BSTP_ROLE.ROOT:
      case BSTP_ROLE.ALTERNATE:
      case BSTP_ROLE.BACKUP:
        if (infoCmp(bp.portPv, bp.msgPv) <= INFO_SAME) return PDU.INFERIORALT
        return PDU.OTHER
    }
    return PDU.OTHER
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
      this.transmitBpdu(bp)
      bp.tcAck = false
    } else if (bp.role === BSTP_ROLE.DESIGNATED) {
      this.transmitBpdu(bp)
      bp.tcAck = false
    } else if (bp.role === BSTP_ROLE.ROOT) this.transmitTcn(bp)
    bp.helloTimer.start(bp.desgHtime)
    bp.newInfo = false
  }

  private transmitBpdu(bp: BstpPort): void {
    const b = this.tx
    const pv = bp.desgPv
    b.type = bp.protover === BSTP_PROTO.RSTP ? BPDU_TYPE.RST : BPDU_TYPE.CFG
    b.version = bp.protover
    b.flags = this.pduFlags(bp)
    b.rootPri = pv.rootPri
    b.rootMac = pv.rootMac
    b.rootCost = pv.cost
    b.bridgePri = pv.dbPri
    b.bridgeMac = pv.dbMac
    b.portId = bp.portId
    b.messageAge = bp.desgMsgAge
    b.maxAge = bp.desgMaxAge
    b.helloTime = bp.desgHtime
    b.fwdDelay = bp.desgFdelay
    this.send(bp, b)
  }

  private transmitTcn(bp: BstpPort): void {
    const b = this.tx
    b.type = BPDU_TYPE.TCN
    b.version = BSTP_PROTO.STP
    this.send(bp, b)
  }

  /** An 802.3 frame from the member's address to the Bridge Group Address, LLC and the BPDU. */
  private send(bp: BstpPort, b: Bpdu): void {
    const ifp = bp.ifp
    if ((ifp.flags & (IFF.UP | IFF.RUNNING)) !== (IFF.UP | IFF.RUNNING)) return
    const len = bpduLength(b)
    const m = ifp.vnet.env.pool.get(ETHER_HDR_LEN + len)
    const buf = m.data
    writeMac(buf, m.off, BSTP_GROUP_MAC)
    writeMac(buf, m.off + 6, ifp.mac)
    writeU16(buf, m.off + 12, len)
    encodeBpdu(b, buf, m.off + ETHER_HDR_LEN)
    m.len = ETHER_HDR_LEN + len
    bp.txCount++
    this.stats.txBpdu++
    ifp.transmitToLink(m)
  }

  private pduFlags(bp: BstpPort): number {
    let f = 0
    if (bp.proposing && bp.state !== BSTP_IFSTATE.FORWARDING) f |= BPDU_F.P
    if (bp.agree) f |= BPDU_F.A
    if (bp.tcTimer.active) f |= BPDU_F.TC
    if (bp.tcAck) f |= BPDU_F.TCA
    if (bp.state === BSTP_IFSTATE.LEARNING) f |= BPDU_F.L
    else if (bp.state === BSTP_IFSTATE.FORWARDING) f |= BPDU_F.L | BPDU_F.F
    switch (bp.role) {
      case BSTP_ROLE.ROOT:
        f |= BPDU_ROLE.ROOT << BPDU_F.ROLE_SHIFT
        break
      case BSTP_ROLE.ALTERNATE:
      case BSTP_ROLE.BACKUP:
        f |= BPDU_ROLE.ALT << BPDU_F.ROLE_SHIFT
        break
      case BSTP_ROLE.DESIGNATED:
        f |= BPDU_ROLE.DESG << BPDU_F.ROLE_SHIFT
        break
    }
    return f & (bp.protover === BSTP_PROTO.STP ? BPDU_STP_FLAGS : BPDU_RSTP_FLAGS)
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
    this.settle(bp)
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
