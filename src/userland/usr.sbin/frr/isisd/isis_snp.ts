/**
 * Sequence number PDUs for the engine (ISO 10589 §7.3.15.2, §7.3.17): CSNPs describing the whole
 * database (the DIS's every 10 s on a LAN, once on a new p2p adjacency), PSNPs acknowledging (p2p)
 * and requesting LSPs, and what a received CSNP or PSNP sets: SRM where the neighbour is behind,
 * SSN (a request) where it is ahead. With FRR's `authenticate snp` they carry the level's password.
 *
 * Must not: store LSPs; it only sets flags and sends.
 */

import {
  ALL_ISS,
  ALL_L1_ISS,
  ALL_L2_ISS,
  type LspEntry,
  type LspHdr,
  type Snp,
  Tlv,
  type Tlvs,
} from '../../../../wire/routing/isis.js'
import { authTlv, signPdu } from '../../../../wire/routing/isis_auth.js'
import { buildCsnp, buildPsnp, lspEntriesValue, TlvWriter } from '../../../../wire/routing/isis_build.js'
import type { IsisEngine } from './isis_engine.js'
import { Lsdb, type Lsp } from './isis_lsdb.js'
import { type Circuit, SEC_NS, upAdjs } from './isis_types.js'

/** LSP entries per CSNP or PSNP (a 1497-byte PDU holds 90). */
export const MAX_SNP_ENTRIES = 90

/** A TLV list for an SNP of level l: the level's password first when SNPs are to carry it. */
function snpWriter(e: IsisEngine, l: 1 | 2): TlvWriter {
  const w = new TlvWriter()
  const k = e.snpKey(l)
  if (k !== null) w.tlv(Tlv.AUTH, authTlv(k).subarray(2))
  return w
}

function signed(e: IsisEngine, l: 1 | 2, pdu: Uint8Array, tlvOff: number): Uint8Array {
  const k = e.snpKey(l)
  if (k !== null) signPdu(pdu, tlvOff, k)
  return pdu
}

function entry(l: Lsp, now: number): LspEntry {
  return { lifetime: Lsdb.remaining(l, now), id: l.id, seq: l.seq, checksum: l.checksum }
}

export function sendCsnp(e: IsisEngine, c: Circuit, l: 1 | 2, now: number): void {
  if (upAdjs(c, l).length === 0) return
  const all = e.lsdb[l - 1].sorted()
  for (let i = 0; i === 0 || i < all.length; i += MAX_SNP_ENTRIES) {
    const chunk = all.slice(i, i + MAX_SNP_ENTRIES)
    const start = i === 0 ? '0000000000000000' : chunk[0]!.id
    const end = i + MAX_SNP_ENTRIES >= all.length ? 'ffffffffffffffff' : chunk[chunk.length - 1]!.id
    const w = snpWriter(e, l)
    for (let j = 0; j < chunk.length; j += 15)
      w.tlv(Tlv.LSP_ENTRIES, lspEntriesValue(chunk.slice(j, j + 15).map((x) => entry(x, now))))
    e.io.send(
      c.desc.name,
      c.desc.p2p ? ALL_ISS : l === 1 ? ALL_L1_ISS : ALL_L2_ISS,
      signed(e, l, buildCsnp(l, e.sysId, start, end, w.bytes()), 33),
    )
  }
}

export function sendPsnp(e: IsisEngine, c: Circuit, l: 1 | 2, now: number): void {
  const k = `${l}:${c.desc.name}`
  const want: LspEntry[] = e.requests.get(k) ?? []
  e.requests.delete(k)
  for (const x of e.lsdb[l - 1].lsps.values())
    if (x.ssn.delete(c.desc.name) && want.length < MAX_SNP_ENTRIES) want.push(entry(x, now))
  if (want.length === 0 || upAdjs(c, l).length === 0) return
  const w = snpWriter(e, l)
  for (let j = 0; j < want.length; j += 15) w.tlv(Tlv.LSP_ENTRIES, lspEntriesValue(want.slice(j, j + 15)))
  e.io.send(
    c.desc.name,
    c.desc.p2p ? ALL_ISS : l === 1 ? ALL_L1_ISS : ALL_L2_ISS,
    signed(e, l, buildPsnp(l, e.sysId, w.bytes()), 17),
  )
}

/** Requests (PSNP on LAN) for LSPs this IS lacks are sent at once rather than at the next PSNP tick. */
function requestSoon(c: Circuit, now: number): void {
  c.nextPsnp = Math.min(c.nextPsnp, now + 0.05 * SEC_NS)
}

/** A PSNP acknowledging a purge this IS does not keep (p2p). */
export function ackOnly(e: IsisEngine, c: Circuit, h: LspHdr): void {
  const l = h.level as 1 | 2
  const w = snpWriter(e, l)
  w.tlv(Tlv.LSP_ENTRIES, lspEntriesValue([{ lifetime: 0, id: h.id, seq: h.seq, checksum: h.checksum }]))
  e.io.send(c.desc.name, ALL_ISS, signed(e, l, buildPsnp(l, e.sysId, w.bytes()), 17))
}

export function snpInput(e: IsisEngine, c: Circuit, s: Snp, t: Tlvs, now: number): void {
  const db = e.lsdb[s.level - 1]
  const cn = c.desc.name
  // On a LAN only the DIS answers requests (§7.3.15.2 a 1).
  if (s.kind === 'psnp' && !c.desc.p2p && !c.dis[s.level - 1]) return
  const listed = new Set<string>()
  let ask = false
  for (const x of t.entries) {
    listed.add(x.id)
    const l = db.get(x.id)
    const cmp = db.compare(x.id, x.seq, x.lifetime, now)
    if (l === undefined) {
      if (x.lifetime !== 0 && x.seq !== 0 && db.lsps.size < db.limit) {
        // Ask for it: a placeholder is not kept, the PSNP names it with sequence number 0.
        pendingRequest(e, c, s.level, x)
        ask = true
      }
    } else if (cmp === 0) {
      if (c.desc.p2p) l.srm.delete(cn)
      else if (s.kind === 'csnp') l.srm.delete(cn)
    } else if (cmp > 0) {
      l.srm.set(cn, now)
    } else {
      l.ssn.add(cn)
      l.srm.delete(cn)
      ask = true
    }
  }
  if (s.kind === 'csnp')
    for (const l of db.lsps.values())
      if (!listed.has(l.id) && l.id >= s.start && l.id <= s.end && !l.purged && l.seq !== 0)
        l.srm.set(cn, now)
  if (ask) requestSoon(c, now)
}

/** An LSP this IS has no copy of, asked for in the next PSNP with sequence number 0 (§7.3.15.2 b 5). */
function pendingRequest(e: IsisEngine, c: Circuit, level: 1 | 2, x: LspEntry): void {
  const k = `${level}:${c.desc.name}`
  const list = e.requests.get(k) ?? []
  if (list.length < MAX_SNP_ENTRIES && !list.some((y) => y.id === x.id))
    list.push({ lifetime: x.lifetime, id: x.id, seq: 0, checksum: 0 })
  e.requests.set(k, list)
}
