/**
 * The DHCPv6 client's state machine as ISC's dhclient -6 runs it (RFC 8415 §18.2): SOLICIT after a
 * random delay of up to SOL_MAX_DELAY, ADVERTISEs collected until the first retransmission time
 * (one with preference 255 taken at once), the best one (preference, then bindings) REQUESTed,
 * the REPLY bound; RENEW at T1 to the server that gave it, REBIND at T2 to all servers, the
 * address given up when its valid lifetime runs out and the client starts over. Retransmission
 * follows §15: RT = 2·RT + RAND·RT with RAND in ±0.1, bounded by MRT, MRC and MRD. When the
 * server leaves T1/T2 at 0 the client picks half and three quarters of the valid lifetime, as ISC
 * does. Time is the caller's clock in nanoseconds; randomness and effects go through Client6Host.
 *
 * Must not: throw on any message (one that does not match the exchange is ignored and counted).
 */

import {
  bytesEqual,
  DHCP6_STATUS_NAMES,
  DHCP6_TYPE_NAMES,
  type Dhcp6Ia,
  type Dhcp6IaAddr,
  type Dhcp6Msg,
  Dhcp6Opt,
  Dhcp6Status,
  Dhcp6Type,
  formatHexColons,
  newDhcp6Msg,
} from '../../../wire/app/dhcp6.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'

const SEC = 1e9
/** RFC 3315 §5.5 values, which ISC 4.4 uses. */
export const SOL_MAX_DELAY = 1 * SEC
export const SOL_TIMEOUT = 1 * SEC
export const SOL_MAX_RT = 120 * SEC
export const REQ_TIMEOUT = 1 * SEC
export const REQ_MAX_RT = 30 * SEC
export const REQ_MAX_RC = 10
export const REN_TIMEOUT = 10 * SEC
export const REN_MAX_RT = 600 * SEC
export const REB_TIMEOUT = 10 * SEC
export const REB_MAX_RT = 600 * SEC
/** ISC's default requested lease (7200 s): the T1/T2 it asks for are half and three quarters. */
const REQUESTED_LEASE = 7200

export type Client6State = 'init' | 'selecting' | 'requesting' | 'bound' | 'renewing' | 'rebinding'

export interface Lease6 {
  serverId: Uint8Array
  iaid: number
  addr: Uint8Array
  preferred: number
  valid: number
  t1: number
  t2: number
  /** When it was bound (ns). */
  starts: number
  dnsServers?: Uint8Array[]
  domainList?: string[]
}

export interface Client6Host {
  duid: Uint8Array
  iaid: number
  ifName: string
  /** A uniform random number in [0, 1). */
  random(): number
  /** 24 random bits. */
  xid(): number
  /** ISC's log lines (shown with -v or -d). */
  note(s: string): void
  send(m: Dhcp6Msg): void
  /** dhclient-script's BOUND6 / RENEW6 / REBIND6. */
  bind(l: Lease6, old: Lease6 | null, reason: 'BOUND6' | 'RENEW6' | 'REBIND6'): void
  /** EXPIRE6 (and the old address of a changed binding). */
  expire(l: Lease6): void
  /** First binding: the launcher may detach. */
  daemon(): void
}

export interface Client6Stats {
  ignored: number
}

export class Dhcp6Client {
  state: Client6State = 'init'
  lease: Lease6 | null = null
  readonly stats: Client6Stats = { ignored: 0 }
  private xid = 0
  private start = 0
  private txcount = 0
  private rt = 0
  private irt = 0
  private mrt = 0
  private mrc = 0
  /** Absolute end of the exchange (ns), 0 = none. */
  private mrdAt = 0
  private nextTx = Number.POSITIVE_INFINITY
  /** Selecting: when the first RT runs out (ns). */
  private selectAt = 0
  private adverts: Dhcp6Msg[] = []
  private chosen: Dhcp6Msg | null = null
  private renewAt = Number.POSITIVE_INFINITY
  private rebindAt = Number.POSITIVE_INFINITY
  private expireAt = Number.POSITIVE_INFINITY

  constructor(private readonly h: Client6Host) {}

  nextTimeout(): number {
    return Math.min(this.nextTx, this.renewAt, this.rebindAt, this.expireAt)
  }

  begin(now: number): void {
    this.h.note('PRC: Soliciting for leases (INIT).')
    this.exchange('init', now, SOL_TIMEOUT, SOL_MAX_RT, 0, 0)
    this.adverts = []
    // §18.2.1: the first Solicit waits a random 0..SOL_MAX_DELAY.
    this.nextTx = now + Math.floor(this.h.random() * SOL_MAX_DELAY)
  }

  private exchange(
    state: Client6State,
    now: number,
    irt: number,
    mrt: number,
    mrc: number,
    mrdAt: number,
  ): void {
    this.state = state
    this.xid = this.h.xid() & 0xffffff
    this.txcount = 0
    this.start = now
    this.irt = irt
    this.mrt = mrt
    this.mrc = mrc
    this.mrdAt = mrdAt
    this.rt = 0
    this.nextTx = now
  }

  /** §15: the next retransmission timeout. */
  private backoff(): void {
    const rand = this.h.random() * 0.2 - 0.1
    if (this.rt === 0) {
      this.rt = this.irt + rand * this.irt
      // §18.2.1: the first Solicit RT is strictly greater than IRT.
      if (this.state === 'init' && this.rt <= this.irt) this.rt = this.irt + Math.abs(rand * this.irt) + 1
    } else this.rt = 2 * this.rt + rand * this.rt
    if (this.mrt > 0 && this.rt > this.mrt) this.rt = this.mrt + rand * this.mrt
  }

  private ia(withAddr: boolean): Dhcp6Ia {
    const l = this.lease
    const ia: Dhcp6Ia = {
      type: Dhcp6Opt.IA_NA,
      iaid: this.h.iaid,
      t1: REQUESTED_LEASE / 2,
      t2: REQUESTED_LEASE / 2 + REQUESTED_LEASE / 4,
      addrs: [],
      prefixes: [],
    }
    if (withAddr && l !== null) ia.addrs.push({ addr: l.addr, preferred: l.preferred, valid: l.valid })
    return ia
  }

  private transmit(now: number): void {
    if (this.mrc > 0 && this.txcount >= this.mrc) {
      this.h.note('Max retransmission count exceeded.')
      this.giveUp(now)
      return
    }
    if (this.mrdAt > 0 && now >= this.mrdAt) {
      this.h.note('Max retransmission duration exceeded.')
      this.giveUp(now)
      return
    }
    const type = {
      init: Dhcp6Type.SOLICIT,
      selecting: Dhcp6Type.SOLICIT,
      requesting: Dhcp6Type.REQUEST,
      renewing: Dhcp6Type.RENEW,
      rebinding: Dhcp6Type.REBIND,
      bound: 0,
    }[this.state]
    if (type === 0) return
    if (this.txcount === 0) this.start = now
    const m = newDhcp6Msg(type, this.xid)
    m.clientId = this.h.duid
    const cs = Math.floor((now - this.start) / 1e7)
    m.elapsed = Math.min(cs, 0xffff)
    const name = DHCP6_TYPE_NAMES[type]!
    this.h.note(cs === 0 ? `XMT: Forming ${name}, 0 ms elapsed.` : `XMT: Forming ${name}, ${cs}0 ms elapsed.`)
    m.oro = [Dhcp6Opt.DNS_SERVERS, Dhcp6Opt.DOMAIN_LIST]
    if (type === Dhcp6Type.SOLICIT) m.ias.push(this.ia(false))
    else if (type === Dhcp6Type.REQUEST) {
      const adv = this.chosen!
      m.serverId = adv.serverId
      for (const a of adv.ias)
        if (a.type === Dhcp6Opt.IA_NA && a.iaid === this.h.iaid)
          m.ias.push({ ...this.ia(false), addrs: a.addrs })
    } else {
      if (type === Dhcp6Type.RENEW) m.serverId = this.lease!.serverId
      m.ias.push(this.ia(true))
    }
    for (const ia of m.ias) {
      this.h.note(`XMT:  X-- IA_NA ${formatHexColons(iaidBytes(ia.iaid))}`)
      this.h.note(`XMT:  | X-- Request renew in  +${ia.t1}`)
      this.h.note(`XMT:  | X-- Request rebind in +${ia.t2}`)
      for (const a of ia.addrs) this.h.note(`XMT:  | X-- Request address ${formatIpv6(a.addr)}.`)
    }
    this.backoff()
    this.txcount++
    const shown = Math.round(this.rt / 1e7)
    this.h.note(
      `XMT: ${name === 'Information-request' ? 'Info-Request' : name} on ${this.h.ifName}, interval ${shown}0ms.`,
    )
    this.h.send(m)
    this.nextTx = now + this.rt
    if (this.state === 'init') {
      this.state = 'selecting'
      this.selectAt = now + this.rt
    }
  }

  private giveUp(now: number): void {
    this.nextTx = Number.POSITIVE_INFINITY
    if (this.state === 'requesting') this.begin(now)
  }

  tick(now: number): void {
    if (now >= this.expireAt && this.lease !== null) {
      this.h.note(`PRC: Address ${formatIpv6(this.lease.addr)} expired.`)
      const old = this.lease
      this.lease = null
      this.renewAt = this.rebindAt = this.expireAt = Number.POSITIVE_INFINITY
      this.h.expire(old)
      this.begin(now)
      return
    }
    if (now >= this.rebindAt && this.state !== 'rebinding') {
      this.rebindAt = Number.POSITIVE_INFINITY
      this.renewAt = Number.POSITIVE_INFINITY
      this.h.note('PRC: Rebinding lease.')
      this.exchange('rebinding', now, REB_TIMEOUT, REB_MAX_RT, 0, this.expireAt)
    } else if (now >= this.renewAt && this.state === 'bound') {
      this.renewAt = Number.POSITIVE_INFINITY
      this.h.note('PRC: Renewing lease.')
      this.exchange('renewing', now, REN_TIMEOUT, REN_MAX_RT, 0, this.rebindAt)
    }
    if (this.state === 'selecting' && now >= this.selectAt && this.adverts.length > 0) {
      this.select(now)
      return
    }
    if (now >= this.nextTx) this.transmit(now)
  }

  private select(now: number): void {
    this.h.note('PRC: Selecting best advertised lease.')
    let best = this.adverts[0]!
    for (const a of this.adverts.slice(1))
      if (
        (a.preference ?? 0) > (best.preference ?? 0) ||
        ((a.preference ?? 0) === (best.preference ?? 0) && addrCount(a) > addrCount(best))
      )
        best = a
    this.h.note(
      `PRC:  X-- Initial candidate ${formatHexColons(best.serverId!)} (s: ${score(best)}, p: ${best.preference ?? 0}).`,
    )
    this.chosen = best
    this.adverts = []
    this.exchange('requesting', now, REQ_TIMEOUT, REQ_MAX_RT, REQ_MAX_RC, 0)
    this.transmit(now)
  }

  /** A message that came in on our socket (already parsed). */
  input(m: Dhcp6Msg, now: number): void {
    if (m.xid !== this.xid || !bytesEqual(m.clientId, this.h.duid) || m.serverId === undefined) {
      this.stats.ignored++
      return
    }
    if (m.type === Dhcp6Type.ADVERTISE && this.state === 'selecting') {
      this.logIas('RCV', m)
      if (addrCount(m) === 0) {
        this.h.note('RCV:Advertised lease scored 0, toss it.')
        this.stats.ignored++
        return
      }
      this.adverts.push(m)
      if (m.preference === 255) {
        this.h.note('RCV:  Advertisement immediately selected.')
        this.select(now)
      } else this.h.note('RCV:  Advertisement recorded.')
      return
    }
    if (
      m.type !== Dhcp6Type.REPLY ||
      this.state === 'bound' ||
      this.state === 'init' ||
      this.state === 'selecting'
    ) {
      this.stats.ignored++
      return
    }
    this.logIas('RCV', m)
    if (m.status !== undefined && m.status.code !== Dhcp6Status.SUCCESS) {
      this.h.note(
        `Reply status code ${DHCP6_STATUS_NAMES[m.status.code] ?? m.status.code}: ${m.status.message}`,
      )
      if (this.state === 'requesting') this.begin(now)
      return
    }
    const ia = m.ias.find((x) => x.type === Dhcp6Opt.IA_NA && x.iaid === this.h.iaid)
    const got: Dhcp6IaAddr | undefined = ia?.addrs.find(
      (a) => a.valid > 0 && (a.status === undefined || a.status.code === 0),
    )
    if (ia === undefined || got === undefined || (ia.status !== undefined && ia.status.code !== 0)) {
      // NoBinding to a Renew/Rebind: ask again from the start (§18.2.10.1).
      if (this.state === 'requesting' || ia?.status?.code === Dhcp6Status.NO_BINDING) this.begin(now)
      this.stats.ignored++
      return
    }
    const old = this.lease
    const lease: Lease6 = {
      serverId: m.serverId,
      iaid: ia.iaid,
      addr: got.addr,
      preferred: got.preferred,
      valid: got.valid,
      t1: ia.t1,
      t2: ia.t2,
      starts: now,
      dnsServers: m.dnsServers,
      domainList: m.domainList,
    }
    const reason = this.state === 'requesting' ? 'BOUND6' : this.state === 'renewing' ? 'RENEW6' : 'REBIND6'
    if (old !== null && !bytesEqual(old.addr, lease.addr)) this.h.expire(old)
    this.lease = lease
    this.state = 'bound'
    this.nextTx = Number.POSITIVE_INFINITY
    this.h.note(`PRC: Bound to lease ${formatHexColons(m.serverId)}.`)
    this.h.bind(
      lease,
      old !== null && bytesEqual(old.addr, lease.addr) ? old : null,
      old !== null && !bytesEqual(old.addr, lease.addr) ? 'BOUND6' : reason,
    )
    // ISC's dhc6_check_times: T1/T2 of 0 leave the choice to us.
    const half = Math.floor(lease.valid / 2)
    const t1 = lease.t1 === 0 ? half : lease.t1
    const t2 = lease.t2 === 0 ? half + Math.floor(half / 2) : lease.t2
    const fin = (s: number) => (s === 0xffffffff ? Number.POSITIVE_INFINITY : now + s * SEC)
    this.renewAt = fin(t1)
    this.rebindAt = fin(t2)
    this.expireAt = fin(lease.valid)
    if (t1 < t2) this.h.note(`PRC: Renewal event scheduled in ${t1} seconds, to run for ${t2 - t1} seconds.`)
    this.h.daemon()
  }

  private logIas(dir: string, m: Dhcp6Msg): void {
    if (m.preference !== undefined) this.h.note(`${dir}:  X-- Preference ${m.preference}.`)
    if (m.serverId !== undefined) this.h.note(`${dir}:  X-- Server ID: ${formatHexColons(m.serverId)}`)
    for (const ia of m.ias) {
      this.h.note(`${dir}:  X-- IA_NA ${formatHexColons(iaidBytes(ia.iaid))}`)
      this.h.note(`${dir}:  | X-- t1 - renew  +${ia.t1}`)
      this.h.note(`${dir}:  | X-- t2 - rebind +${ia.t2}`)
      for (const a of ia.addrs) {
        this.h.note(`${dir}:  | | X-- IAADDR ${formatIpv6(a.addr)}`)
        this.h.note(`${dir}:  | | | X-- Preferred lifetime ${a.preferred}.`)
        this.h.note(`${dir}:  | | | X-- Max lifetime ${a.valid}.`)
      }
      if (ia.status !== undefined)
        this.h.note(
          `${dir}:  | !-- Status code of ${DHCP6_STATUS_NAMES[ia.status.code] ?? ia.status.code}, IA_NA discarded.`,
        )
    }
  }
}

function addrCount(m: Dhcp6Msg): number {
  let n = 0
  for (const ia of m.ias) for (const a of ia.addrs) if (a.valid > 0 && (a.status?.code ?? 0) === 0) n++
  return n
}

/** ISC's lease score: 50 per binding, 100 per address, 1 base. */
function score(m: Dhcp6Msg): number {
  return 1 + 50 * m.ias.length + 100 * addrCount(m)
}

export function iaidBytes(iaid: number): Uint8Array {
  return Uint8Array.of(iaid >>> 24, (iaid >>> 16) & 0xff, (iaid >>> 8) & 0xff, iaid & 0xff)
}
