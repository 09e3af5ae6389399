/**
 * Building IS-IS PDUs (ISO 10589 §9): the TLV writer and the values of the TLVs a router sends
 * (area addresses, IS neighbours' MACs, IP interface addresses, extended IS and IP reachability,
 * LSP entries, RFC 5303's p2p adjacency, text), and LAN and point-to-point IIHs padded as §8.2.3 and
 * §8.4.1 ask, LSPs with their Fletcher checksum, CSNPs and PSNPs. Parsing is isis.ts's.
 *
 * Must not: take a value it cannot encode without saying so in its type (lengths are the caller's).
 */

import { writeMac, writeU16, writeU32 } from '../addr.js'
import {
  fletcher,
  HDR_LEN,
  type IpReach,
  IRPD,
  type IsReach,
  type LspEntry,
  type P2pAdj,
  PduType,
  putHex,
  Tlv,
} from './isis.js'

/** A TLV list being written: call tlv() per TLV, then bytes(). */
export class TlvWriter {
  private readonly parts: Uint8Array[] = []
  size = 0

  tlv(code: number, value: Uint8Array): this {
    const b = new Uint8Array(2 + value.length)
    b[0] = code
    b[1] = value.length
    b.set(value, 2)
    this.parts.push(b)
    this.size += b.length
    return this
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size)
    let p = 0
    for (const x of this.parts) {
      out.set(x, p)
      p += x.length
    }
    return out
  }
}

export function areasValue(areas: readonly string[]): Uint8Array {
  const out: number[] = []
  for (const a of areas) {
    out.push(a.length / 2)
    for (let i = 0; i < a.length; i += 2) out.push(Number.parseInt(a.slice(i, i + 2), 16))
  }
  return Uint8Array.from(out)
}

export function macsValue(macs: readonly number[]): Uint8Array {
  const b = new Uint8Array(6 * macs.length)
  for (const [i, m] of macs.entries()) writeMac(b, 6 * i, m)
  return b
}

export function ipAddrsValue(addrs: readonly number[]): Uint8Array {
  const b = new Uint8Array(4 * addrs.length)
  for (const [i, a] of addrs.entries()) writeU32(b, 4 * i, a)
  return b
}

/** One extended IS reachability entry (11 bytes, no sub-TLVs). */
export function isReachEntry(r: IsReach): Uint8Array {
  const b = new Uint8Array(11)
  putHex(b, 0, r.id)
  b[7] = (r.metric >>> 16) & 0xff
  b[8] = (r.metric >>> 8) & 0xff
  b[9] = r.metric & 0xff
  return b
}

/** One extended IP reachability entry (5 + prefix bytes). */
export function ipReachEntry(r: IpReach): Uint8Array {
  const bytes = (r.len + 7) >> 3
  const b = new Uint8Array(5 + bytes)
  writeU32(b, 0, r.metric)
  b[4] = (r.down ? 0x80 : 0) | r.len
  for (let i = 0; i < bytes; i++) b[5 + i] = (r.addr >>> (24 - 8 * i)) & 0xff
  return b
}

export function lspEntriesValue(es: readonly LspEntry[]): Uint8Array {
  const b = new Uint8Array(16 * es.length)
  es.forEach((e, i) => {
    writeU16(b, 16 * i, e.lifetime)
    putHex(b, 16 * i + 2, e.id)
    writeU32(b, 16 * i + 10, e.seq)
    writeU16(b, 16 * i + 14, e.checksum)
  })
  return b
}

export function p2pAdjValue(a: P2pAdj): Uint8Array {
  const b = new Uint8Array(a.nbrSysId === null ? 5 : 15)
  b[0] = a.state
  writeU32(b, 1, a.extCircuitId)
  if (a.nbrSysId !== null) {
    putHex(b, 5, a.nbrSysId)
    writeU32(b, 11, a.nbrExtCircuitId)
  }
  return b
}

export function textValue(s: string): Uint8Array {
  const b = new Uint8Array(Math.min(s.length, 255))
  for (let i = 0; i < b.length; i++) b[i] = s.charCodeAt(i) & 0xff
  return b
}

function header(type: number, total: number): Uint8Array {
  const b = new Uint8Array(total)
  b[0] = IRPD
  b[1] = HDR_LEN[type]!
  b[2] = 1
  b[3] = 0
  b[4] = type
  b[5] = 1
  b[6] = 0
  b[7] = 0
  return b
}

/** Padding TLVs (8) after `tlvs` up to `size` bytes of PDU in all (ISO 10589 §8.2.3 / §8.4.1). */
function padTo(b: Uint8Array, from: number, size: number): void {
  let p = from
  while (size - p >= 2) {
    const n = Math.min(255, size - p - 2)
    b[p] = Tlv.PADDING
    b[p + 1] = n
    p += 2 + n
  }
}

export interface LanIihSpec {
  level: 1 | 2
  circuitType: number
  sourceId: string
  holdTime: number
  priority: number
  lanId: string
  tlvs: Uint8Array
  /** Pad with TLV 8 to this PDU size (0: no padding). */
  padTo: number
}

export function buildLanIih(s: LanIihSpec): Uint8Array {
  const hl = 27
  const total = Math.max(hl + s.tlvs.length, s.padTo)
  const b = header(s.level === 1 ? PduType.L1_LAN_IIH : PduType.L2_LAN_IIH, total)
  b[8] = s.circuitType
  putHex(b, 9, s.sourceId)
  writeU16(b, 15, s.holdTime)
  writeU16(b, 17, total)
  b[19] = s.priority & 0x7f
  putHex(b, 20, s.lanId)
  b.set(s.tlvs, hl)
  padTo(b, hl + s.tlvs.length, total)
  return b
}

export interface P2pIihSpec {
  circuitType: number
  sourceId: string
  holdTime: number
  localCircuitId: number
  tlvs: Uint8Array
  padTo: number
}

export function buildP2pIih(s: P2pIihSpec): Uint8Array {
  const hl = 20
  const total = Math.max(hl + s.tlvs.length, s.padTo)
  const b = header(PduType.P2P_IIH, total)
  b[8] = s.circuitType
  putHex(b, 9, s.sourceId)
  writeU16(b, 15, s.holdTime)
  writeU16(b, 17, total)
  b[19] = s.localCircuitId
  b.set(s.tlvs, hl)
  padTo(b, hl + s.tlvs.length, total)
  return b
}

/** An LSP with its checksum computed (a purge, lifetime 0, keeps the checksum it is given). */
export function buildLsp(
  level: 1 | 2,
  id: string,
  seq: number,
  lifetime: number,
  flags: number,
  tlvs: Uint8Array,
): Uint8Array {
  const total = 27 + tlvs.length
  const b = header(level === 1 ? PduType.L1_LSP : PduType.L2_LSP, total)
  writeU16(b, 8, total)
  writeU16(b, 10, lifetime)
  putHex(b, 12, id)
  writeU32(b, 20, seq)
  b[26] = flags
  b.set(tlvs, 27)
  writeU16(b, 24, fletcher(b, 12, total, 24))
  return b
}

export function buildCsnp(
  level: 1 | 2,
  sourceId: string,
  start: string,
  end: string,
  tlvs: Uint8Array,
): Uint8Array {
  const total = 33 + tlvs.length
  const b = header(level === 1 ? PduType.L1_CSNP : PduType.L2_CSNP, total)
  writeU16(b, 8, total)
  putHex(b, 10, `${sourceId}00`)
  putHex(b, 17, start)
  putHex(b, 25, end)
  b.set(tlvs, 33)
  return b
}

export function buildPsnp(level: 1 | 2, sourceId: string, tlvs: Uint8Array): Uint8Array {
  const total = 17 + tlvs.length
  const b = header(level === 1 ? PduType.L1_PSNP : PduType.L2_PSNP, total)
  writeU16(b, 8, total)
  putHex(b, 10, `${sourceId}00`)
  b.set(tlvs, 17)
  return b
}
