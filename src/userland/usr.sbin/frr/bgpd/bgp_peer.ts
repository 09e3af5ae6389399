/**
 * One BGP neighbour's finite state machine (RFC 4271 §8): Idle, Connect, Active, OpenSent,
 * OpenConfirm, Established, over the connections it has — the one it opened (port 179 at the peer)
 * and one the peer opened to us — with connection collision resolved by BGP identifier (§6.8), the
 * ConnectRetry, Hold and Keepalive timers as deadlines on the host clock, and the message counters
 * `show ip bgp summary|neighbors` prints. What an UPDATE means for the RIB is the daemon's (bgpd.ts).
 *
 * Must not: throw out of a reader (every failure ends in a NOTIFICATION or a closed connection), or
 * queue more than MAX_TXQ bytes toward a peer that does not read (the session is reset instead).
 */

import type { SocketFd } from '../../../../host/syscalls.js'
import {
  BGP_PORT,
  type BgpError,
  BgpFramer,
  type BgpMsg,
  CEASE_COLLISION,
  ERR_CEASE,
  ERR_FSM,
  ERR_HOLD,
  ERR_OPEN,
  OPEN_BAD_AS,
  OPEN_BAD_ID,
  type OpenMsg,
  parseMessage,
} from '../../../../wire/routing/bgp.js'
import { buildKeepalive, buildNotification, buildOpen } from '../../../../wire/routing/bgp_build.js'

export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established'

const SEC = 1e9
/** RFC 4271 §8: "a large value" for the Hold timer until the OPEN arrives (4 minutes suggested). */
const OPEN_HOLD_S = 240
/** Bytes queued toward a peer before the session is given up on. */
const MAX_TXQ = 4 * 1024 * 1024

/** What a peer needs from the daemon. */
export interface PeerHost {
  now(): number
  localAs(): number
  routerId(): number
  /** Open a TCP connection to the peer's port 179 (from the update-source if any). */
  connect(p: Peer): Promise<SocketFd>
  /** Something changed: wake the daemon's loop (timers moved, a session came up or went down). */
  kick(): void
  established(p: Peer): void
  down(p: Peer): void
  message(p: Peer, m: BgpMsg): void
  /** A message that broke the rules (counted; its NOTIFICATION is sent by the peer). */
  malformed(p: Peer, e: BgpError): void
}

export class Conn {
  readonly fd: SocketFd
  /** Whether we opened it (the collision rule keeps the one the higher identifier opened). */
  readonly outbound: boolean
  state: 'OpenSent' | 'OpenConfirm' | 'Established' = 'OpenSent'
  readonly framer = new BgpFramer()
  open: OpenMsg | null = null
  holdAt = 0
  keepaliveAt = 0
  hold = 0
  keepalive = 0
  as4 = false
  closed = false
  private fdClosed = false
  private tx: Promise<unknown> = Promise.resolve()
  txBytes = 0
  localAddr = 0
  localPort = 0
  remotePort = 0

  constructor(fd: SocketFd, outbound: boolean) {
    this.fd = fd
    this.outbound = outbound
    try {
      const l = fd.getsockname()
      const r = fd.getpeername()
      this.localAddr = l.addr >>> 0
      this.localPort = l.port
      this.remotePort = r.port
    } catch {
      // Reset before we looked: the reader sees it.
    }
  }

  send(b: Uint8Array, onFail: () => void): boolean {
    if (this.closed) return false
    if (this.txBytes + b.length > MAX_TXQ) {
      onFail()
      return false
    }
    this.txBytes += b.length
    // send() may throw at once (EBADF once the vnet is gone): inside then() that is a rejection too.
    this.tx = this.tx.then(() =>
      this.fdClosed
        ? undefined
        : Promise.resolve()
            .then(() => this.fd.send(b))
            .then(
              () => {
                this.txBytes -= b.length
              },
              () => {
                this.txBytes -= b.length
                onFail()
              },
            ),
    )
    return true
  }

  /** Close now, dropping what is queued (the vnet is going away). */
  abort(): void {
    this.closed = true
    this.fdClosed = true
    try {
      this.fd.close()
    } catch {
      // Closed with its vnet already.
    }
  }

  /** Close after what was queued has gone (a NOTIFICATION must reach the peer before the FIN). */
  close(): void {
    if (this.closed) return
    this.closed = true
    void this.tx.then(() => {
      this.fdClosed = true
      try {
        this.fd.close()
      } catch {
        // Closed with its vnet already.
      }
    })
  }
}

export class Peer {
  readonly addr: number
  readonly host: PeerHost
  /** The AS this neighbour is configured with (numeric; `internal` resolved to ours). */
  remoteAs = 0
  remoteAsSpec: number | 'internal' | 'external' = 0
  ibgp = false
  holdCfg = 180
  keepaliveCfg = 60
  connectRetryS = 120
  state: FsmState = 'Idle'
  conns: Conn[] = []
  session: Conn | null = null
  /** When the next outbound attempt starts (0: not scheduled). */
  connectAt = 0
  connecting = false
  /** Whether its address was on a connected network at the last interface poll. */
  reachable = false
  /** Administratively held down (shutdown, max-prefix overflow): no attempts. */
  adminDown = false
  overflow = false
  upSince = 0
  downSince = 0
  established = 0
  dropped = 0
  lastReset = 'never'
  // counters (show ip bgp neighbors)
  readonly rx = { open: 0, update: 0, notification: 0, keepalive: 0, refresh: 0 }
  readonly txc = { open: 0, update: 0, notification: 0, keepalive: 0, refresh: 0 }
  malformed = 0
  lastRead = 0
  lastWrite = 0
  /** Prefixes accepted from it (Adj-RIB-In), and announced to it. */
  pfxRcd = 0
  pfxSnt = 0
  remoteId = 0
  /** Adj-RIB-Out: prefix key -> attribute key last sent. */
  readonly adjOut = new Map<string, string>()

  constructor(addr: number, host: PeerHost) {
    this.addr = addr >>> 0
    this.host = host
  }

  get as4(): boolean {
    return this.session?.as4 ?? false
  }

  /** Start (or restart) trying: an outbound attempt soon, and accept the peer's. */
  start(delayS: number): void {
    if (this.adminDown || this.state !== 'Idle') return
    this.state = 'Connect'
    this.connectAt = Math.max(1, this.host.now() + delayS * SEC)
    this.host.kick()
  }

  /** The earliest deadline of this peer (Infinity when none). */
  nextTimer(): number {
    let t = Number.POSITIVE_INFINITY
    if ((this.state === 'Connect' || this.state === 'Active') && this.connectAt > 0 && !this.connecting)
      t = Math.min(t, this.connectAt)
    for (const c of this.conns) {
      if (c.holdAt > 0) t = Math.min(t, c.holdAt)
      if (c.keepaliveAt > 0) t = Math.min(t, c.keepaliveAt)
    }
    return t
  }

  tick(now: number): void {
    if (
      (this.state === 'Connect' || this.state === 'Active') &&
      this.connectAt > 0 &&
      now >= this.connectAt &&
      !this.connecting
    )
      this.attempt()
    for (const c of [...this.conns]) {
      if (c.holdAt > 0 && now >= c.holdAt) {
        this.fail(c, ERR_HOLD, 0, 'Hold Timer Expired')
        continue
      }
      if (c.keepaliveAt > 0 && now >= c.keepaliveAt && c.state !== 'OpenSent') {
        this.sendMsg(c, buildKeepalive(), 'keepalive')
        c.keepaliveAt = now + c.keepalive * SEC
      }
    }
  }

  private attempt(): void {
    this.connecting = true
    this.connectAt = 0
    this.host.connect(this).then(
      (fd) => {
        this.connecting = false
        if (this.adminDown || this.session !== null || this.conns.some((c) => c.outbound)) {
          fd.close()
          return
        }
        this.attach(fd, true)
      },
      () => {
        this.connecting = false
        // §8.2.2 Connect: a failed connection moves to Active, listening, with ConnectRetry running.
        if (this.state === 'Connect' || this.state === 'Active') {
          if (this.conns.length === 0) this.state = 'Active'
          this.connectAt = this.host.now() + this.connectRetryS * SEC
        }
        this.host.kick()
      },
    )
  }

  /** A connection (ours once connected, or the peer's accepted): send OPEN and read. */
  attach(fd: SocketFd, outbound: boolean): void {
    const c = new Conn(fd, outbound)
    this.conns.push(c)
    c.holdAt = this.host.now() + OPEN_HOLD_S * SEC
    if (this.state === 'Idle' || this.state === 'Connect' || this.state === 'Active') this.state = 'OpenSent'
    this.sendMsg(c, buildOpen(this.host.localAs(), this.holdCfg, this.host.routerId()), 'open')
    void this.read(c)
    this.host.kick()
  }

  private async read(c: Conn): Promise<void> {
    for (;;) {
      let data: Uint8Array
      try {
        data = await c.fd.recv(65536)
      } catch {
        data = new Uint8Array(0)
      }
      if (c.closed) return
      if (data.length === 0) {
        this.drop(c, 'Connection closed by peer')
        return
      }
      this.lastRead = this.host.now()
      if (!c.framer.push(data)) {
        this.drop(c, 'receive buffer overrun')
        return
      }
      for (let m = c.framer.next(); m !== null && !c.closed; m = c.framer.next()) {
        if (!(m instanceof Uint8Array)) {
          this.malformedMsg(c, m)
          return
        }
        const r = parseMessage(m, c.as4)
        if (!r.ok) {
          this.malformedMsg(c, r.err)
          return
        }
        this.input(c, r.msg)
      }
      if (c.closed) return
    }
  }

  private malformedMsg(c: Conn, e: BgpError): void {
    this.malformed++
    this.host.malformed(this, e)
    this.fail(c, e.code, e.subcode, `Malformed message: ${e.why}`, e.data)
  }

  private input(c: Conn, m: BgpMsg): void {
    const now = this.host.now()
    switch (m.type) {
      case 'open':
        this.rx.open++
        this.onOpen(c, m)
        return
      case 'keepalive':
        this.rx.keepalive++
        if (c.state === 'OpenSent') {
          this.fail(c, ERR_FSM, 1, 'KEEPALIVE in OpenSent')
          return
        }
        if (c.hold > 0) c.holdAt = now + c.hold * SEC
        if (c.state === 'OpenConfirm') this.up(c)
        return
      case 'notification':
        this.rx.notification++
        this.drop(c, `NOTIFICATION received (${m.code}/${m.subcode})`)
        return
      case 'update':
      case 'refresh':
        if (m.type === 'update') this.rx.update++
        else this.rx.refresh++
        if (c.state !== 'Established') {
          this.fail(c, ERR_FSM, c.state === 'OpenSent' ? 1 : 2, `${m.type} before Established`)
          return
        }
        if (c.hold > 0) c.holdAt = now + c.hold * SEC
        this.host.message(this, m)
        return
    }
  }

  private onOpen(c: Conn, m: OpenMsg): void {
    if (c.state !== 'OpenSent') {
      this.fail(c, ERR_FSM, c.state === 'OpenConfirm' ? 2 : 3, 'OPEN again')
      return
    }
    const theirAs = m.as4 ?? m.myAs
    const localAs = this.host.localAs()
    const want = this.remoteAsSpec
    const asOk =
      want === 'internal' ? theirAs === localAs : want === 'external' ? theirAs !== localAs : theirAs === want
    if (!asOk) {
      this.fail(c, ERR_OPEN, OPEN_BAD_AS, `Bad peer AS ${theirAs}`, asBytes(m.myAs))
      return
    }
    if (m.id >>> 0 === this.host.routerId() >>> 0) {
      this.fail(c, ERR_OPEN, OPEN_BAD_ID, 'Bad BGP identifier (ours)', idBytes(m.id))
      return
    }
    this.remoteAs = theirAs
    this.ibgp = theirAs === localAs
    // §6.8: a collision with a connection whose OPEN has arrived is resolved by identifier.
    const other = this.conns.find((o) => o !== c && !o.closed && o.open !== null)
    if (other !== undefined) {
      if (other.state === 'Established') {
        this.fail(c, ERR_CEASE, CEASE_COLLISION, 'Connection collision')
        return
      }
      const localWins = this.host.routerId() >>> 0 > m.id >>> 0
      // The survivor is the connection the higher identifier opened.
      const loser = other.outbound === localWins ? c : other
      this.fail(loser, ERR_CEASE, CEASE_COLLISION, 'Connection collision')
      if (loser === c) return
    }
    c.open = m
    c.as4 = m.as4 !== null
    this.remoteId = m.id >>> 0
    // §4.2: the smaller hold time; keepalive a third of it, or ours if smaller.
    c.hold = Math.min(this.holdCfg, m.hold)
    c.keepalive = c.hold === 0 ? 0 : Math.min(this.keepaliveCfg, Math.floor(c.hold / 3))
    c.state = 'OpenConfirm'
    this.state = 'OpenConfirm'
    this.sendMsg(c, buildKeepalive(), 'keepalive')
    const now = this.host.now()
    c.holdAt = c.hold > 0 ? now + c.hold * SEC : 0
    c.keepaliveAt = c.keepalive > 0 ? now + c.keepalive * SEC : 0
    this.host.kick()
  }

  private up(c: Conn): void {
    c.state = 'Established'
    this.state = 'Established'
    this.session = c
    this.upSince = this.host.now()
    this.established++
    this.connectAt = 0
    for (const o of this.conns) if (o !== c) this.fail(o, ERR_CEASE, CEASE_COLLISION, 'Connection collision')
    this.conns = [c]
    this.host.established(this)
    this.host.kick()
  }

  sendMsg(c: Conn, b: Uint8Array, kind: keyof Peer['txc']): void {
    if (c.send(b, () => this.drop(c, 'send failed'))) {
      this.txc[kind]++
      this.lastWrite = this.host.now()
    }
  }

  /** Send on the established session (UPDATEs). */
  sendUpdate(b: Uint8Array): void {
    if (this.session !== null) this.sendMsg(this.session, b, 'update')
  }

  /** NOTIFICATION, then the connection closes (§6). */
  fail(c: Conn, code: number, subcode: number, why: string, data?: Uint8Array): void {
    if (c.closed) return
    this.sendMsg(c, buildNotification(code, subcode, data), 'notification')
    this.drop(c, why)
  }

  /** A connection is gone; when it carried the session, the peer goes down and starts again. */
  drop(c: Conn, why: string): void {
    if (!c.closed) c.close()
    this.conns = this.conns.filter((o) => o !== c)
    const wasUp = this.session === c
    if (wasUp) {
      this.session = null
      this.dropped++
      this.downSince = this.host.now()
      this.lastReset = why
      this.adjOut.clear()
      this.pfxSnt = 0
      this.host.down(this)
    } else if (this.lastReset === 'never' || this.conns.length === 0) this.lastReset = why
    if (this.conns.length === 0 && this.session === null) {
      // §8.2.2: back to Idle; FRR starts again after a short idle hold.
      this.state = 'Idle'
      if (!this.adminDown) this.start(wasUp ? 1 : this.connectRetryS)
    } else if (this.session === null) {
      this.state = this.conns.some((o) => o.state === 'OpenConfirm') ? 'OpenConfirm' : 'OpenSent'
    }
    this.host.kick()
  }

  /** Stop everything (shutdown, unconfigured, max-prefix): NOTIFICATION Cease with `subcode`. */
  stop(subcode: number, why: string, hold: boolean): void {
    this.adminDown = hold
    for (const c of [...this.conns]) this.fail(c, ERR_CEASE, subcode, why)
    this.state = 'Idle'
    this.connectAt = 0
    if (!hold) this.start(1)
  }

  /** The process is killed: every connection closes at once. */
  abort(): void {
    this.adminDown = true
    for (const c of this.conns) c.abort()
    this.conns = []
    this.session = null
    this.state = 'Idle'
  }

  /** `clear ip bgp`: drop and start again (also out of max-prefix hold). */
  reset(subcode: number): void {
    this.overflow = false
    this.adminDown = false
    this.stop(subcode, 'Admin. reset', false)
  }
}

function asBytes(as: number): Uint8Array {
  return Uint8Array.of(as >>> 8, as & 0xff)
}

function idBytes(id: number): Uint8Array {
  return Uint8Array.of(id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff)
}

export { BGP_PORT }
