/**
 * bridgestp(4)'s vocabulary and per-port record: port states, roles and protocol names in the order
 * ifconfig prints them, 802.1D-2004's defaults and limits (times in 1/256 s), and struct
 * bstp_port's fields. Plain data: nothing here sends, receives or decides.
 */

import type { Ifnet } from '../ifnet.js'
import type { BstpState } from './bridgestp.js'
import { BSTP_TICK_VAL, BstpTimer, PriVec } from './bridgestp_vec.js'

/** Port states, in the order of STP_STATES (what ifconfig prints). */
export const BSTP_IFSTATE = {
  DISABLED: 0,
  LISTENING: 1,
  LEARNING: 2,
  FORWARDING: 3,
  BLOCKING: 4,
  DISCARDING: 5,
} as const
export const STP_STATES = [
  'disabled',
  'listening',
  'learning',
  'forwarding',
  'blocking',
  'discarding',
] as const

/** Port roles, in the order of STP_ROLES. */
export const BSTP_ROLE = { DISABLED: 0, ROOT: 1, DESIGNATED: 2, ALTERNATE: 3, BACKUP: 4 } as const
export const STP_ROLES = ['disabled', 'root', 'designated', 'alternate', 'backup'] as const

export const BSTP_PROTO = { STP: 0, RSTP: 2 } as const
/** STP_PROTOS: index 1 is unused. */
export const STP_PROTOS = ['stp', '-', 'rstp'] as const

export const INFO = { RECEIVED: 1, MINE: 2, AGED: 3, DISABLED: 4 } as const
export const TC = {
  ACTIVE: 1,
  INACTIVE: 2,
  LEARNING: 3,
  DETECTED: 4,
  TCN: 5,
  TC: 6,
  PROPAG: 7,
  ACK: 8,
} as const
export const PDU = { SUPERIOR: 1, REPEATED: 2, INFERIOR: 3, INFERIORALT: 4, OTHER: 5 } as const

export const T = BSTP_TICK_VAL
export const BSTP_DEFAULTS = {
  maxAge: 20 * T,
  helloTime: 2 * T,
  fwdDelay: 15 * T,
  migrateDelay: 3 * T,
  holdCount: 6,
  bridgePriority: 0x8000,
  portPriority: 0x80,
} as const
export const MESSAGE_AGE_INCR = 1 * T
export const MIN_HELLO = 1 * T
export const MAX_HELLO = 2 * T
export const MIN_MAX_AGE = 6 * T
export const MAX_MAX_AGE = 40 * T
export const MIN_FWD_DELAY = 4 * T
export const MAX_FWD_DELAY = 30 * T
export const MIN_HOLD = 1
export const MAX_HOLD = 10
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
export interface ConfigUnit {
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
