/**
 * bridgestp(4)'s BPDUs on the wire for one bridge: bstp_input (decode, check and hand a received
 * BPDU to the port's receive machine, §17.21 and §17.27) and the sending side of bstp_transmit
 * (configuration, RST and TCN BPDUs built in the state's one BPDU buffer, §17.26).
 *
 * Must not: throw on a received frame (a malformed BPDU is dropped and counted in rxBad), or
 * allocate per BPDU beyond the frame sent.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
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
} from '../../../wire/link/bpdu.js'
import { ETHER_HDR_LEN } from '../../../wire/link/ethernet.js'
import { IFF } from '../ifnet.js'
import type { BstpState } from './bridgestp.js'
import {
  BSTP_DEFAULTS,
  BSTP_IFSTATE,
  BSTP_PROTO,
  BSTP_ROLE,
  type BstpPort,
  INFO,
  MIN_HELLO,
  PDU,
} from './bridgestp_port.js'
import {
  assignRoles,
  betterSame,
  setPortProto,
  setTimerMsgage,
  updateState,
  updateTc,
} from './bridgestp_sm.js'
import { INFO_SAME, infoCmp, infoSuperior } from './bridgestp_vec.js'

// ---- input ----

/**
 * bstp_input: a frame to the Bridge Group Address arrived on bp's member (m at its Ethernet
 * header). Always consumes m.
 */
export function bstpInput(bs: BstpState, bp: BstpPort, m: Mbuf): void {
  const pool = bp.ifp.vnet.env.pool
  if (!bp.active) {
    pool.put(m)
    return
  }
  const buf = m.data
  // An 802.3 frame: the type field is the length of what follows.
  let len = (buf[m.off + 12]! << 8) | buf[m.off + 13]!
  if (len > m.len - ETHER_HDR_LEN) len = m.len - ETHER_HDR_LEN
  const rx = bs.rx
  const err = decodeBpdu(buf, m.off + ETHER_HDR_LEN, len, rx)
  pool.put(m)
  if (err !== null) {
    bs.stats.rxBad++
    return
  }
  bs.stats.rxBpdu++
  if (rx.version !== bp.protover) {
    // Wait out the migration delay before changing version, against flip-flops (§17.24).
    if (!bp.canMigrate) return
    setPortProto(bs, bp, rx.version)
  }
  // A BPDU on the port: it is not an edge (§17.25).
  bp.operEdge = false
  bp.edgeDelayTimer.start(BSTP_DEFAULTS.migrateDelay)
  if (rx.version === BPDU_PROTO.STP) {
    if (rx.type === BPDU_TYPE.TCN) {
      bp.rcvdTcn = true
      updateTc(bs, bp)
      return
    }
    if (rx.type !== BPDU_TYPE.CFG) return
  } else if (rx.type !== BPDU_TYPE.RST) return
  decode(bs, bp, rx)
  receivedBpdu(bs, bp)
}

/** bstp_decode_bpdu into this.cu and bp.msgPv. */
export function decode(bs: BstpState, bp: BstpPort, rx: Bpdu): void {
  const pv = bp.msgPv
  pv.rootPri = rx.rootPri
  pv.rootMac = rx.rootMac
  pv.cost = rx.rootCost
  pv.dbPri = rx.bridgePri
  pv.dbMac = rx.bridgeMac
  pv.dport = rx.portId
  pv.port = bp.portId
  const cu = bs.cu
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
export function receivedBpdu(bs: BstpState, bp: BstpPort): void {
  if (bp.infois === INFO.DISABLED || bp.infois === INFO.AGED) return
  const cu = bs.cu
  switch (rcvType(bs, bp)) {
    case PDU.SUPERIOR:
      bs.allSynced = false
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
      assignRoles(bs)
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
  settle(bs, bp)
}

/**
 * Run the state machines of bp, then of every port, until they rest (two passes suffice: a root
 * port goes discarding, learning, forwarding). 802.1D's machines act the moment a condition
 * holds; bridgestp(4) waits for the port's next event or tick, up to a second, at each step of a
 * handshake, which is why it can take seconds where RSTP promises sub-second recovery.
 */
export function settle(bs: BstpState, bp: BstpPort | null): void {
  if (bp !== null) updateState(bs, bp)
  for (let pass = 0; pass < 2; pass++) for (const p of bs.ports) updateState(bs, p)
}

export function rcvType(bs: BstpState, bp: BstpPort): number {
  const cu = bs.cu
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

export function transmitBpdu(bs: BstpState, bp: BstpPort): void {
  const b = bs.tx
  const pv = bp.desgPv
  b.type = bp.protover === BSTP_PROTO.RSTP ? BPDU_TYPE.RST : BPDU_TYPE.CFG
  b.version = bp.protover
  b.flags = pduFlags(bs, bp)
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
  send(bs, bp, b)
}

export function transmitTcn(bs: BstpState, bp: BstpPort): void {
  const b = bs.tx
  b.type = BPDU_TYPE.TCN
  b.version = BSTP_PROTO.STP
  send(bs, bp, b)
}

/** An 802.3 frame from the member's address to the Bridge Group Address, LLC and the BPDU. */
export function send(bs: BstpState, bp: BstpPort, b: Bpdu): void {
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
  bs.stats.txBpdu++
  ifp.transmitToLink(m)
}

export function pduFlags(_bs: BstpState, bp: BstpPort): number {
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
