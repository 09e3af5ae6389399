/**
 * bridgestp(4)'s state machines of 802.1D-2004 clause 17 for one bridge: Port Role Selection
 * (assignRoles, §17.28), Port Role Transitions (updateRoles, §17.29), Port State Transition
 * (setPortState), Topology Change (updateTc, setPortTc, §17.31) and the bookkeeping they share.
 * They act on a BstpState and its ports; sending goes through BstpState.transmit, flushing through
 * the bridge's rtage. Must not: send or flush in any other way, or allocate on the BPDU path beyond
 * role selection's one vector.
 */

import type { BstpState } from './bridgestp.js'
import {
  BSTP_DEFAULTS,
  BSTP_IFSTATE,
  BSTP_PROTO,
  BSTP_ROLE,
  type BstpPort,
  INFO,
  MESSAGE_AGE_INCR,
  T,
  TC,
} from './bridgestp_port.js'
import { INFO_BETTER, INFO_SAME, infoCmp, PriVec } from './bridgestp_vec.js'

export function assignRoles(bs: BstpState): void {
  bs.rootPv.copyFrom(bs.bridgePv)
  bs.rootMsgAge = 0
  bs.rootMaxAge = bs.bridgeMaxAge
  bs.rootFdelay = bs.bridgeFdelay
  bs.rootHtime = bs.bridgeHtime
  bs.rootPort = null
  let rbp: BstpPort | null = null
  const pv = new PriVec()
  for (const bp of bs.ports) {
    if (bp.infois !== INFO.RECEIVED) continue
    pv.copyFrom(bp.portPv)
    pv.cost += bp.pathCost
    // The best of our own vector and the root path vectors not designated by ourselves.
    if (pv.dbMac !== bs.bridgePv.dbMac && infoCmp(bs.rootPv, pv) === INFO_BETTER) {
      bs.rootPv.copyFrom(pv)
      bs.rootMsgAge = bp.portMsgAge + MESSAGE_AGE_INCR
      bs.rootMaxAge = bp.portMaxAge
      bs.rootFdelay = bp.portFdelay
      bs.rootHtime = bp.portHtime
      rbp = bp
    }
  }
  for (const bp of bs.ports) {
    const d = bp.desgPv
    d.rootPri = bs.rootPv.rootPri
    d.rootMac = bs.rootPv.rootMac
    d.cost = bs.rootPv.cost
    d.dbPri = bs.bridgePv.dbPri
    d.dbMac = bs.bridgePv.dbMac
    d.dport = bp.portId
    d.port = bp.portId
    bp.desgMsgAge = bs.rootMsgAge
    bp.desgMaxAge = bs.rootMaxAge
    bp.desgFdelay = bs.rootFdelay
    bp.desgHtime = bs.bridgeHtime
    switch (bp.infois) {
      case INFO.DISABLED:
        setPortRole(bs, bp, BSTP_ROLE.DISABLED)
        break
      case INFO.AGED:
        setPortRole(bs, bp, BSTP_ROLE.DESIGNATED)
        updateInfo(bs, bp)
        break
      case INFO.MINE:
        setPortRole(bs, bp, BSTP_ROLE.DESIGNATED)
        if (
          infoCmp(bp.portPv, d) !== INFO_SAME ||
          (rbp !== null &&
            (bp.portMsgAge !== rbp.portMsgAge ||
              bp.portMaxAge !== rbp.portMaxAge ||
              bp.portFdelay !== rbp.portFdelay ||
              bp.portHtime !== rbp.portHtime))
        )
          updateInfo(bs, bp)
        break
      case INFO.RECEIVED:
        if (bp === rbp) {
          setPortRole(bs, bp, BSTP_ROLE.ROOT)
          bs.rootPort = bp
        } else if (infoCmp(bp.portPv, d) === INFO_BETTER) {
          // What we would send is better than what we hear: we are designated here.
          setPortRole(bs, bp, BSTP_ROLE.DESIGNATED)
          updateInfo(bs, bp)
        } else if (bp.portPv.dbMac === bs.bridgePv.dbMac) {
          // The designated port is another of ours on the same segment.
          setPortRole(bs, bp, BSTP_ROLE.BACKUP)
        } else setPortRole(bs, bp, BSTP_ROLE.ALTERNATE)
        break
    }
  }
}

export function updateState(bs: BstpState, bp: BstpPort): void {
  if (!bs.allSynced) {
    let synced = true
    for (const p of bs.ports)
      if (!(p.synced || p.role === BSTP_ROLE.ROOT)) {
        synced = false
        break
      }
    bs.allSynced = synced
  }
  updateRoles(bs, bp)
  updateTc(bs, bp)
}

/** The Port Role Transitions state machine (§17.29). */
export function updateRoles(bs: BstpState, bp: BstpPort): void {
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
      if ((bs.allSynced && !bp.agree) || (bp.proposed && bp.agree)) {
        bp.proposed = false
        bp.agree = true
        bp.newInfo = true
      }
      if (bp.proposed && !bp.agree) {
        setAllSync(bs)
        bp.proposed = false
      }
      if (bp.sync || !bp.synced || bp.reroot) {
        bp.sync = false
        bp.synced = true
        bp.reroot = false
      }
      break
    case BSTP_ROLE.ROOT:
      if (bp.state !== BSTP_IFSTATE.FORWARDING && !bp.reroot) setAllReroot(bs)
      if ((bs.allSynced && !bp.agree) || (bp.proposed && bp.agree)) {
        bp.proposed = false
        bp.sync = false
        bp.agree = true
        bp.newInfo = true
      }
      if (bp.proposed && !bp.agree) {
        setAllSync(bs)
        bp.proposed = false
      }
      if (
        bp.state !== BSTP_IFSTATE.FORWARDING &&
        (!bp.forwardDelayTimer.active ||
          (rerooted(bs, bp) && !bp.recentBackupTimer.active && bp.protover === BSTP_PROTO.RSTP))
      ) {
        if (bp.state === BSTP_IFSTATE.DISCARDING) setPortState(bp, BSTP_IFSTATE.LEARNING)
        else if (bp.state === BSTP_IFSTATE.LEARNING) setPortState(bp, BSTP_IFSTATE.FORWARDING)
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
          setPortState(bp, BSTP_IFSTATE.FORWARDING)
          bp.agreed = bp.protover === BSTP_PROTO.RSTP
        } else if (bp.state === BSTP_IFSTATE.DISCARDING) setPortState(bp, BSTP_IFSTATE.LEARNING)
      }
      if (
        ((bp.sync && !bp.synced) || (bp.reroot && bp.recentRootTimer.active) || bp.disputed) &&
        !bp.operEdge &&
        bp.state !== BSTP_IFSTATE.DISCARDING
      ) {
        setPortState(bp, BSTP_IFSTATE.DISCARDING)
        bp.disputed = false
        bp.forwardDelayTimer.start(bp.protover === BSTP_PROTO.RSTP ? bp.desgHtime : bp.desgFdelay)
      }
      break
  }
  if (bp.newInfo) bs.transmit(bp)
}

/** The Topology Change state machine (§17.31). */
export function updateTc(bs: BstpState, bp: BstpPort): void {
  const desgOrRoot = bp.role === BSTP_ROLE.DESIGNATED || bp.role === BSTP_ROLE.ROOT
  switch (bp.tcstate) {
    case TC.ACTIVE:
      if (!desgOrRoot || bp.operEdge) setPortTc(bs, bp, TC.LEARNING)
      if (bp.rcvdTcn) setPortTc(bs, bp, TC.TCN)
      if (bp.rcvdTc) setPortTc(bs, bp, TC.TC)
      if (bp.tcProp && !bp.operEdge) setPortTc(bs, bp, TC.PROPAG)
      if (bp.rcvdTca) setPortTc(bs, bp, TC.ACK)
      break
    case TC.INACTIVE:
      if ((bp.state === BSTP_IFSTATE.LEARNING || bp.state === BSTP_IFSTATE.FORWARDING) && !bp.fdbFlush)
        setPortTc(bs, bp, TC.LEARNING)
      break
    case TC.LEARNING:
      if (bp.rcvdTc || bp.rcvdTcn || bp.rcvdTca || bp.tcProp) setPortTc(bs, bp, TC.LEARNING)
      else if (!desgOrRoot && bp.state === BSTP_IFSTATE.DISCARDING) setPortTc(bs, bp, TC.INACTIVE)
      if (desgOrRoot && bp.state === BSTP_IFSTATE.FORWARDING && !bp.operEdge) setPortTc(bs, bp, TC.DETECTED)
      break
  }
}

export function updateInfo(bs: BstpState, bp: BstpPort): void {
  bp.proposing = false
  bp.proposed = false
  if (bp.agreed && !betterSame(bp, INFO.MINE)) bp.agreed = false
  if (bp.synced && !bp.agreed) {
    bp.synced = false
    bs.allSynced = false
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

export function betterSame(bp: BstpPort, newInfo: number): boolean {
  if (newInfo === INFO.RECEIVED && bp.infois === INFO.RECEIVED && infoCmp(bp.portPv, bp.msgPv) >= INFO_SAME)
    return true
  if (newInfo === INFO.MINE && bp.infois === INFO.MINE && infoCmp(bp.portPv, bp.desgPv) >= INFO_SAME)
    return true
  return false
}

export function setOtherTcprop(bs: BstpState, bp: BstpPort): void {
  for (const p of bs.ports) if (p !== bp) p.tcProp = true
}

export function setAllReroot(bs: BstpState): void {
  for (const p of bs.ports) p.reroot = true
}

export function setAllSync(bs: BstpState): void {
  for (const p of bs.ports) {
    p.sync = true
    p.synced = false
  }
  bs.allSynced = false
}

export function setPortState(bp: BstpPort, state: number): void {
  if (bp.state === state) return
  bp.state = state
  if (state === BSTP_IFSTATE.LEARNING)
    bp.forwardDelayTimer.start(bp.protover === BSTP_PROTO.RSTP ? bp.desgHtime : bp.desgFdelay)
  else if (state === BSTP_IFSTATE.FORWARDING) {
    bp.forwardDelayTimer.stop()
    bp.forwardTransitions++
  }
}

export function setPortRole(bs: BstpState, bp: BstpPort, role: number): void {
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
  bs.allSynced = false
  switch (role) {
    case BSTP_ROLE.DISABLED:
    case BSTP_ROLE.ALTERNATE:
    case BSTP_ROLE.BACKUP:
      setPortState(bp, BSTP_IFSTATE.DISCARDING)
      bp.recentRootTimer.stop()
      bp.forwardDelayTimer.latch()
      bp.sync = false
      bp.synced = true
      bp.reroot = false
      break
    case BSTP_ROLE.ROOT:
      setPortState(bp, BSTP_IFSTATE.DISCARDING)
      bp.recentRootTimer.latch()
      bp.proposing = false
      break
    case BSTP_ROLE.DESIGNATED:
      bp.helloTimer.start(bp.desgHtime)
      bp.agree = false
      break
  }
  updateTc(bs, bp)
}

export function setPortProto(bs: BstpState, bp: BstpPort, proto: number): void {
  if (proto === BSTP_PROTO.STP) {
    // Only a downgrade happens on receipt; STP has no edges and 16-bit costs.
    bp.migrateDelayTimer.stop()
    bp.operEdge = false
    if (bp.pathCost > 65535) bp.pathCost = 65535
  } else if (proto === BSTP_PROTO.RSTP) bp.migrateDelayTimer.start(bs.migrationDelay)
  else return
  bp.protover = proto
  bp.canMigrate = false
}

export function setPortTc(bs: BstpState, bp: BstpPort, state: number): void {
  bp.tcstate = state
  switch (state) {
    case TC.INACTIVE:
      bp.tcTimer.stop()
      flush(bs, bp)
      bp.tcAck = false
      break
    case TC.LEARNING:
      bp.rcvdTc = false
      bp.rcvdTcn = false
      bp.rcvdTca = false
      bp.tcProp = false
      break
    case TC.DETECTED:
      setTimerTc(bs, bp)
      setOtherTcprop(bs, bp)
      bp.newInfo = true
      bs.transmit(bp)
      bp.tcstate = TC.ACTIVE
      break
    case TC.TCN:
    case TC.TC:
      if (state === TC.TCN) setTimerTc(bs, bp)
      bp.rcvdTc = false
      bp.rcvdTcn = false
      if (bp.role === BSTP_ROLE.DESIGNATED) bp.tcAck = true
      setOtherTcprop(bs, bp)
      bp.tcstate = TC.ACTIVE
      break
    case TC.PROPAG:
      flush(bs, bp)
      bp.tcProp = false
      setTimerTc(bs, bp)
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
export function flush(bs: BstpState, bp: BstpPort): void {
  if (!bp.active) return
  bp.fdbFlush = true
  bs.bridge.rtage(bp.ifp, bp.protover === BSTP_PROTO.STP ? Math.floor(bp.desgFdelay / T) : 0)
  bp.fdbFlush = false
}

export function setTimerTc(bs: BstpState, bp: BstpPort): void {
  if (bp.tcTimer.active) return
  if (bp.protover === BSTP_PROTO.RSTP) {
    bp.tcTimer.start(bp.desgHtime + T)
    bp.newInfo = true
  } else bp.tcTimer.start(bs.rootMaxAge + bs.rootFdelay)
}

export function setTimerMsgage(bp: BstpPort): void {
  if (bp.portMsgAge + MESSAGE_AGE_INCR <= bp.portMaxAge) bp.messageAgeTimer.start(bp.portHtime * 3)
  else bp.messageAgeTimer.start(0)
}

export function rerooted(bs: BstpState, bp: BstpPort): boolean {
  for (const p of bs.ports) if (p !== bp && p.recentRootTimer.active) return false
  return true
}
