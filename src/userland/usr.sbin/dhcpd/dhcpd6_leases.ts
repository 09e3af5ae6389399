/**
 * ISC dhcpd -6's answers (RFC 8415 §18.3) and its IA_NA binding table. SOLICIT gets an ADVERTISE
 * (or, with rapid commit on both sides, a committed REPLY) offering the host's fixed-address6, the
 * binding the client's DUID and IAID already have, or a free address of the link's range6 pools
 * (the starting point hashed from DUID and IAID, as ISC picks addresses pseudo-randomly);
 * REQUEST, RENEW and REBIND commit or extend it; RELEASE frees, DECLINE abandons, CONFIRM says
 * whether the addresses are still on link, INFORMATION-REQUEST gets the options alone. Messages
 * that break §16's rules (a SOLICIT with a SERVERID, a REQUEST for another server …) are dropped.
 *
 * Lifetimes are ISC's defaults: valid = default-lease-time (43200 s), preferred = 5/8 of that
 * unless `preferred-lifetime` says; T1/T2 0 ("client chooses") unless dhcp-renewal-time and
 * dhcp-rebinding-time are given. The table holds at most MAX_BINDINGS entries; expired ones are
 * reclaimed first. Must not: throw on any message, or answer for a link it has no subnet6 on.
 */

import {
  bytesEqual,
  DHCP6_TYPE_NAMES,
  type Dhcp6Ia,
  type Dhcp6Msg,
  Dhcp6Opt,
  Dhcp6Status,
  Dhcp6Type,
  duidMac,
  formatHexColons,
  newDhcp6Msg,
} from '../../../wire/app/dhcp6.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import {
  bigToIn6,
  type Dhcp6Params,
  type Dhcpd6Config,
  type Dhcpd6Host,
  type Dhcpd6Subnet,
  in6InPrefix,
  in6ToBig,
} from './dhcpd6_conf.js'

export const MAX_BINDINGS = 65536
/** Seconds an advertised address stays reserved for its client. */
export const ADVERTISE_HOLD = 120
/** Seconds a declined address stays out of the pool. */
export const ABANDON_TIME = 86400
const DEFAULT_LEASE = 43200

export interface Binding6 {
  duid: Uint8Array
  iaid: number
  addr: Uint8Array
  preferred: number
  valid: number
  /** Seconds (caller's clock) when it was last given, and when it ends. */
  cltt: number
  ends: number
  state: 'advertised' | 'active' | 'abandoned'
}

/** What the server knows of the link a message came in on. */
export interface Link6 {
  ifName: string
  /** The subnet6 declarations the interface's addresses fall in. */
  subnets: readonly Dhcpd6Subnet[]
}

function hash(duid: Uint8Array, iaid: number): bigint {
  let h = 0x811c9dc5
  const mix = (x: number) => {
    h = Math.imul(h ^ x, 0x01000193) >>> 0
  }
  for (const x of duid) mix(x)
  for (let i = 24; i >= 0; i -= 8) mix((iaid >>> i) & 0xff)
  return BigInt(h)
}

export class Binding6Table {
  private readonly bindings = new Map<string, Binding6>()

  constructor(
    private readonly cfg: Dhcpd6Config,
    readonly serverId: Uint8Array,
    private readonly log: (s: string) => void,
  ) {}

  current(): Binding6[] {
    return [...this.bindings.values()]
  }

  /** A binding read back from the lease file at start. */
  restore(b: Binding6): void {
    if (this.bindings.size < MAX_BINDINGS) this.bindings.set(key(b.duid, b.iaid), b)
  }

  private hostFor(duid: Uint8Array): Dhcpd6Host | undefined {
    const mac = duidMac(duid)
    return this.cfg.hosts.find(
      (h) =>
        (h.clientId !== undefined && bytesEqual(h.clientId, duid)) || (h.mac !== undefined && h.mac === mac),
    )
  }

  private params(s: Dhcpd6Subnet | undefined, h: Dhcpd6Host | undefined): Dhcp6Params {
    return { ...this.cfg.params, ...(s?.params ?? {}), ...(h?.params ?? {}) }
  }

  private inUse(addr: Uint8Array, now: number, except: string): boolean {
    for (const [k, b] of this.bindings)
      if (k !== except && b.ends > now && bytesEqual(b.addr, addr)) return true
    return this.cfg.hosts.some((h) => h.fixed.some((f) => bytesEqual(f, addr)))
  }

  private reclaim(now: number): void {
    if (this.bindings.size < MAX_BINDINGS) return
    for (const [k, b] of this.bindings) if (b.ends <= now) this.bindings.delete(k)
  }

  /** A free pool address for (duid, iaid) on the link, or undefined when the pools are full. */
  private allocate(link: Link6, duid: Uint8Array, iaid: number, now: number): Uint8Array | undefined {
    const k = key(duid, iaid)
    const start = hash(duid, iaid)
    for (const s of link.subnets)
      for (const r of s.ranges) {
        const size = r.hi - r.lo + 1n
        const first = start % size
        // Probe at most 4096 addresses: a full large pool answers NoAddrsAvail rather than spin.
        const tries = size < 4096n ? size : 4096n
        for (let n = 0n; n < tries; n++) {
          const a = bigToIn6(r.lo + ((first + n) % size))
          if (!this.inUse(a, now, k)) return a
        }
      }
    return undefined
  }

  /** The address (duid, iaid) should have on this link. */
  private pick(
    link: Link6,
    duid: Uint8Array,
    iaid: number,
    now: number,
  ): { addr: Uint8Array; fixed: boolean } | undefined {
    const h = this.hostFor(duid)
    const fixed = h?.fixed.find((f) => link.subnets.some((s) => in6InPrefix(f, s.prefix, s.prefixLen)))
    if (fixed !== undefined) return { addr: fixed, fixed: true }
    const b = this.bindings.get(key(duid, iaid))
    if (
      b !== undefined &&
      b.state !== 'abandoned' &&
      link.subnets.some((s) => s.ranges.some((r) => inRange(b.addr, r.lo, r.hi)))
    )
      return { addr: b.addr, fixed: false }
    const a = this.allocate(link, duid, iaid, now)
    return a === undefined ? undefined : { addr: a, fixed: false }
  }

  /** The reply to `m` from `peer` on `link`, or null when it is to be dropped. */
  handle(m: Dhcp6Msg, link: Link6, now: number): Dhcp6Msg | null {
    if (link.subnets.length === 0) return null
    const duid = m.clientId
    const ours = m.serverId !== undefined && bytesEqual(m.serverId, this.serverId)
    switch (m.type) {
      case Dhcp6Type.SOLICIT:
      case Dhcp6Type.REBIND:
      case Dhcp6Type.CONFIRM:
        if (duid === undefined || m.serverId !== undefined) return null
        break
      case Dhcp6Type.REQUEST:
      case Dhcp6Type.RENEW:
      case Dhcp6Type.RELEASE:
      case Dhcp6Type.DECLINE:
        if (duid === undefined || !ours) return null
        break
      case Dhcp6Type.INFORMATION_REQUEST:
        if (m.serverId !== undefined && !ours) return null
        break
      default:
        return null
    }
    const commit =
      m.type === Dhcp6Type.SOLICIT
        ? m.rapidCommit && this.params(undefined, undefined).rapidCommit === true
        : true
    const r = newDhcp6Msg(
      m.type === Dhcp6Type.SOLICIT && !commit ? Dhcp6Type.ADVERTISE : Dhcp6Type.REPLY,
      m.xid,
    )
    r.serverId = this.serverId
    if (duid !== undefined) r.clientId = duid
    if (m.type === Dhcp6Type.SOLICIT && commit) r.rapidCommit = true
    const p = this.params(link.subnets[0], duid === undefined ? undefined : this.hostFor(duid))
    if (p.preference !== undefined && r.type === Dhcp6Type.ADVERTISE) r.preference = p.preference
    const wants = (code: number) => m.oro?.includes(code) === true
    if (p.nameServers !== undefined && wants(Dhcp6Opt.DNS_SERVERS)) r.dnsServers = p.nameServers
    if (p.domainSearch !== undefined && wants(Dhcp6Opt.DOMAIN_LIST)) r.domainList = p.domainSearch
    if (m.type === Dhcp6Type.INFORMATION_REQUEST) return r
    const d = duid!
    const name = DHCP6_TYPE_NAMES[r.type]
    if (m.type === Dhcp6Type.CONFIRM) {
      const addrs = m.ias.flatMap((ia) => ia.addrs.map((a) => a.addr))
      if (addrs.length === 0) return null
      const onLink = addrs.every((a) => link.subnets.some((s) => in6InPrefix(a, s.prefix, s.prefixLen)))
      r.status = onLink
        ? { code: Dhcp6Status.SUCCESS, message: 'All addresses still on link.' }
        : { code: Dhcp6Status.NOT_ON_LINK, message: 'Some of the addresses are not on link.' }
      return r
    }
    if (m.type === Dhcp6Type.RELEASE || m.type === Dhcp6Type.DECLINE) {
      for (const ia of m.ias) {
        const k = key(d, ia.iaid)
        const b = this.bindings.get(k)
        if (b === undefined) continue
        if (m.type === Dhcp6Type.RELEASE) this.bindings.delete(k)
        else {
          b.state = 'abandoned'
          b.ends = now + ABANDON_TIME
          this.log(`Decline: abandoning address ${formatIpv6(b.addr)}`)
        }
      }
      r.status = {
        code: Dhcp6Status.SUCCESS,
        message: m.type === Dhcp6Type.RELEASE ? 'Release completed.' : 'Decline message received.',
      }
      return r
    }
    const valid = p.defaultLeaseTime ?? DEFAULT_LEASE
    const preferred = Math.min(p.preferredLifetime ?? Math.floor((valid * 5) / 8), valid)
    for (const ia of m.ias) {
      if (ia.type !== Dhcp6Opt.IA_NA) {
        r.ias.push({
          type: ia.type,
          iaid: ia.iaid,
          t1: 0,
          t2: 0,
          addrs: [],
          prefixes: [],
          status: {
            code: ia.type === Dhcp6Opt.IA_PD ? Dhcp6Status.NO_PREFIX_AVAIL : Dhcp6Status.NO_ADDRS_AVAIL,
            message: 'No addresses available for this interface.',
          },
        })
        continue
      }
      const out: Dhcp6Ia = {
        type: ia.type,
        iaid: ia.iaid,
        t1: p.renewalTime ?? 0,
        t2: p.rebindingTime ?? 0,
        addrs: [],
        prefixes: [],
      }
      r.ias.push(out)
      this.reclaim(now)
      const got = this.pick(link, d, ia.iaid, now)
      // Addresses the client holds that are not (or no longer) its: lifetimes 0 (§18.3.4, §18.3.5).
      for (const a of ia.addrs)
        if (got === undefined || !bytesEqual(a.addr, got.addr))
          if (m.type === Dhcp6Type.RENEW || m.type === Dhcp6Type.REBIND)
            out.addrs.push({ addr: a.addr, preferred: 0, valid: 0 })
      if (
        got === undefined ||
        (!got.fixed && this.bindings.size >= MAX_BINDINGS && !this.bindings.has(key(d, ia.iaid)))
      ) {
        out.status = {
          code: Dhcp6Status.NO_ADDRS_AVAIL,
          message: 'No addresses available for this interface.',
        }
        this.log(
          `${name} NA: no addresses available for client with duid ${formatHexColons(d)} iaid = ${ia.iaid}`,
        )
        continue
      }
      out.addrs.unshift({ addr: got.addr, preferred, valid })
      if (got.fixed) {
        this.log(
          `${name} NA: address ${formatIpv6(got.addr)} to client with duid ${formatHexColons(d)} iaid = ${ia.iaid} static`,
        )
        continue
      }
      const k = key(d, ia.iaid)
      const final = r.type === Dhcp6Type.REPLY
      const old = this.bindings.get(k)
      this.bindings.set(k, {
        duid: d,
        iaid: ia.iaid,
        addr: got.addr,
        preferred,
        valid,
        cltt: now,
        ends: now + (final ? valid : ADVERTISE_HOLD),
        state: final ? 'active' : old?.state === 'active' ? 'active' : 'advertised',
      })
      this.log(
        `${name} NA: address ${formatIpv6(got.addr)} to client with duid ${formatHexColons(d)} iaid = ${ia.iaid} valid for ${valid} seconds`,
      )
    }
    return r
  }
}

function key(duid: Uint8Array, iaid: number): string {
  return `${formatHexColons(duid)}/${iaid}`
}

function inRange(a: Uint8Array, lo: bigint, hi: bigint): boolean {
  const v = in6ToBig(a)
  return v >= lo && v <= hi
}
