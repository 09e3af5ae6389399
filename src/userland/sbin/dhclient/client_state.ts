/**
 * dhclient's state machine (RFC 2131 §4.4, figure 5), as FreeBSD's sbin/dhclient runs it: INIT →
 * SELECTING (DHCPDISCOVER with randomized exponential backoff, §4.1) → REQUESTING (DHCPREQUEST
 * broadcast, back to INIT after reboot_timeout) → BOUND (renewal at T1) → RENEWING (DHCPREQUEST
 * unicast to the server) → broadcast once T2 has passed (REBINDING) → at expiry the address is given
 * up and the client starts over. DHCPNAK sends it back to INIT; no offer within `timeout` seconds
 * is FreeBSD's state_panic: "No DHCPOFFERS received.", then a retry after retry_interval.
 *
 * Time is whole seconds (FreeBSD's cur_time) from the caller; randomness comes from the caller; what
 * goes on the wire and what the interface becomes are the caller's (`ClientHost`). Messages are
 * dhclient's own (`DHCPDISCOVER on em0 to 255.255.255.255 port 67 interval 3`). Must not: throw on
 * a peer's message, or keep more than one offer (select_interval is 0: the first offer wins).
 */

import { INADDR_BROADCAST } from '../../../wire/addr.js'
import {
  BootOp,
  DhcpOpt,
  type DhcpRepr,
  DhcpType,
  dhcpChaddrMac,
  dhcpOptAddr,
  dhcpOptAddrs,
  dhcpOptText,
  dhcpOptU32,
  dhcpType,
  newDhcp,
  optAddr,
  optText,
} from '../../../wire/app/dhcp.js'

/** clparse.c's defaults (dhclient.conf(5)). */
export const CLIENT_DEFAULTS = {
  timeout: 60,
  initialInterval: 3,
  retryInterval: 300,
  rebootTimeout: 10,
  backoffCutoff: 15,
  /** When the server gives no lease time (DEFAULT_LEASE_TIME). */
  defaultLeaseTime: 43200,
} as const

/** The options dhclient asks for (clparse.c): mask, broadcast, time offset, classless routes, routers, domain, search, DNS, host name, MTU. */
export const REQUESTED_OPTIONS = Uint8Array.of(1, 28, 2, 121, 3, 15, 119, 6, 12, 26)

export const ClientState = {
  INIT: 'INIT',
  SELECTING: 'SELECTING',
  REQUESTING: 'REQUESTING',
  BOUND: 'BOUND',
  RENEWING: 'RENEWING',
} as const
export type ClientState = (typeof ClientState)[keyof typeof ClientState]

export interface ClientLease {
  address: number
  serverId: number | undefined
  /** Absolute seconds. */
  expiry: number
  renewal: number
  rebind: number
  options: Map<number, Uint8Array>
  nextServer: number
}

/** What the state machine needs from its process. */
export interface ClientHost {
  readonly ifName: string
  readonly mac: number
  /** Host name sent in option 12 (up to the first dot), or '' for none. */
  readonly hostname: string
  /** Random 32-bit value (arc4random). */
  random(): number
  /** Send `msg` from `from` to `to` (port 67): broadcast by bpf, unicast by the raw socket. */
  send(msg: DhcpRepr, from: number, to: number): void
  note(line: string): void
  /** dhclient-script BOUND/RENEW/REBIND: configure the interface for `lease` (old is the one it replaces). */
  bind(lease: ClientLease, old: ClientLease | null, reason: 'BOUND' | 'RENEW' | 'REBIND'): void
  /** dhclient-script EXPIRE: give the address up. */
  expire(old: ClientLease): void
  /** go_daemon(): the first time, the foreground part is over. */
  daemon(): void
}

export class DhcpClient {
  state: ClientState = ClientState.INIT
  active: ClientLease | null = null
  private offered: ClientLease | null = null
  private xid = 0
  private packet: DhcpRepr | null = null
  private firstSending = 0
  private interval = 0
  /** secs of the last DHCPDISCOVER, which the DHCPREQUEST of REQUESTING repeats. */
  private secs = 0
  private destination = INADDR_BROADCAST
  /** When the pending timeout fires (absolute seconds), and what it does. */
  private timeoutAt = 0
  private timeoutFn: (() => void) | null = null
  /** Messages the state machine threw away (wrong xid, chaddr, state, missing options). */
  ignored = 0

  constructor(
    private readonly host: ClientHost,
    private readonly cfg: typeof CLIENT_DEFAULTS = CLIENT_DEFAULTS,
  ) {}

  /** When the next timeout is due (absolute seconds), or Infinity. */
  nextTimeout(): number {
    return this.timeoutFn === null ? Number.POSITIVE_INFINITY : this.timeoutAt
  }

  /** Run the timeout if it is due. */
  tick(now: number): void {
    if (this.timeoutFn !== null && now >= this.timeoutAt) {
      const fn = this.timeoutFn
      this.timeoutFn = null
      this.now = now
      fn()
    }
  }

  private now = 0

  private addTimeout(at: number, fn: () => void): void {
    this.timeoutAt = at
    this.timeoutFn = fn
  }

  private rand(mod: number): number {
    return mod <= 0 ? 0 : (this.host.random() >>> 2) % mod
  }

  start(now: number): void {
    this.now = now
    this.stateInit()
  }

  // ---- INIT / SELECTING ----

  private stateInit(): void {
    this.packet = this.makeMessage(DhcpType.DISCOVER, null)
    this.xid = this.packet.xid
    this.firstSending = this.now
    this.interval = 0
    this.offered = null
    this.state = ClientState.SELECTING
    this.sendDiscover()
  }

  private sendDiscover(): void {
    const c = this.cfg
    const elapsed = this.now - this.firstSending
    if (elapsed > c.timeout) {
      this.statePanic()
      return
    }
    // §4.1: randomized exponential backoff, capped (dhclient's backoff_cutoff).
    if (this.interval === 0) this.interval = c.initialInterval
    else this.interval += this.rand(2 * this.interval)
    if (this.interval > c.backoffCutoff)
      this.interval = Math.floor(c.backoffCutoff / 2) + this.rand(c.backoffCutoff)
    if (this.now + this.interval > this.firstSending + c.timeout)
      this.interval = this.firstSending + c.timeout - this.now + 1
    const p = this.packet!
    p.secs = Math.min(elapsed, 65535)
    this.secs = p.secs
    this.host.note(`DHCPDISCOVER on ${this.host.ifName} to 255.255.255.255 port 67 interval ${this.interval}`)
    this.host.send(p, 0, INADDR_BROADCAST)
    this.addTimeout(this.now + this.interval, () => this.sendDiscover())
  }

  private statePanic(): void {
    this.host.note('No DHCPOFFERS received.')
    const a = this.active
    if (a !== null && a.expiry > this.now) {
      // The recorded lease is still good: use it until it needs renewal.
      this.host.note(`Trying recorded lease ${fmt(a.address)}`)
      this.state = ClientState.BOUND
      if (this.now < a.renewal) {
        this.host.note(`bound: renewal in ${a.renewal - this.now} seconds.`)
        this.addTimeout(a.renewal, () => this.stateBound())
      } else {
        this.host.note('bound: immediate renewal.')
        this.stateBound()
      }
      this.host.daemon()
      return
    }
    this.host.note('No working leases in persistent database - sleeping.')
    this.state = ClientState.INIT
    this.addTimeout(this.now + this.cfg.retryInterval, () => this.stateInit())
    this.host.daemon()
  }

  // ---- messages from servers ----

  /** A DHCP reply from `from` (the IP source address). */
  input(msg: DhcpRepr, from: number, now: number): void {
    this.now = now
    if (msg.op !== BootOp.REPLY || msg.xid !== this.xid || dhcpChaddrMac(msg) !== this.host.mac) {
      this.ignored++
      return
    }
    const t = dhcpType(msg)
    if (t === DhcpType.OFFER) this.dhcpOffer(msg, from)
    else if (t === DhcpType.ACK) this.dhcpAck(msg, from)
    else if (t === DhcpType.NAK) this.dhcpNak(from)
    else this.ignored++
  }

  private dhcpOffer(msg: DhcpRepr, from: number): void {
    if (this.state !== ClientState.SELECTING) {
      this.ignored++
      return
    }
    this.host.note(`DHCPOFFER from ${fmt(from)}`)
    // select_interval 0: the first acceptable offer is taken at once (state_selecting).
    this.offered = this.toLease(msg)
    this.packet = this.makeMessage(DhcpType.REQUEST, this.offered)
    this.packet.xid = this.xid
    this.destination = INADDR_BROADCAST
    this.state = ClientState.REQUESTING
    this.firstSending = this.now
    this.interval = 0
    this.sendRequest()
  }

  private dhcpAck(msg: DhcpRepr, from: number): void {
    if (this.state !== ClientState.REQUESTING && this.state !== ClientState.RENEWING) {
      this.ignored++
      return
    }
    this.host.note(`DHCPACK from ${fmt(from)}`)
    const lease = this.toLease(msg)
    // dhcpack(): lease time or the default; T1 at most half of it, T2 at most 7/4 of T1.
    let expiry = dhcpOptU32(msg, DhcpOpt.LEASE_TIME) ?? this.cfg.defaultLeaseTime
    if (expiry < 60) expiry = 60
    let renewal = dhcpOptU32(msg, DhcpOpt.T1) ?? Math.floor(expiry / 2)
    if (renewal > Math.floor(expiry / 2)) renewal = Math.floor(expiry / 2)
    const cap = Math.floor(renewal / 4) * 7
    let rebind = dhcpOptU32(msg, DhcpOpt.T2) ?? cap
    if (rebind > cap) rebind = cap
    lease.expiry = this.now + expiry
    lease.renewal = this.now + renewal
    lease.rebind = this.now + rebind
    this.bindLease(lease)
  }

  private bindLease(lease: ClientLease): void {
    const reason =
      this.state === ClientState.REQUESTING
        ? 'BOUND'
        : this.now > (this.active?.rebind ?? 0)
          ? 'REBIND'
          : 'RENEW'
    this.host.bind(lease, this.active, reason)
    this.active = lease
    this.offered = null
    this.addTimeout(lease.renewal, () => this.stateBound())
    this.host.note(`bound to ${fmt(lease.address)} -- renewal in ${lease.renewal - this.now} seconds.`)
    this.state = ClientState.BOUND
    this.host.daemon()
  }

  private dhcpNak(from: number): void {
    if (this.state !== ClientState.REQUESTING && this.state !== ClientState.RENEWING) {
      this.ignored++
      return
    }
    this.host.note(`DHCPNAK from ${fmt(from)}`)
    if (this.active === null) {
      this.host.note('DHCPNAK with no active lease.')
      return
    }
    this.active = null
    this.timeoutFn = null
    this.state = ClientState.INIT
    this.stateInit()
  }

  // ---- BOUND / RENEWING ----

  /** T1 has expired: unicast a DHCPREQUEST to the server that gave us the lease. */
  private stateBound(): void {
    const a = this.active!
    this.packet = this.makeMessage(DhcpType.REQUEST, a, true)
    this.xid = this.packet.xid
    this.destination = a.serverId ?? INADDR_BROADCAST
    this.firstSending = this.now
    this.interval = this.cfg.initialInterval
    this.state = ClientState.RENEWING
    this.sendRequest()
  }

  private sendRequest(): void {
    const c = this.cfg
    const elapsed = this.now - this.firstSending
    const a = this.active
    if (this.state === ClientState.REQUESTING && elapsed > c.rebootTimeout) {
      this.state = ClientState.INIT
      this.stateInit()
      return
    }
    if (this.state !== ClientState.REQUESTING && a !== null && this.now > a.expiry) {
      // The lease ran out: give the address up and start over (EXPIRE, then INIT).
      this.host.expire(a)
      this.active = null
      this.state = ClientState.INIT
      this.stateInit()
      return
    }
    if (this.interval === 0) this.interval = c.initialInterval
    else this.interval += this.rand(2 * this.interval)
    if (this.interval > c.backoffCutoff)
      this.interval = Math.floor(c.backoffCutoff / 2) + this.rand(this.interval)
    if (this.state !== ClientState.REQUESTING && a !== null && this.now + this.interval > a.expiry)
      this.interval = a.expiry - this.now + 1
    // Past T2 (or not yet bound), broadcast: any server may answer (§4.4.5 REBINDING).
    const to =
      this.state === ClientState.REQUESTING || a === null || this.now > a.rebind
        ? INADDR_BROADCAST
        : this.destination
    const from = this.state !== ClientState.REQUESTING && a !== null ? a.address : 0
    const p = this.packet!
    p.secs = this.state === ClientState.REQUESTING ? this.secs : Math.min(elapsed, 65535)
    this.host.note(`DHCPREQUEST on ${this.host.ifName} to ${fmt(to)} port 67`)
    this.host.send(p, from, to)
    this.addTimeout(this.now + this.interval, () => this.sendRequest())
  }

  // ---- building messages ----

  private makeMessage(type: number, lease: ClientLease | null, renewing = false): DhcpRepr {
    const p = newDhcp(BootOp.REQUEST, this.host.random(), this.host.mac)
    p.options.set(DhcpOpt.MESSAGE_TYPE, Uint8Array.of(type))
    p.options.set(DhcpOpt.PARAM_LIST, REQUESTED_OPTIONS)
    if (type === DhcpType.REQUEST && lease !== null && !renewing) {
      // §4.3.2 SELECTING: the server identifier and the requested address.
      if (lease.serverId !== undefined) p.options.set(DhcpOpt.SERVER_ID, optAddr(lease.serverId))
      p.options.set(DhcpOpt.REQUESTED_IP, optAddr(lease.address))
    }
    // §4.3.2 RENEWING/REBINDING: ciaddr is ours, no server id, no requested address.
    if (renewing && lease !== null) p.ciaddr = lease.address
    const h = this.host.hostname.split('.')[0]!
    if (h !== '') p.options.set(DhcpOpt.HOSTNAME, optText(h))
    const cid = new Uint8Array(7)
    cid[0] = 1
    cid.set(p.chaddr.subarray(0, 6), 1)
    p.options.set(DhcpOpt.CLIENT_ID, cid)
    return p
  }

  private toLease(msg: DhcpRepr): ClientLease {
    return {
      address: msg.yiaddr,
      serverId: dhcpOptAddr(msg, DhcpOpt.SERVER_ID),
      expiry: 0,
      renewal: 0,
      rebind: 0,
      options: msg.options,
      nextServer: msg.siaddr,
    }
  }
}

/** What a lease says, for the script and the lease file. */
export function leaseParams(l: ClientLease): {
  mask: number | undefined
  routers: number[]
  dns: number[]
  domain: string | undefined
} {
  const m = l
  return {
    mask: dhcpOptAddr(m, DhcpOpt.SUBNET_MASK),
    routers: dhcpOptAddrs(m, DhcpOpt.ROUTERS) ?? [],
    dns: dhcpOptAddrs(m, DhcpOpt.DNS) ?? [],
    domain: dhcpOptText(m, DhcpOpt.DOMAIN_NAME),
  }
}

function fmt(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`
}
