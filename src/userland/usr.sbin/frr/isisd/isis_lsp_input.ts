/**
 * An LSP received (ISO 10589 §7.3.15.1, §7.3.16): a purge of what we do not hold acknowledged, an
 * older instance of our own answered with a newer one (or purged when no longer ours), a newer one
 * installed and flooded on (SRM on the other circuits, SSN back on a p2p circuit), the same one
 * taken as an acknowledgment, an older one answered with ours.
 *
 * Must not: keep the buffer it is handed (the LSP is copied), or check authentication (the engine
 * did before).
 */

import type { LspHdr, Tlvs } from '../../../../wire/routing/isis.js'
import type { IsisEngine } from './isis_engine.js'
import { bodyOf, type Lsp, sameBody } from './isis_lsdb.js'
import { ackOnly } from './isis_snp.js'
import { type Circuit, SEC_NS } from './isis_types.js'

export function lspInput(e: IsisEngine, c: Circuit, h: LspHdr, t: Tlvs, pdu: Uint8Array, now: number): void {
  const db = e.lsdb[h.level - 1]
  const cn = c.desc.name
  const have = db.get(h.id)
  // A purge of an LSP we do not hold is acknowledged and forgotten (§7.3.16.4 b).
  if (h.lifetime === 0 && have === undefined) {
    if (c.desc.p2p) ackOnly(e, c, h)
    return
  }
  const cmp = db.compare(h.id, h.seq, h.lifetime, now)
  if (h.id.startsWith(e.sysId)) {
    // Our own system ID: an older instance of ours (before a restart) or a purge of it (§7.3.16.1).
    if (cmp < 0) {
      if (have?.own && !have.purged) {
        e.install(db, h.id, (h.seq + 1) >>> 0, have.flags, bodyOf(have.pdu).slice(), now)
      } else {
        const lsp = received(h, t, pdu, now)
        lsp.own = true
        lsp.seq = h.seq
        if (have === undefined && !db.put(lsp)) {
          e.drop('lsdb full')
          return
        }
        if (have !== undefined) db.put(lsp)
        e.purge(db, lsp, now)
      }
    } else if (cmp === 0 && c.desc.p2p) e.ack(db, h.id, cn)
    return
  }
  if (cmp < 0) {
    const lsp = received(h, t, pdu, now)
    if (have === undefined && !db.put(lsp)) {
      e.drop('lsdb full')
      return
    }
    if (have !== undefined) db.put(lsp)
    e.setSrmAll(db, lsp, cn, now)
    if (c.desc.p2p) lsp.ssn.add(cn)
    if (h.lifetime === 0) lsp.tlvs = { ...lsp.tlvs, isReach: [], ipReach: [], ip6Reach: [] }
    if (t.hostname !== null && h.id.endsWith('0000')) e.names.set(h.id.slice(0, 12), t.hostname)
    // The flags count too: an ATT bit that comes or goes moves level 1's default route.
    const same = have !== undefined && have.flags === h.flags && sameBody(bodyOf(have.pdu), bodyOf(pdu))
    if (have === undefined || have.purged || h.lifetime === 0 || !same) e.scheduleSpf(h.level, now)
  } else if (cmp === 0) {
    have!.srm.delete(cn)
    if (c.desc.p2p) have!.ssn.add(cn)
  } else {
    have!.srm.set(cn, now)
    have!.ssn.delete(cn)
  }
}

function received(h: LspHdr, t: Tlvs, pdu: Uint8Array, now: number): Lsp {
  return {
    id: h.id,
    seq: h.seq,
    checksum: h.checksum,
    flags: h.flags,
    pduLen: h.pduLen,
    expires: h.lifetime === 0 ? now : now + h.lifetime * SEC_NS,
    purged: h.lifetime === 0,
    pdu: pdu.slice(),
    tlvs: t,
    srm: new Map(),
    ssn: new Set(),
    own: false,
    refresh: Number.POSITIVE_INFINITY,
  }
}
