/**
 * libalias's packet translation (FreeBSD's sys/netinet/libalias/alias.c): LibAliasOut rewrites an
 * outgoing datagram's source to the alias address and port (ICMP echo: the identifier), LibAliasIn
 * puts the original destination back; ICMP errors have the datagram they quote translated too;
 * other protocols get their address rewritten; fragments after the first follow the first. TCP
 * links track each direction's SYN/FIN/RST for their lifetime. Checksums are fixed incrementally
 * (RFC 1624 eqn. 3) for every word changed: the IP header's, TCP's and UDP's (a zero UDP checksum
 * stays zero, RFC 768), ICMP's, and those of the header quoted in an ICMP error.
 *
 * Works on a bare IPv4 datagram in a byte array, so it knows nothing of mbufs or ipfw; it never
 * throws and allocates nothing per packet (links are made in the bounded table of alias_db.ts).
 * Where libalias would pass an outgoing datagram untranslated because no link could be made (a
 * full table, no free port), this reports an error instead, so a private address never leaks.
 */

import type { Rng } from '../../../util/rng.js'
import { readI32, readU16, writeU16, writeU32 } from '../../../wire/addr.js'
import { fold } from '../../../wire/checksum.js'
import { IcmpType } from '../../../wire/inet/icmp.js'
import { IP_MF, IP_OFFMASK, IpProto } from '../../../wire/inet/ipv4.js'
import { TH } from '../../../wire/inet/tcp.js'
import { AliasDb } from './alias_db.js'
import { GET_ALIAS_PORT, LINK, NO_DEST_PORT, NO_SRC_PORT, TCPS } from './alias_db_var.js'

/** What LibAliasIn/Out did (PKT_ALIAS_* of alias.h). */
export const PKT_ALIAS = {
  ERROR: -1,
  OK: 1,
  IGNORED: 2,
  UNRESOLVED_FRAGMENT: 3,
  FOUND_HEADER_FRAGMENT: 4,
} as const

/** Mode bits (PKT_ALIAS_* of alias.h); ipfw nat's config keywords set them. */
export const MODE = {
  LOG: 0x01,
  DENY_INCOMING: 0x02,
  SAME_PORTS: 0x04,
  UNREGISTERED_ONLY: 0x10,
  RESET_ON_ADDR_CHANGE: 0x20,
  PROXY_ONLY: 0x40,
  REVERSE: 0x80,
  SKIP_GLOBAL: 0x200,
} as const

/** RFC 1624: the checksum delta Σ~m + Σm' for a 32-bit field changing from o to n. */
function d32(o: number, n: number): number {
  return ((~o >>> 16) & 0xffff) + (~o & 0xffff) + (n >>> 16) + (n & 0xffff)
}

function d16(o: number, n: number): number {
  return (~o & 0xffff) + (n & 0xffff)
}

/** HC' = ~(~HC + delta), the checksum at b[at] after the changes delta sums up. Returns the new value. */
function fix(b: Uint8Array, at: number, delta: number): number {
  const c = ~fold((~readU16(b, at) & 0xffff) + delta) & 0xffff
  writeU16(b, at, c)
  return c
}

/** The same for a UDP checksum: zero means "none" and stays so; a computed zero is sent as 0xffff. */
function fixUdp(b: Uint8Array, at: number, delta: number): number {
  const old = readU16(b, at)
  if (old === 0) return 0
  let c = ~fold((~old & 0xffff) + delta) & 0xffff
  if (c === 0) c = 0xffff
  writeU16(b, at, c)
  return c
}

/** RFC 1918's unregistered ranges (UNREG_ADDR_*). */
function unregistered(a: number): boolean {
  return a >>> 24 === 10 || a >>> 20 === 0xac1 || a >>> 16 === 0xc0a8
}

export class LibAlias {
  mode = 0
  readonly db: AliasDb
  /** LibAliasSetTarget: where unsolicited incoming packets go (0: the alias address itself). */
  targetAddress = 0
  /** PKT_ALIAS_LOG's statistics line, rewritten when a link comes or goes ("" before the first). */
  logDesc: string | null = null

  constructor(rng: Rng, maxLinks: number) {
    this.db = new AliasDb(rng, maxLinks)
  }

  /** LibAliasSetMode with a full mask: logging starts or stops with the LOG bit. */
  setMode(flags: number): void {
    this.mode = flags
    this.db.samePorts = (flags & MODE.SAME_PORTS) !== 0
    if ((flags & MODE.LOG) !== 0) {
      if (this.logDesc === null) this.logDesc = ''
      this.db.onChange = () => {
        this.logDesc = this.stats()
      }
    } else {
      this.logDesc = null
      this.db.onChange = null
    }
  }

  /** LibAliasSetAddress: with `reset`, a new address drops every link but the redirects. */
  setAddress(addr: number): void {
    if ((this.mode & MODE.RESET_ON_ADDR_CHANGE) !== 0 && this.db.aliasAddress !== (addr | 0))
      this.db.cleanup(false)
    this.db.aliasAddress = addr | 0
  }

  /** LibAliasSetAliasPortRange: 0 restores the default 32768..65535. */
  setPortRange(lo: number, hi: number): void {
    if (lo !== 0) {
      this.db.portLower = lo
      this.db.portLength = hi - lo + 1
    } else {
      this.db.portLower = 0x8000
      this.db.portLength = 0x8000
    }
  }

  /** ShowAliasStats' line. */
  stats(): string {
    const c = this.db.counts
    const tot = c.icmp + c.udp + c.tcp + c.proto + c.fragId + c.fragPtr
    return `icmp=${c.icmp}, udp=${c.udp}, tcp=${c.tcp}, sctp=0, pptp=0, proto=${c.proto}, frag_id=${c.fragId} frag_ptr=${c.fragPtr} / tot=${tot}`
  }

  // redirects (LibAliasRedirect*): permanent links; -1 when the table refuses them

  redirectPort(
    laddr: number,
    lport: number,
    raddr: number,
    rport: number,
    paddr: number,
    pport: number,
    proto: number,
    now: number,
  ): number {
    if (proto !== IpProto.TCP && proto !== IpProto.UDP) return -1
    const i = this.db.add(laddr, raddr, paddr, lport, rport, pport, proto, now)
    if (i >= 0) this.db.setPermanent(i, true)
    return i
  }

  redirectAddr(laddr: number, paddr: number, now: number): number {
    const i = this.db.add(laddr, 0, paddr, 0, 0, 0, LINK.ADDR, now)
    if (i >= 0) this.db.setPermanent(i, true)
    return i
  }

  redirectProto(laddr: number, raddr: number, paddr: number, proto: number, now: number): number {
    const i = this.db.add(laddr, raddr, paddr, NO_SRC_PORT, NO_DEST_PORT, 0, proto, now)
    if (i >= 0) this.db.setPermanent(i, true)
    return i
  }

  redirectDelete(i: number): void {
    this.db.del(i, true)
  }

  // the packet path

  /** LibAliasOut (create) or LibAliasOutTry: the datagram at b[off, off+len) leaves the inside. */
  out(b: Uint8Array, off: number, len: number, now: number, create: boolean, deferredTcp: boolean): number {
    if ((this.mode & MODE.REVERSE) !== 0) return this.inLocked(b, off, len, now, deferredTcp)
    return this.outLocked(b, off, len, now, create, deferredTcp)
  }

  /** LibAliasIn: the datagram at b[off, off+len) arrives from the outside. */
  in(b: Uint8Array, off: number, len: number, now: number, deferredTcp: boolean): number {
    if ((this.mode & MODE.REVERSE) !== 0) return this.outLocked(b, off, len, now, true, deferredTcp)
    return this.inLocked(b, off, len, now, deferredTcp)
  }

  private outLocked(
    b: Uint8Array,
    off: number,
    len: number,
    now: number,
    create: boolean,
    deferredTcp: boolean,
  ): number {
    const db = this.db
    db.housekeep(now)
    const hl = (b[off]! & 0xf) << 2
    if (readU16(b, off + 2) > len || hl > len) return PKT_ALIAS.IGNORED
    const saved = db.aliasAddress
    const src = readI32(b, off + 12)
    if ((this.mode & MODE.PROXY_ONLY) !== 0) return PKT_ALIAS.OK
    if ((this.mode & MODE.UNREGISTERED_ONLY) !== 0 && !unregistered(src)) db.aliasAddress = src
    let r: number
    if ((readU16(b, off + 6) & IP_OFFMASK) === 0) {
      const p = b[off + 9]!
      if (p === IpProto.ICMP) r = this.icmpOut(b, off, hl, len, now, create)
      else if (p === IpProto.UDP || p === IpProto.TCP)
        r = this.udpTcpOut(b, off, hl, len, p, now, create, deferredTcp)
      else r = this.protoOut(b, off, p, now, create)
    } else {
      // FragmentOut: later fragments carry no ports; only the address changes.
      const a = this.findAliasAddress(src, now)
      fix(b, off + 10, d32(src, a))
      writeU32(b, off + 12, a)
      r = PKT_ALIAS.OK
    }
    db.aliasAddress = saved
    return r
  }

  private inLocked(b: Uint8Array, off: number, len: number, now: number, deferredTcp: boolean): number {
    const db = this.db
    db.housekeep(now)
    const hl = (b[off]! & 0xf) << 2
    if (readU16(b, off + 2) > len || hl > len) return PKT_ALIAS.IGNORED
    const fo = readU16(b, off + 6)
    const src = readI32(b, off + 12)
    const id = readU16(b, off + 4)
    if ((fo & IP_OFFMASK) === 0) {
      const aliasDst = readI32(b, off + 16)
      const p = b[off + 9]!
      let r: number
      if (p === IpProto.ICMP) r = this.icmpIn(b, off, hl, len, now)
      else if (p === IpProto.UDP || p === IpProto.TCP) r = this.udpTcpIn(b, off, hl, len, p, now, deferredTcp)
      else r = this.protoIn(b, off, p, now)
      if ((fo & IP_MF) !== 0) {
        // The first fragment: remember where the others go (FindFragmentIn1, SetFragmentAddr).
        let i = db.findIn(src, aliasDst, NO_DEST_PORT, id, LINK.FRAGMENT_ID, false, now)
        if (i < 0) i = db.add(0, src, aliasDst, NO_SRC_PORT, NO_DEST_PORT, id, LINK.FRAGMENT_ID, now)
        if (i < 0) return PKT_ALIAS.ERROR
        db.fragAddr[i] = readI32(b, off + 16)
        return PKT_ALIAS.FOUND_HEADER_FRAGMENT
      }
      return r
    }
    // FragmentIn: a later fragment follows its first, or cannot be placed.
    const dst = readI32(b, off + 16)
    const i = db.findIn(src, dst, NO_DEST_PORT, id, LINK.FRAGMENT_ID, false, now)
    if (i < 0) return PKT_ALIAS.UNRESOLVED_FRAGMENT
    const orig = db.fragAddr[i]!
    fix(b, off + 10, d32(dst, orig))
    writeU32(b, off + 16, orig)
    return PKT_ALIAS.OK
  }

  /** FindOriginalAddress: a redirect_addr's inside address, the target, or the alias address itself. */
  private findOriginalAddress(alias: number, now: number): number {
    const db = this.db
    const i = db.findIn(0, alias, 0, 0, LINK.ADDR, false, now)
    if (i < 0) return this.targetAddress === 0 ? alias : this.targetAddress
    const s = db.src[i]!
    if (s === 0) return db.aliasAddress !== 0 ? db.aliasAddress : alias
    return s
  }

  /** FindAliasAddress: a redirect_addr's public address, or the instance's. */
  private findAliasAddress(orig: number, now: number): number {
    const db = this.db
    const i = db.findOut(orig, 0, 0, 0, LINK.ADDR, false, now)
    if (i < 0 || db.alias[i] === 0) return db.aliasAddress !== 0 ? db.aliasAddress : orig
    return db.alias[i]!
  }

  private udpTcpOut(
    b: Uint8Array,
    off: number,
    hl: number,
    len: number,
    p: number,
    now: number,
    create: boolean,
    deferredTcp: boolean,
  ): number {
    const tcp = p === IpProto.TCP
    if (len - hl < (tcp ? 20 : 8)) return PKT_ALIAS.IGNORED
    const db = this.db
    const l4 = off + hl
    const src = readI32(b, off + 12)
    const dst = readI32(b, off + 16)
    const sport = readU16(b, l4)
    const dport = readU16(b, l4 + 2)
    let i = db.findOut(src, dst, sport, dport, p, create, now)
    if (i < 0) {
      if (!create) return PKT_ALIAS.IGNORED
      i = db.add(src, dst, this.findAliasAddress(src, now), sport, dport, GET_ALIAS_PORT, p, now)
      if (i < 0) return PKT_ALIAS.ERROR
    }
    const aport = db.aport[i]!
    const aaddr = db.aliasAddr(i)
    const delta = d16(sport, aport) + d32(src, aaddr)
    if (tcp) {
      // TcpMonitorOut.
      const fl = b[l4 + 13]!
      const st = db.stOut[i]!
      if (st === TCPS.NOT_CONNECTED) {
        if ((fl & TH.RST) !== 0) db.setStateOut(i, TCPS.DISCONNECTED)
        else if ((fl & TH.SYN) !== 0) db.setStateOut(i, TCPS.CONNECTED)
      } else if (st === TCPS.CONNECTED && (fl & (TH.FIN | TH.RST)) !== 0) db.setStateOut(i, TCPS.DISCONNECTED)
      // A deferred checksum is computed later from the rewritten header (ipfw_nat's duct tape).
      if (!deferredTcp) fix(b, l4 + 16, delta)
    } else fixUdp(b, l4 + 6, delta)
    writeU16(b, l4, aport)
    fix(b, off + 10, d32(src, aaddr))
    writeU32(b, off + 12, aaddr)
    return PKT_ALIAS.OK
  }

  private udpTcpIn(
    b: Uint8Array,
    off: number,
    hl: number,
    len: number,
    p: number,
    now: number,
    deferredTcp: boolean,
  ): number {
    const tcp = p === IpProto.TCP
    if (len - hl < (tcp ? 20 : 8)) return PKT_ALIAS.IGNORED
    const db = this.db
    const l4 = off + hl
    const src = readI32(b, off + 12)
    const dst = readI32(b, off + 16)
    const sport = readU16(b, l4)
    const dport = readU16(b, l4 + 2)
    const create = (this.mode & MODE.PROXY_ONLY) === 0
    let i = db.findIn(src, dst, sport, dport, p, create, now)
    if (i < 0 && create && (this.mode & MODE.DENY_INCOMING) === 0)
      i = db.add(this.findOriginalAddress(dst, now), src, dst, dport, sport, dport, p, now)
    if (i < 0) return PKT_ALIAS.IGNORED
    const orig = db.origAddr(i)
    const oport = db.sport[i]!
    const delta = d16(dport, oport) + d32(dst, orig)
    if (tcp) {
      // TcpMonitorIn.
      const fl = b[l4 + 13]!
      const st = db.stIn[i]!
      if (st === TCPS.NOT_CONNECTED) {
        if ((fl & TH.RST) !== 0) db.setStateIn(i, TCPS.DISCONNECTED)
        else if ((fl & TH.SYN) !== 0) db.setStateIn(i, TCPS.CONNECTED)
      } else if (st === TCPS.CONNECTED && (fl & (TH.FIN | TH.RST)) !== 0) db.setStateIn(i, TCPS.DISCONNECTED)
      if (!deferredTcp) fix(b, l4 + 16, delta)
    } else fixUdp(b, l4 + 6, delta)
    writeU16(b, l4 + 2, oport)
    fix(b, off + 10, d32(dst, orig))
    writeU32(b, off + 16, orig)
    return PKT_ALIAS.OK
  }

  private protoOut(b: Uint8Array, off: number, p: number, now: number, create: boolean): number {
    if (!create) return PKT_ALIAS.IGNORED
    const db = this.db
    const src = readI32(b, off + 12)
    const dst = readI32(b, off + 16)
    let i = db.findOut(src, dst, NO_SRC_PORT, NO_DEST_PORT, p, true, now)
    if (i < 0) i = db.add(src, dst, this.findAliasAddress(src, now), NO_SRC_PORT, NO_DEST_PORT, 0, p, now)
    if (i < 0) return PKT_ALIAS.ERROR
    const a = db.aliasAddr(i)
    fix(b, off + 10, d32(src, a))
    writeU32(b, off + 12, a)
    return PKT_ALIAS.OK
  }

  private protoIn(b: Uint8Array, off: number, p: number, now: number): number {
    const db = this.db
    const src = readI32(b, off + 12)
    const dst = readI32(b, off + 16)
    let i = db.findIn(src, dst, NO_DEST_PORT, 0, p, true, now)
    if (i < 0 && (this.mode & MODE.DENY_INCOMING) === 0)
      i = db.add(this.findOriginalAddress(dst, now), src, dst, NO_SRC_PORT, NO_DEST_PORT, 0, p, now)
    if (i < 0) return PKT_ALIAS.IGNORED
    const o = db.origAddr(i)
    fix(b, off + 10, d32(dst, o))
    writeU32(b, off + 16, o)
    return PKT_ALIAS.OK
  }

  // ICMP

  private icmpOut(b: Uint8Array, off: number, hl: number, len: number, now: number, create: boolean): number {
    if (len - hl < 8) return PKT_ALIAS.IGNORED
    const l4 = off + hl
    const t = b[l4]!
    if (
      ((t === IcmpType.ECHO || t === IcmpType.TIMESTAMP) && b[l4 + 1] === 0) ||
      t === IcmpType.ECHO_REPLY ||
      t === IcmpType.TIMESTAMP_REPLY
    )
      return this.icmpOut1(b, off, l4, now, create)
    if (isError(t)) return this.icmpError(b, off, l4, off + len, now, false)
    return PKT_ALIAS.IGNORED
  }

  /** Echo and timestamp: the identifier is the port. */
  private icmpOut1(b: Uint8Array, off: number, l4: number, now: number, create: boolean): number {
    const db = this.db
    const src = readI32(b, off + 12)
    const dst = readI32(b, off + 16)
    const id = readU16(b, l4 + 4)
    let i = db.findOut(src, dst, id, NO_DEST_PORT, LINK.ICMP, false, now)
    if (i < 0) {
      if (!create) return PKT_ALIAS.IGNORED
      i = db.add(src, dst, this.findAliasAddress(src, now), id, NO_DEST_PORT, GET_ALIAS_PORT, LINK.ICMP, now)
      if (i < 0) return PKT_ALIAS.ERROR
    }
    const aid = db.aport[i]!
    const a = db.aliasAddr(i)
    fix(b, l4 + 2, d16(id, aid))
    writeU16(b, l4 + 4, aid)
    fix(b, off + 10, d32(src, a))
    writeU32(b, off + 12, a)
    return PKT_ALIAS.OK
  }

  private icmpIn(b: Uint8Array, off: number, hl: number, len: number, now: number): number {
    if ((this.mode & MODE.PROXY_ONLY) !== 0) return PKT_ALIAS.OK
    if (len - hl < 8) return PKT_ALIAS.IGNORED
    const l4 = off + hl
    const t = b[l4]!
    if (
      ((t === IcmpType.ECHO_REPLY || t === IcmpType.TIMESTAMP_REPLY) && b[l4 + 1] === 0) ||
      t === IcmpType.ECHO ||
      t === IcmpType.TIMESTAMP
    )
      return this.icmpIn1(b, off, l4, now)
    if (isError(t)) return this.icmpError(b, off, l4, off + len, now, true)
    return PKT_ALIAS.IGNORED
  }

  private icmpIn1(b: Uint8Array, off: number, l4: number, now: number): number {
    const db = this.db
    const src = readI32(b, off + 12)
    const dst = readI32(b, off + 16)
    const id = readU16(b, l4 + 4)
    let i = db.findIn(src, dst, NO_DEST_PORT, id, LINK.ICMP, false, now)
    if (i < 0 && (this.mode & MODE.DENY_INCOMING) === 0)
      i = db.add(this.findOriginalAddress(dst, now), src, dst, id, NO_DEST_PORT, id, LINK.ICMP, now)
    if (i < 0) return PKT_ALIAS.IGNORED
    const oid = db.sport[i]!
    const o = db.origAddr(i)
    fix(b, l4 + 2, d16(id, oid))
    writeU16(b, l4 + 4, oid)
    fix(b, off + 10, d32(dst, o))
    writeU32(b, off + 16, o)
    return PKT_ALIAS.OK
  }

  /**
   * An ICMP error about a translated datagram (IcmpAliasIn2, IcmpAliasOut2). Arriving, it quotes a
   * datagram that went out: the quote's source becomes the inside host's address and port again,
   * and the error goes to that host. Leaving, it quotes one that came in: the quote's destination
   * becomes the alias address and port again, and so does the error's source when the inside host
   * the datagram was for sends it.
   */
  private icmpError(
    b: Uint8Array,
    off: number,
    l4: number,
    end: number,
    now: number,
    inbound: boolean,
  ): number {
    const q = l4 + 8
    if (end - q < 20) return PKT_ALIAS.IGNORED
    const qhl = (b[q]! & 0xf) << 2
    const ql4 = q + qhl
    if (qhl < 20 || end - ql4 < 8) return PKT_ALIAS.IGNORED
    const db = this.db
    const qp = b[q + 9]!
    const qsrc = readI32(b, q + 12)
    const qdst = readI32(b, q + 16)
    // The quoted datagram's far end is its destination going out and its source coming in; the
    // link is found from the inside host's side either way.
    let i = -1
    if (qp === IpProto.UDP || qp === IpProto.TCP) {
      const qsport = readU16(b, ql4)
      const qdport = readU16(b, ql4 + 2)
      i = inbound
        ? db.findIn(qdst, qsrc, qdport, qsport, qp, false, now)
        : db.findOut(qdst, qsrc, qdport, qsport, qp, false, now)
    } else if (qp === IpProto.ICMP && isEchoOrStamp(b[ql4]!)) {
      const id = readU16(b, ql4 + 4)
      i = inbound
        ? db.findIn(qdst, qsrc, NO_DEST_PORT, id, LINK.ICMP, false, now)
        : db.findOut(qdst, qsrc, id, NO_DEST_PORT, LINK.ICMP, false, now)
    }
    if (i < 0) return PKT_ALIAS.IGNORED
    const na = inbound ? db.origAddr(i) : db.aliasAddr(i)
    const np = inbound ? db.sport[i]! : db.aport[i]!
    const addrAt = inbound ? q + 12 : q + 16
    const portAt = qp === IpProto.ICMP ? ql4 + 4 : inbound ? ql4 : ql4 + 2
    const addr = d32(readI32(b, addrAt), na)
    const port = d16(readU16(b, portAt), np)
    const icmpDelta = addr + port + this.fixQuoted(b, q, ql4, end, qp, addr, port)
    writeU32(b, addrAt, na)
    writeU16(b, portAt, np)
    fix(b, l4 + 2, icmpDelta)
    const outerAt = inbound ? off + 16 : off + 12
    const outer = readI32(b, outerAt)
    if (inbound || outer === qdst) {
      fix(b, off + 10, d32(outer, na))
      writeU32(b, outerAt, na)
    }
    return PKT_ALIAS.OK
  }

  /**
   * The quoted datagram's own checksums after its address changed by `addr` and its port (or echo
   * identifier) by `port`: its IP header's, and its transport checksum when the quote holds it
   * (UDP's and ICMP's in the first 8 bytes; TCP's at byte 16). Returns the delta those two
   * rewrites make to the enclosing ICMP checksum.
   */
  private fixQuoted(
    b: Uint8Array,
    q: number,
    ql4: number,
    end: number,
    qp: number,
    addr: number,
    port: number,
  ): number {
    const oldIp = readU16(b, q + 10)
    let delta = d16(oldIp, fix(b, q + 10, addr))
    if (qp === IpProto.UDP) {
      const old = readU16(b, ql4 + 6)
      delta += d16(old, fixUdp(b, ql4 + 6, addr + port))
    } else if (qp === IpProto.TCP && end - ql4 >= 18) {
      const old = readU16(b, ql4 + 16)
      delta += d16(old, fix(b, ql4 + 16, addr + port))
    } else if (qp === IpProto.ICMP) {
      // An echo's checksum covers no pseudo header: only its identifier changed.
      const old = readU16(b, ql4 + 2)
      delta += d16(old, fix(b, ql4 + 2, port))
    }
    return delta
  }
}

function isError(t: number): boolean {
  return (
    t === IcmpType.UNREACH ||
    t === IcmpType.SOURCE_QUENCH ||
    t === IcmpType.TIME_EXCEEDED ||
    t === IcmpType.PARAM_PROBLEM
  )
}

function isEchoOrStamp(t: number): boolean {
  return t === IcmpType.ECHO || t === IcmpType.TIMESTAMP
}
