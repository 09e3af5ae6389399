/**
 * Bridge PDUs of 802.1D (STP configuration and topology change notification) and 802.1w/802.1D-2004
 * (RST BPDU), as they travel in an 802.3 frame to 01:80:c2:00:00:00 behind LLC DSAP 0x42, SSAP 0x42,
 * UI (0x03). Times on the wire are in 1/256 s (802.1D-2004 §9.2.8); bridge identifiers are a 16-bit
 * priority and a 48-bit MAC, kept apart so no 64-bit arithmetic is needed.
 *
 * `decodeBpdu` fills a caller-owned record and returns why a frame is not a usable BPDU (so the
 * caller can count it), never throwing; `encodeBpdu` writes one. Neither knows about ports or state.
 */

import { readMac, readU16, readU32, writeMac, writeU16, writeU32 } from '../addr.js'

/** The Bridge Group Address (802.1D §7.12.3). */
export const BSTP_GROUP_MAC = 0x0180c2000000
export const LLC_8021D_LSAP = 0x42
export const LLC_UI = 0x03

export const BPDU_TYPE = { CFG: 0x00, RST: 0x02, TCN: 0x80 } as const
export const BPDU_PROTO = { STP: 0, RSTP: 2 } as const

/** Bytes after the Ethernet header: LLC (3) + TCN (4), configuration (35), RST (36). */
export const BPDU_TCN_LEN = 7
export const BPDU_CFG_LEN = 38
export const BPDU_RST_LEN = 39

/** BPDU flag bits (802.1D-2004 §9.3.3). */
export const BPDU_F = {
  TC: 0x01,
  P: 0x02,
  /** Port role, bits 3-4. */
  ROLE_SHIFT: 2,
  ROLE_MASK: 0x0c,
  L: 0x10,
  F: 0x20,
  A: 0x40,
  TCA: 0x80,
} as const

/** The role field's values. */
export const BPDU_ROLE = { UNKNOWN: 0, ALT: 1, ROOT: 2, DESG: 3 } as const

/** Flags an STP configuration BPDU may carry; the others must be ignored (§9.3.1). */
export const BPDU_STP_FLAGS = 0x81
export const BPDU_RSTP_FLAGS = 0x7f

export interface Bpdu {
  /** Protocol version: 0 (STP), 2 (RSTP); higher versions are read as 2 (§9.3.4). */
  version: number
  type: number
  flags: number
  rootPri: number
  rootMac: number
  rootCost: number
  bridgePri: number
  bridgeMac: number
  portId: number
  /** Times in 1/256 s. */
  messageAge: number
  maxAge: number
  helloTime: number
  fwdDelay: number
}

export function newBpdu(): Bpdu {
  return {
    version: 0,
    type: 0,
    flags: 0,
    rootPri: 0,
    rootMac: 0,
    rootCost: 0,
    bridgePri: 0,
    bridgeMac: 0,
    portId: 0,
    messageAge: 0,
    maxAge: 0,
    helloTime: 0,
    fwdDelay: 0,
  }
}

/** Why a frame was not accepted as a BPDU. */
export type BpduError = 'short' | 'llc' | 'protocol' | 'type'

/**
 * Read the BPDU at buf[off..off+len) (after the Ethernet header; `len` already cut to the 802.3
 * length field by the caller) into `out`. Returns null when it is a BPDU, else why not.
 */
export function decodeBpdu(buf: Uint8Array, off: number, len: number, out: Bpdu): BpduError | null {
  if (len < BPDU_TCN_LEN || off < 0 || off + len > buf.length) return 'short'
  if (buf[off] !== LLC_8021D_LSAP || buf[off + 1] !== LLC_8021D_LSAP || buf[off + 2] !== LLC_UI) return 'llc'
  if (readU16(buf, off + 3) !== 0) return 'protocol'
  const ver = buf[off + 5]!
  out.version = ver > BPDU_PROTO.RSTP ? BPDU_PROTO.RSTP : ver
  out.type = buf[off + 6]!
  if (out.type === BPDU_TYPE.TCN) {
    // A TCN is an STP message; an RSTP bridge never sends one, but accepts it (§9.3.4 c).
    out.flags = 0
    return null
  }
  if (out.type !== BPDU_TYPE.CFG && out.type !== BPDU_TYPE.RST) return 'type'
  if (len < (out.type === BPDU_TYPE.RST ? BPDU_RST_LEN : BPDU_CFG_LEN)) return 'short'
  const o = off + 7
  out.flags = buf[o]!
  out.rootPri = readU16(buf, o + 1)
  out.rootMac = readMac(buf, o + 3)
  out.rootCost = readU32(buf, o + 9)
  out.bridgePri = readU16(buf, o + 13)
  out.bridgeMac = readMac(buf, o + 15)
  out.portId = readU16(buf, o + 21)
  out.messageAge = readU16(buf, o + 23)
  out.maxAge = readU16(buf, o + 25)
  out.helloTime = readU16(buf, o + 27)
  out.fwdDelay = readU16(buf, o + 29)
  return null
}

/** Bytes encodeBpdu writes for b (after the Ethernet header). */
export function bpduLength(b: Bpdu): number {
  return b.type === BPDU_TYPE.TCN ? BPDU_TCN_LEN : b.type === BPDU_TYPE.RST ? BPDU_RST_LEN : BPDU_CFG_LEN
}

/** Write b at buf[off..]; returns the bytes written. */
export function encodeBpdu(b: Bpdu, buf: Uint8Array, off: number): number {
  buf[off] = LLC_8021D_LSAP
  buf[off + 1] = LLC_8021D_LSAP
  buf[off + 2] = LLC_UI
  writeU16(buf, off + 3, 0)
  buf[off + 5] = b.type === BPDU_TYPE.RST ? BPDU_PROTO.RSTP : BPDU_PROTO.STP
  buf[off + 6] = b.type
  if (b.type === BPDU_TYPE.TCN) return BPDU_TCN_LEN
  const o = off + 7
  buf[o] = b.flags
  writeU16(buf, o + 1, b.rootPri)
  writeMac(buf, o + 3, b.rootMac)
  writeU32(buf, o + 9, b.rootCost)
  writeU16(buf, o + 13, b.bridgePri)
  writeMac(buf, o + 15, b.bridgeMac)
  writeU16(buf, o + 21, b.portId)
  writeU16(buf, o + 23, b.messageAge)
  writeU16(buf, o + 25, b.maxAge)
  writeU16(buf, o + 27, b.helloTime)
  writeU16(buf, o + 29, b.fwdDelay)
  if (b.type === BPDU_TYPE.CFG) return BPDU_CFG_LEN
  // Version 1 length: 0 (§9.3.3).
  buf[o + 31] = 0
  return BPDU_RST_LEN
}
