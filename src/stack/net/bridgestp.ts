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

import type { Mbuf } from '../../buf/mbuf.js'
import type { Clock, Timer } from '../../util/clock.js'
import { SEC } from '../../util/clock.js'
import { writeMac, writeU16 } from '../../wire/addr.js'
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
} from '../../wire/bpdu.js'
import { ETHER_HDR_LEN } from '../../wire/ethernet.js'
import {
  BSTP_TICK_VAL,
  BstpTimer,
  INFO_BETTER,
  INFO_SAME,
  infoCmp,
  infoSuperior,
  PriVec,
} from './bridgestp_vec.js'
import { IFF, type Ifnet } from './ifnet.js'

/** Port states, in the order of STP_STATES (what ifconfig prints). */
export const BSTP_IFSTATE = {
  DISABLED: 0,
  LISTENING: 1,
  LEARNING: 2,
  FORWARDING: 3,
  BLOCKING: 4,
  DISCARDING: 5,
} as const
export const STP_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking', 'discarding']

/** Port roles, in the order of STP_ROLES. */
export const BSTP_ROLE = { DISABLED: 0, ROOT: 1, DESIGNATED: 2, ALTERNATE: 3, BACKUP: 4 } as const
export const STP_ROLES = ['disabled', 'root', 'designated', 'alternate', 'backup']

export const BSTP_PROTO = { STP: 0, RSTP: 2 } as const
/** STP_PROTOS: index 1 is unused. */
export const STP_PROTOS = ['stp', '-', 'rstp']

const INFO = { RECEIVED: 1, MINE: 2, AGED: 3, DISABLED: 4 } as const
const TC = { ACTIVE: 1, INACTIVE: 2, LEARNING: 3, DETECTED: 4, TCN: 5, TC: 6, PROPAG: 7, ACK: 8 } as const
const PDU = { SUPERIOR: 1, REPEATED: 2, INFERIOR: 3, INFERIORALT: 4, OTHER: 5 } as const

const T = BSTP_TICK_VAL
export const BSTP_DEFAULTS = {
  maxAge: 20 * T,
  helloTime: 2 * T,
  fwdDelay: 15 * T,
  migrateDelay: 3 * T,
  holdCount: 6,
  bridgePriority: 0x8000,
  portPriority: 0x80,
} as const
const MESSAGE_AGE_INCR = 1 * T
const MIN_HELLO = 1 * T
const MAX_HELLO = 2 * T
const MIN_MAX_AGE = 6 * T
const MAX_MAX_AGE = 40 * T
const MIN_FWD_DELAY = 4 * T
const MAX_FWD_DELAY = 30 * T
const MIN_HOLD = 1
const MAX_HOLD = 10
export const BSTP_MAX_PRIORITY = 61440
export const BSTP_MAX_PORT_PRIORITY = 240
export const BSTP_MAX_PATH_COST = 200000000
/** A 10 Gb/s link (epair's media): 20,000,000,000 / (baud / 1000), §17.14. */
export const BSTP_PATH_COST_10G = 2000

/** What the bridge offers the spanning tree. */
export interface BstpBridge {
  /** The lowest non-zero MAC among the bridge's Ethernet members (the bridge address), or 0. */
  lowestMemberMac(): number
  /** Forget addresses learned on ifp: now (age 0) or after `age` seconds (bridge_rtage). */
  rtage(ifp: Ifnet, age: number): void
}

/** One STP port (struct bstp_port). */
export class BstpPort {
  readonly bs: BstpState
  readonly ifp: Ifnet
  active = false
  portId = 0
  priority: number = BSTP_DEFAULTS.portPriority
  pathCost = BSTP_PATH_COST_10G
  admCost = false
  protover: number = BSTP_PROTO.RSTP
  role: number = BSTP_ROLE.DISABLED
  state: number = BSTP_IFSTATE.DISCARDING
  infois: number = INFO.DISABLED
  tcstate: number = TC.INACTIVE
  autoEdge = true
  autoPtp = true
  admEdge = false
  operEdge = false
  ptpLink = false
  canMigrate = false
  newInfo = false
  disputed = false
  proposing = false
  proposed = false
  agree = false
  agreed = false
  sync = false
  synced = false
  reroot = false
  rcvdTc = false
  rcvdTcn = false
  rcvdTca = false
  tcProp = false
  tcAck = false
  fdbFlush = false
  txCount = 0
  forwardTransitions = 0
  readonly portPv = new PriVec()
  readonly desgPv = new PriVec()
  portMsgAge = 0
  portMaxAge = 0
  portFdelay = 0
  portHtime = 0
  desgMsgAge = 0
  desgMaxAge = 0
  desgFdelay = 0
  desgHtime = 0
  /** The last received message, decoded (bp_msg_cu). */
  readonly msgPv = new PriVec()
  readonly helloTimer = new BstpTimer()
  readonly messageAgeTimer = new BstpTimer()
  readonly migrateDelayTimer = new BstpTimer()
  readonly edgeDelayTimer = new BstpTimer()
  readonly forwardDelayTimer = new BstpTimer()
  readonly recentRootTimer = new BstpTimer()
  readonly recentBackupTimer = new BstpTimer()
  readonly tcTimer = new BstpTimer()

  constructor(bs: BstpState, ifp: Ifnet) {
    this.bs = bs
    this.ifp = ifp
  }
}

/** What was received, in the units bstp works in (struct bstp_config_unit). */
interface ConfigUnit {
  msgAge: number
  maxAge: number
  htime: number
  fdelay: number
  role: number
  tc: boolean
  tca: boolean
  proposal: boolean
  agree: boolean
  learning: boolean
  forwarding: boolean
}

/** Counters of one bridge's spanning tree. */
export interface BstpStats {
  rxBpdu: number
  txBpdu: number
  /** BPDUs dropped as malformed (bad LLC, protocol id, type or length). */
  rxBad: number
}

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
  private readonly bridge: BstpBridge
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
    this.setPortState(bp, BSTP_IFSTATE.DISCARDING)
    this.setPortProto(bp, this.protover)
    this.setPortRole(bp, BSTP_ROLE.DISABLED)
    this.setPortTc(bp, TC.INACTIVE)
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
    this.updateRoles(bp)
  }

  /** bstp_disable: the flag was cleared or the member leaves. */
  disable(bp: BstpPort): void {
    if (!bp.active) return
    bp.infois = INFO.DISABLED
    const i = this.ports.indexOf(bp)
    if (i >= 0) this.ports.splice(i, 1)
    bp.active = false
    this.reinit()
    if (this.rootPort === bp) this.assignRoles()
  }

  /** bstp_init: the bridge came up. */
  init(): void {
    this.running = true
    this.reinit()
    this.settle(null)
  }

  /** bstp_stop: the bridge went down; every port discards. */
  stop(): void {
    for (const bp of this.ports) this.setPortState(bp, BSTP_IFSTATE.DISCARDING)
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
      this.setPortProto(bp, rx.version)
    }
    // A BPDU on the port: it is not an edge (§17.25).
    bp.operEdge = false
    bp.edgeDelayTimer.start(BSTP_DEFAULTS.migrateDelay)
    if (rx.version === BPDU_PROTO.STP) {
      if (rx.type === BPDU_TYPE.TCN) {
        bp.rcvdTcn = true
        this.updateTc(bp)
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
        if (bp.agree && !this.betterSame(bp, INFO.RECEIVED)) bp.agree = false
        bp.portPv.copyFrom(bp.msgPv)
        bp.portMsgAge = cu.msgAge
        bp.portMaxAge = cu.maxAge
        bp.portFdelay = cu.fdelay
        bp.portHtime = cu.htime > MIN_HELLO ? cu.htime : MIN_HELLO
        this.setTimerMsgage(bp)
        bp.infois = INFO.RECEIVED
        this.assignRoles()
        break
      case PDU.REPEATED:
        if (cu.proposal && !cu.forwarding) bp.proposed = true
        if (cu.tc) bp.rcvdTc = true
        if (cu.tca) bp.rcvdTca = true
        this.setTimerMsgage(bp)
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
    if (bp !== null) this.updateState(bp)
    for (let pass = 0; pass < 2; pass++) for (const p of this.ports) this.updateState(p)
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

  private betterSame(bp: BstpPort, newInfo: number): boolean {
    if (newInfo === INFO.RECEIVED && bp.infois === INFO.RECEIVED && infoCmp(bp.portPv, bp.msgPv) >= INFO_SAME)
      return true
    if (newInfo === INFO.MINE && bp.infois === INFO.MINE && infoCmp(bp.portPv, bp.desgPv) >= INFO_SAME)
      return true
    return false
  }

  // ---- output ----

  /** bstp_transmit: send what the port has to say, within the hold count (§17.26). */
  private transmit(bp: BstpPort): void {
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

  // ---- role selection (§17.28) ----

  assignRoles(): void {
    this.rootPv.copyFrom(this.bridgePv)
    this.rootMsgAge = 0
    this.rootMaxAge = this.bridgeMaxAge
    this.rootFdelay = this.bridgeFdelay
    this.rootHtime = this.bridgeHtime
    this.rootPort = null
    let rbp: BstpPort | null = null
    const pv = new PriVec()
    for (const bp of this.ports) {
      if (bp.infois !== INFO.RECEIVED) continue
      pv.copyFrom(bp.portPv)
      pv.cost += bp.pathCost
      // The best of our own vector and the root path vectors not designated by ourselves.
      if (pv.dbMac !== this.bridgePv.dbMac && infoCmp(this.rootPv, pv) === INFO_BETTER) {
        this.rootPv.copyFrom(pv)
        this.rootMsgAge = bp.portMsgAge + MESSAGE_AGE_INCR
        this.rootMaxAge = bp.portMaxAge
        this.rootFdelay = bp.portFdelay
        this.rootHtime = bp.portHtime
        rbp = bp
      }
    }
    for (const bp of this.ports) {
      const d = bp.desgPv
      d.rootPri = this.rootPv.rootPri
      d.rootMac = this.rootPv.rootMac
      d.cost = this.rootPv.cost
      d.dbPri = this.bridgePv.dbPri
      d.dbMac = this.bridgePv.dbMac
      d.dport = bp.portId
      d.port = bp.portId
      bp.desgMsgAge = this.rootMsgAge
      bp.desgMaxAge = this.rootMaxAge
      bp.desgFdelay = this.rootFdelay
      bp.desgHtime = this.bridgeHtime
      switch (bp.infois) {
        case INFO.DISABLED:
          this.setPortRole(bp, BSTP_ROLE.DISABLED)
          break
        case INFO.AGED:
          this.setPortRole(bp, BSTP_ROLE.DESIGNATED)
          this.updateInfo(bp)
          break
        case INFO.MINE:
          this.setPortRole(bp, BSTP_ROLE.DESIGNATED)
          if (
            infoCmp(bp.portPv, d) !== INFO_SAME ||
            (rbp !== null &&
              (bp.portMsgAge !== rbp.portMsgAge ||
                bp.portMaxAge !== rbp.portMaxAge ||
                bp.portFdelay !== rbp.portFdelay ||
                bp.portHtime !== rbp.portHtime))
          )
            this.updateInfo(bp)
          break
        case INFO.RECEIVED:
          if (bp === rbp) {
            this.setPortRole(bp, BSTP_ROLE.ROOT)
            this.rootPort = bp
          } else if (infoCmp(bp.portPv, d) === INFO_BETTER) {
            // What we would send is better than what we hear: we are designated here.
            this.setPortRole(bp, BSTP_ROLE.DESIGNATED)
            this.updateInfo(bp)
          } else if (bp.portPv.dbMac === this.bridgePv.dbMac) {
            // The designated port is another of ours on the same segment.
            this.setPortRole(bp, BSTP_ROLE.BACKUP)
          } else this.setPortRole(bp, BSTP_ROLE.ALTERNATE)
          break
      }
    }
  }

  private updateState(bp: BstpPort): void {
    if (!this.allSynced) {
      let synced = true
      for (const p of this.ports)
        if (!(p.synced || p.role === BSTP_ROLE.ROOT)) {
          synced = false
          break
        }
      this.allSynced = synced
    }
    this.updateRoles(bp)
    this.updateTc(bp)
  }

  /** The Port Role Transitions state machine (§17.29). */
  private updateRoles(bp: BstpPort): void {
    switch (bp.role) {
      case BSTP_ROLE.DISABLED:
        if (bp.sync || !bp.synced || bp.reroot) {
          bp.sync = false
          bp.synced = true
          bp.reroot = false
        }
        break
      case BSTP_ROLE.ALTERNATE:
      case BSTP_ROLE.BACKUP:
        if ((this.allSynced && !bp.agree) || (bp.proposed && bp.agree)) {
          bp.proposed = false
          bp.agree = true
          bp.newInfo = true
        }
        if (bp.proposed && !bp.agree) {
          this.setAllSync()
          bp.proposed = false
        }
        if (bp.sync || !bp.synced || bp.reroot) {
          bp.sync = false
          bp.synced = true
          bp.reroot = false
        }
        break
      case BSTP_ROLE.ROOT:
        if (bp.state !== BSTP_IFSTATE.FORWARDING && !bp.reroot) this.setAllReroot()
        if ((this.allSynced && !bp.agree) || (bp.proposed && bp.agree)) {
          bp.proposed = false
          bp.sync = false
          bp.agree = true
          bp.newInfo = true
        }
        if (bp.proposed && !bp.agree) {
          this.setAllSync()
          bp.proposed = false
        }
        if (
          bp.state !== BSTP_IFSTATE.FORWARDING &&
          (!bp.forwardDelayTimer.active ||
            (this.rerooted(bp) && !bp.recentBackupTimer.active && bp.protover === BSTP_PROTO.RSTP))
        ) {
          if (bp.state === BSTP_IFSTATE.DISCARDING) this.setPortState(bp, BSTP_IFSTATE.LEARNING)
          else if (bp.state === BSTP_IFSTATE.LEARNING) this.setPortState(bp, BSTP_IFSTATE.FORWARDING)
        }
        if (bp.state === BSTP_IFSTATE.FORWARDING && bp.reroot) bp.reroot = false
        break
      case BSTP_ROLE.DESIGNATED:
        if (!bp.recentRootTimer.active && bp.reroot) bp.reroot = false
        if (
          (bp.state === BSTP_IFSTATE.DISCARDING && !bp.synced) ||
          (bp.agreed && !bp.synced) ||
          (bp.operEdge && !bp.synced) ||
          (bp.sync && bp.synced)
        ) {
          bp.recentRootTimer.stop()
          bp.synced = true
          bp.sync = false
        }
        if (bp.state !== BSTP_IFSTATE.FORWARDING && !bp.agreed && !bp.proposing && !bp.operEdge) {
          bp.proposing = true
          bp.newInfo = true
          bp.edgeDelayTimer.start(bp.ptpLink ? BSTP_DEFAULTS.migrateDelay : bp.desgMaxAge)
        }
        if (
          bp.state !== BSTP_IFSTATE.FORWARDING &&
          (!bp.forwardDelayTimer.active || bp.agreed || bp.operEdge) &&
          (!bp.recentRootTimer.active || !bp.reroot) &&
          !bp.sync
        ) {
          // Agreed or edge: straight to forwarding; otherwise discarding, learning, forwarding.
          if (bp.agreed || bp.operEdge || bp.state === BSTP_IFSTATE.LEARNING) {
            this.setPortState(bp, BSTP_IFSTATE.FORWARDING)
            bp.agreed = bp.protover === BSTP_PROTO.RSTP
          } else if (bp.state === BSTP_IFSTATE.DISCARDING) this.setPortState(bp, BSTP_IFSTATE.LEARNING)
        }
        if (
          ((bp.sync && !bp.synced) || (bp.reroot && bp.recentRootTimer.active) || bp.disputed) &&
          !bp.operEdge &&
          bp.state !== BSTP_IFSTATE.DISCARDING
        ) {
          this.setPortState(bp, BSTP_IFSTATE.DISCARDING)
          bp.disputed = false
          bp.forwardDelayTimer.start(bp.protover === BSTP_PROTO.RSTP ? bp.desgHtime : bp.desgFdelay)
        }
        break
    }
    if (bp.newInfo) this.transmit(bp)
  }

  /** The Topology Change state machine (§17.31). */
  private updateTc(bp: BstpPort): void {
    const desgOrRoot = bp.role === BSTP_ROLE.DESIGNATED || bp.role === BSTP_ROLE.ROOT
    switch (bp.tcstate) {
      case TC.ACTIVE:
        if (!desgOrRoot || bp.operEdge) this.setPortTc(bp, TC.LEARNING)
        if (bp.rcvdTcn) this.setPortTc(bp, TC.TCN)
        if (bp.rcvdTc) this.setPortTc(bp, TC.TC)
        if (bp.tcProp && !bp.operEdge) this.setPortTc(bp, TC.PROPAG)
        if (bp.rcvdTca) this.setPortTc(bp, TC.ACK)
        break
      case TC.INACTIVE:
        if ((bp.state === BSTP_IFSTATE.LEARNING || bp.state === BSTP_IFSTATE.FORWARDING) && !bp.fdbFlush)
          this.setPortTc(bp, TC.LEARNING)
        break
      case TC.LEARNING:
        if (bp.rcvdTc || bp.rcvdTcn || bp.rcvdTca || bp.tcProp) this.setPortTc(bp, TC.LEARNING)
        else if (!desgOrRoot && bp.state === BSTP_IFSTATE.DISCARDING) this.setPortTc(bp, TC.INACTIVE)
        if (desgOrRoot && bp.state === BSTP_IFSTATE.FORWARDING && !bp.operEdge)
          this.setPortTc(bp, TC.DETECTED)
        break
    }
  }

  private updateInfo(bp: BstpPort): void {
    bp.proposing = false
    bp.proposed = false
    if (bp.agreed && !this.betterSame(bp, INFO.MINE)) bp.agreed = false
    if (bp.synced && !bp.agreed) {
      bp.synced = false
      this.allSynced = false
    }
    bp.portPv.copyFrom(bp.desgPv)
    bp.portMsgAge = bp.desgMsgAge
    bp.portMaxAge = bp.desgMaxAge
    bp.portFdelay = bp.desgFdelay
    bp.portHtime = bp.desgHtime
    bp.infois = INFO.MINE
    // Sent on the next transmit opportunity, not now.
    bp.newInfo = true
  }

  private setOtherTcprop(bp: BstpPort): void {
    for (const p of this.ports) if (p !== bp) p.tcProp = true
  }

  private setAllReroot(): void {
    for (const p of this.ports) p.reroot = true
  }

  private setAllSync(): void {
    for (const p of this.ports) {
      p.sync = true
      p.synced = false
    }
    this.allSynced = false
  }

  private setPortState(bp: BstpPort, state: number): void {
    if (bp.state === state) return
    bp.state = state
    if (state === BSTP_IFSTATE.LEARNING)
      bp.forwardDelayTimer.start(bp.protover === BSTP_PROTO.RSTP ? bp.desgHtime : bp.desgFdelay)
    else if (state === BSTP_IFSTATE.FORWARDING) {
      bp.forwardDelayTimer.stop()
      bp.forwardTransitions++
    }
  }

  private setPortRole(bp: BstpPort, role: number): void {
    if (bp.role === role) return
    // Leaving the old role.
    switch (bp.role) {
      case BSTP_ROLE.DISABLED:
        bp.forwardDelayTimer.start(bp.desgMaxAge)
        break
      case BSTP_ROLE.BACKUP:
        bp.recentBackupTimer.start(bp.desgHtime * 2)
        bp.forwardDelayTimer.start(bp.desgFdelay)
        bp.sync = false
        bp.synced = true
        bp.reroot = false
        break
      case BSTP_ROLE.ALTERNATE:
        bp.forwardDelayTimer.start(bp.desgFdelay)
        bp.sync = false
        bp.synced = true
        bp.reroot = false
        break
      case BSTP_ROLE.ROOT:
        bp.recentRootTimer.start(BSTP_DEFAULTS.fwdDelay)
        break
    }
    bp.role = role
    bp.proposing = false
    this.allSynced = false
    switch (role) {
      case BSTP_ROLE.DISABLED:
      case BSTP_ROLE.ALTERNATE:
      case BSTP_ROLE.BACKUP:
        this.setPortState(bp, BSTP_IFSTATE.DISCARDING)
        bp.recentRootTimer.stop()
        bp.forwardDelayTimer.latch()
        bp.sync = false
        bp.synced = true
        bp.reroot = false
        break
      case BSTP_ROLE.ROOT:
        this.setPortState(bp, BSTP_IFSTATE.DISCARDING)
        bp.recentRootTimer.latch()
        bp.proposing = false
        break
      case BSTP_ROLE.DESIGNATED:
        bp.helloTimer.start(bp.desgHtime)
        bp.agree = false
        break
    }
    this.updateTc(bp)
  }

  private setPortProto(bp: BstpPort, proto: number): void {
    if (proto === BSTP_PROTO.STP) {
      // Only a downgrade happens on receipt; STP has no edges and 16-bit costs.
      bp.migrateDelayTimer.stop()
      bp.operEdge = false
      if (bp.pathCost > 65535) bp.pathCost = 65535
    } else if (proto === BSTP_PROTO.RSTP) bp.migrateDelayTimer.start(this.migrationDelay)
    else return
    bp.protover = proto
    bp.canMigrate = false
  }

  private setPortTc(bp: BstpPort, state: number): void {
    bp.tcstate = state
    switch (state) {
      case TC.INACTIVE:
        bp.tcTimer.stop()
        this.flush(bp)
        bp.tcAck = false
        break
      case TC.LEARNING:
        bp.rcvdTc = false
        bp.rcvdTcn = false
        bp.rcvdTca = false
        bp.tcProp = false
        break
      case TC.DETECTED:
        this.setTimerTc(bp)
        this.setOtherTcprop(bp)
        bp.newInfo = true
        this.transmit(bp)
        bp.tcstate = TC.ACTIVE
        break
      case TC.TCN:
      case TC.TC:
        if (state === TC.TCN) this.setTimerTc(bp)
        bp.rcvdTc = false
        bp.rcvdTcn = false
        if (bp.role === BSTP_ROLE.DESIGNATED) bp.tcAck = true
        this.setOtherTcprop(bp)
        bp.tcstate = TC.ACTIVE
        break
      case TC.PROPAG:
        this.flush(bp)
        bp.tcProp = false
        this.setTimerTc(bp)
        bp.tcstate = TC.ACTIVE
        break
      case TC.ACK:
        bp.tcTimer.stop()
        bp.rcvdTca = false
        bp.tcstate = TC.ACTIVE
        break
    }
  }

  /** Flush what the bridge learned on the port: at once for RSTP, after fwddelay for STP. */
  private flush(bp: BstpPort): void {
    if (!bp.active) return
    bp.fdbFlush = true
    this.bridge.rtage(bp.ifp, bp.protover === BSTP_PROTO.STP ? Math.floor(bp.desgFdelay / T) : 0)
    bp.fdbFlush = false
  }

  private setTimerTc(bp: BstpPort): void {
    if (bp.tcTimer.active) return
    if (bp.protover === BSTP_PROTO.RSTP) {
      bp.tcTimer.start(bp.desgHtime + T)
      bp.newInfo = true
    } else bp.tcTimer.start(this.rootMaxAge + this.rootFdelay)
  }

  private setTimerMsgage(bp: BstpPort): void {
    if (bp.portMsgAge + MESSAGE_AGE_INCR <= bp.portMaxAge) bp.messageAgeTimer.start(bp.portHtime * 3)
    else bp.messageAgeTimer.start(0)
  }

  private rerooted(bp: BstpPort): boolean {
    for (const p of this.ports) if (p !== bp && p.recentRootTimer.active) return false
    return true
  }

  // ---- administration ----

  /** Seconds in; EPERM outside STP mode, EINVAL out of range (bstp_set_htime). */
  setHelloTime(sec: number): 'EPERM' | 'EINVAL' | null {
    if (this.protover !== BSTP_PROTO.STP) return 'EPERM'
    const t = sec * T
    if (t < MIN_HELLO || t > MAX_HELLO) return 'EINVAL'
    this.bridgeHtime = t
    this.reinit()
    return null
  }

  setFwdDelay(sec: number): 'EINVAL' | null {
    const t = sec * T
    if (t < MIN_FWD_DELAY || t > MAX_FWD_DELAY) return 'EINVAL'
    this.bridgeFdelay = t
    this.reinit()
    return null
  }

  setMaxAge(sec: number): 'EINVAL' | null {
    const t = sec * T
    if (t < MIN_MAX_AGE || t > MAX_MAX_AGE) return 'EINVAL'
    this.bridgeMaxAge = t
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
      this.setPortProto(bp, proto)
      this.setPortRole(bp, BSTP_ROLE.DISABLED)
      this.setPortTc(bp, TC.INACTIVE)
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
    if (on && bp.role !== BSTP_ROLE.DISABLED && this.ifUpdStatus(bp)) this.assignRoles()
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
    if (this.ifUpdStatus(bp)) this.assignRoles()
    this.settle(bp)
  }

  private tick(): void {
    if (!this.running) return
    let changed = false
    for (const bp of this.ports) if (this.ifUpdStatus(bp)) changed = true
    if (changed) this.assignRoles()
    for (const bp of this.ports) {
      bp.tcTimer.tick()
      bp.recentRootTimer.tick()
      bp.forwardDelayTimer.tick()
      bp.recentBackupTimer.tick()
      if (bp.helloTimer.tick()) this.helloTimerExpiry(bp)
      if (bp.messageAgeTimer.tick()) this.messageAgeExpiry(bp)
      if (bp.migrateDelayTimer.tick()) bp.canMigrate = true
      if (bp.edgeDelayTimer.tick()) this.edgeDelayExpiry(bp)
      this.updateState(bp)
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
      this.assignRoles()
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
        this.setPortRole(bp, BSTP_ROLE.DISABLED)
      }
      this.timer.cancel()
      return
    }
    if (this.running && !this.timer.armed) this.timer.arm(SEC)
    for (const bp of this.ports) {
      bp.portId = (bp.priority << 8) | (bp.ifp.index & 0xfff)
      this.ifUpdStatus(bp)
    }
    this.assignRoles()
  }

  /** The bridge is going away. */
  detach(): void {
    this.running = false
    this.timer.cancel()
    this.ports.length = 0
  }
}
