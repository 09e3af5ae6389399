/**
 * ISC dhcpd's answers (RFC 2131 §4.3) and its lease table: DHCPDISCOVER gets an offer of the
 * client's fixed address, its current lease, the address it asks for if free, or the next free
 * address of the subnet's ranges (highest first, as a fresh ISC server hands them out); DHCPREQUEST
 * is acknowledged when it names what this server offered or leased to that client and refused with
 * DHCPNAK otherwise (authoritative), or ignored when it chose another server; DHCPDECLINE abandons
 * an address, DHCPRELEASE frees it, DHCPINFORM gets the options without a lease. Leases expire on
 * the caller's clock; an offer holds its address for OFFER_HOLD seconds.
 *
 * The table holds at most one entry per pool address and fixed host (both bounded by the
 * configuration's limits). Log lines are dhcpd's (`DHCPOFFER on 10.0.0.20 to 42:00:aa:00:00:01
 * (pc1) via eth0`). Must not: throw on any message, or answer for a subnet it has no interface on.
 */

import { formatIpv4, formatMac, maskToPrefix } from '../../../wire/addr.js'
import {
  BOOTP_BROADCAST,
  BootOp,
  DHCP_TYPE_NAMES,
  DhcpOpt,
  type DhcpRepr,
  DhcpType,
  dhcpChaddrMac,
  dhcpOptAddr,
  dhcpOptText,
  dhcpOptU32,
  dhcpType,
  newDhcp,
  optAddr,
  optU32,
} from '../../../wire/app/dhcp.js'
import type { DhcpdConfig, DhcpdHost, DhcpdSubnet } from './dhcpd_conf.js'

/** Seconds an offered address stays reserved for the client it was offered to. */
export const OFFER_HOLD = 120
/** Seconds a declined address stays out of the pool (ISC abandons it until the pool runs dry). */
export const ABANDON_TIME = 86400

export type LeaseState = 'offered' | 'active' | 'free' | 'abandoned'

export interface ServerLease {
  addr: number
  mac: number
  hostname: string | undefined
  starts: number
  ends: number
  state: LeaseState
}

/** The interface a message came in on: its name and the server's address there. */
export interface Arrival {
  ifName: string
  addr: number
}

/** A reply and where it goes (RFC 2131 §4.1): broadcast, or unicast to an address at a MAC. */
export interface Reply {
  msg: DhcpRepr
  /** 0xffffffff for broadcast. */
  dstIp: number
  /** The client's MAC for a unicast to an address it does not answer ARP for yet; -1 to use ARP. */
  dstMac: number
}

export class LeaseTable {
  readonly leases = new Map<number, ServerLease>()
  /** Pool addresses in allocation order (highest first), built once. */
  private readonly order: number[] = []
  /** Messages dropped for being unusable (no chaddr, BOOTREPLY, unknown type). */
  dropped = 0

  constructor(
    readonly cfg: DhcpdConfig,
    private readonly log: (line: string) => void,
  ) {
    for (const s of cfg.subnets)
      for (const r of s.ranges) for (let a = r.hi; a >= r.lo && a > 0; a--) this.order.push(a >>> 0)
  }

  subnetOf(addr: number): DhcpdSubnet | undefined {
    return this.cfg.subnets.find((s) => (addr & s.mask) >>> 0 === s.net)
  }

  private hostOf(mac: number): DhcpdHost | undefined {
    return this.cfg.hosts.find((h) => h.mac === mac && h.fixed !== undefined)
  }

  /** Whether a lease is alive at `now` (offered or active and not past its end, or abandoned). */
  private held(l: ServerLease, now: number): boolean {
    return l.state !== 'free' && l.ends > now
  }

  private leaseOf(mac: number, now: number): ServerLease | undefined {
    for (const l of this.leases.values())
      if (l.mac === mac && (l.state === 'offered' || l.state === 'active') && l.ends > now) return l
    return undefined
  }

  private isFree(addr: number, mac: number, now: number): boolean {
    if (this.cfg.hosts.some((h) => h.fixed === addr && h.mac !== mac)) return false
    const l = this.leases.get(addr)
    return l === undefined || !this.held(l, now) || (l.mac === mac && l.state !== 'abandoned')
  }

  private inPool(s: DhcpdSubnet, addr: number): boolean {
    return s.ranges.some((r) => addr >= r.lo && addr <= r.hi)
  }

  private leaseTime(s: DhcpdSubnet | undefined, asked: number | undefined): number {
    const def = s?.defaultLeaseTime ?? this.cfg.defaultLeaseTime
    const max = s?.maxLeaseTime ?? this.cfg.maxLeaseTime
    let t = asked ?? def
    if (t > max) t = max
    if (t < this.cfg.minLeaseTime) t = this.cfg.minLeaseTime
    return t
  }

  /** One message from the client on `arr` at `now` (seconds); the reply to send, if any. */
  handle(msg: DhcpRepr, arr: Arrival, now: number): Reply | null {
    const mac = dhcpChaddrMac(msg)
    if (msg.op !== BootOp.REQUEST || mac < 0) {
      this.dropped++
      return null
    }
    // A relayed message (giaddr) names a subnet we may not be on; no relay support here.
    if (msg.giaddr !== 0) {
      this.dropped++
      return null
    }
    const sub = this.subnetOf(arr.addr)
    const hn = dhcpOptText(msg, DhcpOpt.HOSTNAME)
    const who = `${formatMac(mac)}${hn === undefined ? '' : ` (${hn})`} via ${arr.ifName}`
    const t = dhcpType(msg)
    switch (t) {
      case DhcpType.DISCOVER:
        return this.discover(msg, mac, hn, who, sub, arr, now)
      case DhcpType.REQUEST:
        return this.request(msg, mac, hn, who, sub, arr, now)
      case DhcpType.DECLINE: {
        const a = dhcpOptAddr(msg, DhcpOpt.REQUESTED_IP) ?? 0
        const l = this.leases.get(a)
        if (l !== undefined && l.mac === mac) {
          this.log(`Abandoning IP address ${formatIpv4(a)}: declined.`)
          l.state = 'abandoned'
          l.ends = now + ABANDON_TIME
          this.log(`DHCPDECLINE of ${formatIpv4(a)} from ${who}: abandoned`)
        } else this.log(`DHCPDECLINE of ${formatIpv4(a)} from ${who}: not found`)
        return null
      }
      case DhcpType.RELEASE: {
        const l = this.leases.get(msg.ciaddr)
        const found = l !== undefined && l.mac === mac && l.state === 'active'
        this.log(`DHCPRELEASE of ${formatIpv4(msg.ciaddr)} from ${who} (${found ? 'found' : 'not found'})`)
        if (found) {
          l.state = 'free'
          l.ends = now
        }
        return null
      }
      case DhcpType.INFORM: {
        if (sub === undefined || msg.ciaddr === 0) return null
        this.log(`DHCPINFORM from ${formatIpv4(msg.ciaddr)} via ${arr.ifName}`)
        const r = this.reply(msg, DhcpType.ACK, 0, sub, arr, undefined, this.hostOf(mac))
        this.log(`DHCPACK to ${formatIpv4(msg.ciaddr)} (${formatMac(mac)}) via ${arr.ifName}`)
        return { msg: r, dstIp: msg.ciaddr, dstMac: -1 }
      }
      default:
        this.dropped++
        return null
    }
  }

  private discover(
    msg: DhcpRepr,
    mac: number,
    hn: string | undefined,
    who: string,
    sub: DhcpdSubnet | undefined,
    arr: Arrival,
    now: number,
  ): Reply | null {
    this.log(`DHCPDISCOVER from ${who}`)
    if (sub === undefined) return null
    const host = this.hostOf(mac)
    let addr: number | undefined
    if (host !== undefined && this.subnetOf(host.fixed!) === sub) addr = host.fixed!
    else {
      const cur = this.leaseOf(mac, now)
      const asked = dhcpOptAddr(msg, DhcpOpt.REQUESTED_IP)
      if (cur !== undefined && this.subnetOf(cur.addr) === sub) addr = cur.addr
      else if (asked !== undefined && this.inPool(sub, asked) && this.isFree(asked, mac, now)) addr = asked
      else addr = this.order.find((a) => this.subnetOf(a) === sub && this.isFree(a, mac, now))
    }
    if (addr === undefined) {
      this.log(
        `DHCPDISCOVER from ${who}: network ${formatIpv4(sub.net)}/${maskToPrefix(sub.mask)}: no free leases`,
      )
      return null
    }
    if (host === undefined || host.fixed !== addr)
      this.record(addr, mac, hn, now, now + OFFER_HOLD, 'offered')
    const lt = this.leaseTime(sub, dhcpOptU32(msg, DhcpOpt.LEASE_TIME))
    const r = this.reply(msg, DhcpType.OFFER, addr, sub, arr, lt, host)
    this.log(`DHCPOFFER on ${formatIpv4(addr)} to ${who}`)
    return this.route(msg, r, false)
  }

  private request(
    msg: DhcpRepr,
    mac: number,
    hn: string | undefined,
    who: string,
    sub: DhcpdSubnet | undefined,
    arr: Arrival,
    now: number,
  ): Reply | null {
    const sid = dhcpOptAddr(msg, DhcpOpt.SERVER_ID)
    const asked = dhcpOptAddr(msg, DhcpOpt.REQUESTED_IP) ?? msg.ciaddr
    const ours = this.cfg.serverId ?? arr.addr
    this.log(
      `DHCPREQUEST for ${formatIpv4(asked)}${sid === undefined ? '' : ` (${formatIpv4(sid)})`} from ${who}`,
    )
    if (sid !== undefined && sid !== ours) {
      // §4.3.2: the client chose another server; what we offered goes back to the pool.
      const l = this.leases.get(asked)
      if (l !== undefined && l.mac === mac && l.state === 'offered') l.state = 'free'
      return null
    }
    if (sub === undefined) return null
    const host = this.hostOf(mac)
    let ok = false
    if (this.subnetOf(asked) !== sub) ok = false
    else if (host !== undefined && host.fixed === asked) ok = true
    else {
      const l = this.leases.get(asked)
      ok = l !== undefined && l.mac === mac && (l.state === 'offered' || l.state === 'active') && l.ends > now
      // INIT-REBOOT or REBINDING with an address we no longer remember: ours to give if it is free.
      if (!ok && sid === undefined && this.inPool(sub, asked) && this.isFree(asked, mac, now)) ok = true
    }
    if (!ok) {
      if (!this.cfg.authoritative && sid === undefined) return null
      this.log(
        `DHCPREQUEST for ${formatIpv4(asked)} from ${formatMac(mac)} via ${arr.ifName}: lease ${formatIpv4(asked)} unavailable.`,
      )
      const nak = newDhcp(BootOp.REPLY, msg.xid, 0)
      nak.chaddr = msg.chaddr.slice()
      nak.htype = msg.htype
      nak.hlen = msg.hlen
      nak.flags = msg.flags
      nak.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(DhcpType.NAK))
      nak.options.set(DhcpOpt.SERVER_ID, optAddr(ours))
      this.log(`DHCPNAK on ${formatIpv4(asked)} to ${formatMac(mac)} via ${arr.ifName}`)
      // §4.3.2: a DHCPNAK is broadcast (the client may not have the address).
      return { msg: nak, dstIp: 0xffffffff, dstMac: -1 }
    }
    const lt = this.leaseTime(sub, dhcpOptU32(msg, DhcpOpt.LEASE_TIME))
    if (host === undefined || host.fixed !== asked) this.record(asked, mac, hn, now, now + lt, 'active')
    const r = this.reply(msg, DhcpType.ACK, asked, sub, arr, lt, host)
    this.log(`DHCPACK on ${formatIpv4(asked)} to ${who}`)
    return this.route(msg, r, true)
  }

  private record(
    addr: number,
    mac: number,
    hn: string | undefined,
    starts: number,
    ends: number,
    state: LeaseState,
  ): void {
    // Another lease this client held (an older address) is let go: one address per client.
    for (const l of this.leases.values())
      if (l.mac === mac && l.addr !== addr && l.state !== 'abandoned') l.state = 'free'
    this.leases.set(addr, { addr, mac, hostname: hn, starts, ends, state })
  }

  /** §4.1: ciaddr → unicast there; the broadcast bit → broadcast; otherwise unicast to yiaddr at chaddr. */
  private route(req: DhcpRepr, r: DhcpRepr, ack: boolean): Reply {
    if (req.ciaddr !== 0 && ack) return { msg: r, dstIp: req.ciaddr, dstMac: -1 }
    if ((req.flags & BOOTP_BROADCAST) !== 0) return { msg: r, dstIp: 0xffffffff, dstMac: -1 }
    return { msg: r, dstIp: r.yiaddr, dstMac: dhcpChaddrMac(req) }
  }

  /** An OFFER or ACK for `addr`: server id, lease time, then the configured options. */
  private reply(
    req: DhcpRepr,
    type: number,
    addr: number,
    sub: DhcpdSubnet,
    arr: Arrival,
    lease: number | undefined,
    host: DhcpdHost | undefined,
  ): DhcpRepr {
    const r = newDhcp(BootOp.REPLY, req.xid, 0)
    r.htype = req.htype
    r.hlen = req.hlen
    r.chaddr = req.chaddr.slice()
    r.flags = req.flags
    r.ciaddr = req.ciaddr
    r.yiaddr = addr
    r.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(type))
    r.options.set(DhcpOpt.SERVER_ID, optAddr(this.cfg.serverId ?? arr.addr))
    if (lease !== undefined) r.options.set(DhcpOpt.LEASE_TIME, optU32(lease))
    // Host options over subnet options over global ones; the mask always (RFC 2131 §4.3.1).
    const opts = new Map<number, Uint8Array>([[DhcpOpt.SUBNET_MASK, optAddr(sub.mask)]])
    for (const src of [this.cfg.options, sub.options, host?.options ?? new Map<number, Uint8Array>()])
      for (const [k, v] of src) opts.set(k, v)
    for (const [k, v] of opts) r.options.set(k, v)
    return r
  }

  /** What `dhcpd.leases` holds: active and abandoned leases, in address order. */
  current(now: number): ServerLease[] {
    return [...this.leases.values()]
      .filter((l) => (l.state === 'active' || l.state === 'abandoned') && l.ends > now)
      .sort((a, b) => a.addr - b.addr)
  }

  /** A DHCP type's name for logs. */
  static typeName(t: number): string {
    return DHCP_TYPE_NAMES[t] ?? `DHCP type ${t}`
  }
}
