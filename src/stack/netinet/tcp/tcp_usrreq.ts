/**
 * TCP's user requests (FreeBSD's tcp_usrreq.c): attach, bind, listen, connect (the active open),
 * send, shutdown (tcp_usrclosed), close (tcp_disconnect: FIN, or RST under SO_LINGER 0), abort,
 * the IPPROTO_TCP socket options (TCP_NODELAY, TCP_MAXSEG, TCP_NOPUSH, TCP_NOOPT, TCP_KEEP*), and
 * the tcp_info view. New connections of a listener are made here too (sonewconn + tcp_newtcpcb).
 *
 * User requests throw SysError having changed nothing; tcpNewConn (the input path) never throws.
 */

import { type ProtoUsrreqs, SO, type Socket, SS } from '../../../kern/socket.js'
import {
  StreamSocket,
  soabortQueued,
  socantsendmore,
  soisconnecting,
  soisdisconnected,
  soisdisconnecting,
} from '../../../kern/socket_stream.js'
import { SysError } from '../../../util/errno.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import {
  in6IsLinkLocal,
  in6IsMulticast,
  in6IsUnspecified,
  in6IsV4Mapped,
  in6Loopback,
} from '../../../wire/inet6/in6_addr.js'
import type { Vnet } from '../../net/vnet.js'
import { prisonRemoteIp6 } from '../../netinet6/in6_jail.js'
import {
  in6PcbBind,
  in6PcbConnect,
  in6PcbInit,
  in6PcbLookup,
  in6PcbSetConn,
  in6SetV4Mapped,
  in6Sockaddr,
  in6V4,
  sockIn6,
} from '../../netinet6/in6_pcb.js'
import { in6SelectSrcFor } from '../../netinet6/in6_src.js'
import { ip6 } from '../../netinet6/ip6/ip6.js'
import { bindRights, INADDR_ANY, INP, Inpcb, jailRemoteAddr, type PcbJail } from '../in_pcb.js'
import { sourceFor } from '../ip/ip_output.js'
import { wscaleFor } from './tcp_input.js'
import { tcpOutput } from './tcp_output.js'
import { tcpClose, tcpDrop, tcpMssopt, tcpNewTcpcb, tcpStateChange } from './tcp_subr.js'
import { twDetach } from './tcp_timewait.js'
import { intotcpcb, intotw, TCPS, type Tcpcb, TF, TF2, TT, tcp, tcpIfAny } from './tcp_var.js'
import { ticksFromNs } from './timer/tcp_rtt.js'
import { keepInit, tcpTimerActivate } from './timer/tcp_timer.js'

/** netinet/tcp.h option names. */
export const TCPOPT = {
  NODELAY: 1,
  MAXSEG: 2,
  NOPUSH: 4,
  NOOPT: 8,
  KEEPINIT: 128,
  KEEPIDLE: 256,
  KEEPINTVL: 512,
  KEEPCNT: 1024,
  INFO: 32,
  MD5SIG: 16,
  REMOTE_UDP_ENCAPS_PORT: 71,
} as const

const MS = 1e6

function inpOf(so: Socket): Inpcb {
  const inp = so.pcb as Inpcb | null
  if (inp === null) throw new SysError('EINVAL', 'socket')
  return inp
}

/** The tcpcb of a socket whose connection still exists, or null (it was closed or dropped). */
export function sototcpcb(so: Socket): Tcpcb | null {
  const inp = so.pcb as Inpcb | null
  return inp === null ? null : intotcpcb(inp)
}

/** The source address for a connection to dst (in_pcbladdr): the route's, or the jail's own. */
function sourceAddr(inp: Inpcb, dst: number): number {
  if (inp.laddr !== INADDR_ANY) return inp.laddr
  const rt = inp.vnet.rt(inp.so.fibnum).lookup(dst)
  const src = rt === null ? INADDR_ANY : sourceFor(rt)
  const jail = inp.jail
  if (jail === null || jail.ip4.includes(src)) return src
  return jail.ip4[0] ?? INADDR_ANY
}

/**
 * tcp_usrclosed: our side has nothing more to send. Before the handshake completes the connection
 * just ends; otherwise the FIN is due (SYN_RECEIVED remembers it for later).
 */
function usrclosed(tp: Tcpcb): boolean {
  switch (tp.state) {
    case TCPS.CLOSED:
    case TCPS.LISTEN:
    case TCPS.SYN_SENT:
      tcpClose(tp)
      return false
    case TCPS.SYN_RECEIVED:
      tp.flags |= TF.NEEDFIN
      break
    case TCPS.ESTABLISHED:
      tcpStateChange(tp, TCPS.FIN_WAIT_1)
      break
    case TCPS.CLOSE_WAIT:
      tcpStateChange(tp, TCPS.LAST_ACK)
      break
  }
  if (tp.state >= TCPS.FIN_WAIT_2) {
    soisdisconnected(tp.so)
    if (tp.state === TCPS.FIN_WAIT_2) tcpTimerActivate(tp, TT.TWOMSL, tp.tv.finwait2Timeout * MS)
  }
  return true
}

export const tcpUsrreqs: ProtoUsrreqs = {
  bind(so, sa) {
    const inp = inpOf(so)
    if (inp.laddr6 !== null)
      in6PcbBind(tcp(inp.vnet).pcbs, inp, sockIn6(inp, sa, 'bind'), sa.scopeId ?? 0, sa.port)
    else tcp(inp.vnet).pcbs.bind(inp, sa.addr >>> 0, sa.port)
  },

  listen(so, _backlog) {
    const inp = inpOf(so)
    const tp = intotcpcb(inp)
    if (tp === null || (tp.state !== TCPS.CLOSED && tp.state !== TCPS.LISTEN))
      throw new SysError('EINVAL', 'listen')
    if (inp.lport === 0) {
      if (inp.laddr6 !== null) in6PcbBind(tcp(inp.vnet).pcbs, inp, inp.laddr6, 0, 0)
      else tcp(inp.vnet).pcbs.bind(inp, INADDR_ANY, 0)
    }
    if (tp.state === TCPS.CLOSED) tcpStateChange(tp, TCPS.LISTEN)
  },

  connect(so, sa) {
    const inp = inpOf(so)
    const tp = intotcpcb(inp)
    if (tp === null || tp.state !== TCPS.CLOSED) throw new SysError('EINVAL', 'connect')
    const v = inp.vnet
    const tv = tcp(v)
    if (inp.laddr6 !== null) {
      const fa = sockIn6(inp, sa, 'connect')
      if (!in6IsV4Mapped(fa, 0)) {
        tcp6Connect(tp, fa, sa.scopeId ?? 0, sa.port)
        return
      }
      // tcp6_usr_connect: a v4-mapped peer makes this an IPv4 connection (not under V6ONLY).
      if (inp.v6only) throw new SysError('EINVAL', 'connect')
      sa = { addr: in6V4(fa), port: sa.port }
      inp.vflag = INP.IPV6PROTO | INP.IPV4
    }
    let faddr = jailRemoteAddr(inp.jail, sa.addr >>> 0)
    // in_pcbconnect_setup: the wildcard means this host.
    if (faddr === INADDR_ANY) faddr = inp.jail?.ip4[0] ?? 0x7f000001
    if (sa.port === 0) throw new SysError('EADDRNOTAVAIL', 'connect')
    if (v.isBroadcast(faddr) || faddr >>> 28 === 14) throw new SysError('EADDRNOTAVAIL', 'connect')
    if (v.rt(inp.so.fibnum).lookup(faddr) === null) throw new SysError('ENETUNREACH', 'connect')
    const src = sourceAddr(inp, faddr)
    if (inp.lport !== 0) {
      const other = tv.pcbs.lookup(faddr, sa.port, src, inp.lport)
      if (other !== null && other !== inp && other.faddr === faddr)
        throw new SysError('EADDRINUSE', 'connect')
    }
    tv.pcbs.connect(inp, faddr, sa.port, src)
    if (inp.laddr6 !== null) {
      in6SetV4Mapped(inp.laddr6, 0, inp.laddr)
      in6SetV4Mapped(inp.faddr6!, 0, inp.faddr)
    }
    startConnect(tp)
  },

  disconnect() {
    throw new SysError('EAFNOSUPPORT', 'connect')
  },

  send(so, data, _to, _flags) {
    const tp = sototcpcb(so)
    if (tp === null) throw new SysError('EPIPE', 'write')
    ;(so as StreamSocket).sbsnd.append(data, 0, data.length)
    if (tp.state >= TCPS.ESTABLISHED || tp.state === TCPS.SYN_RECEIVED) tcpOutput(tp)
  },

  shutdown(so) {
    const tp = sototcpcb(so)
    socantsendmore(so as StreamSocket)
    if (tp === null) return
    if (usrclosed(tp)) tcpOutput(tp)
  },

  rcvd(so) {
    const tp = sototcpcb(so)
    if (tp !== null && tp.state >= TCPS.ESTABLISHED) tcpOutput(tp)
  },

  abort(so) {
    const tp = sototcpcb(so)
    if (tp !== null && tp.state !== TCPS.CLOSED) tcpDrop(tp, 'ECONNABORTED')
  },

  detach(so) {
    const tp = sototcpcb(so)
    const sso = so as StreamSocket
    if (tp === null) {
      const inp = so.pcb as Inpcb | null
      if (inp !== null) tcp(inp.vnet).pcbs.detach(inp)
      so.pcb = null
      return
    }
    tp.flags |= TF.NOFDREF
    if (tp.state === TCPS.LISTEN) {
      soabortQueued(sso)
      tcpClose(tp)
      return
    }
    if (tp.state < TCPS.ESTABLISHED) {
      tcpClose(tp)
      return
    }
    // SO_LINGER with a zero timeout: abort with an RST instead of the orderly FIN.
    if ((so.options & SO.LINGER) !== 0 && so.linger === 0) {
      tcpDrop(tp, 'ECONNRESET')
      return
    }
    soisdisconnecting(sso)
    sso.sbrcv.flush()
    if (usrclosed(tp)) tcpOutput(tp)
    // Already in TIME_WAIT (after shutdown): nothing needs the socket or the tcpcb any more.
    if (tp.state === TCPS.TIME_WAIT && tp.inp.ppcb === tp) twDetach(tp)
  },

  sockaddr(so) {
    const inp = inpOf(so)
    if (inp.laddr6 !== null) return in6Sockaddr(inp, inp.laddr6, inp.laddr, inp.lport)
    return { addr: inp.laddr, port: inp.lport }
  },

  peeraddr(so) {
    const inp = so.pcb as Inpcb | null
    if (inp === null || inp.faddr === INADDR_ANY || (so.state & (SS.ISCONNECTED | SS.ISCONNECTING)) === 0)
      throw new SysError('ENOTCONN', 'getpeername')
    if (inp.faddr6 !== null) return in6Sockaddr(inp, inp.faddr6, inp.faddr, inp.fport)
    return { addr: inp.faddr, port: inp.fport }
  },
}

/** The rest of tcp_connect once the endpoint has its addresses: ISN, SYN_SENT, the SYN. */
function startConnect(tp: Tcpcb): void {
  const inp = tp.inp
  const v = inp.vnet
  const tv = tp.tv
  const now = v.env.clock.runNow()
  tp.iss = tv.isn.newIsn(inp.faddr, inp.fport, inp.laddr, inp.lport, ticksFromNs(now))
  tp.snd_una = tp.snd_nxt = tp.snd_max = tp.snd_up = tp.snd_recover = tp.iss
  tp.ts_offset = tv.tsOffsetPerConn !== 0 ? tv.isn.tsOffset(inp.faddr, inp.fport, inp.laddr, inp.lport) : 0
  if ((tp.flags & TF.REQ_SCALE) !== 0) tp.request_r_scale = wscaleFor(tp.so)
  tcpStateChange(tp, TCPS.SYN_SENT)
  soisconnecting(tp.so)
  tv.stats.tcps_connattempt++
  tcpTimerActivate(tp, TT.KEEP, keepInit(tp))
  tcpOutput(tp)
}

/**
 * tcp6_connect: in6_pcbconnect with the source RFC 6724 picks toward fa (the bound address if
 * any), then the SYN. The unspecified address means this host (::1).
 */
function tcp6Connect(tp: Tcpcb, fa: Uint8Array, zone: number, fport: number): void {
  const inp = tp.inp
  const v = inp.vnet
  const tv = tp.tv
  if (fport === 0) throw new SysError('EADDRNOTAVAIL', 'connect')
  // in6_pcbladdr: ::1 of a jail is its own address; then the unspecified address means ::1.
  fa = prisonRemoteIp6(inp.jail, fa)
  if (in6IsUnspecified(fa, 0)) fa = in6Loopback()
  if (in6IsMulticast(fa, 0)) throw new SysError('EADDRNOTAVAIL', 'connect')
  if (in6IsLinkLocal(fa, 0) && zone === 0) zone = inp.zone
  if (in6IsLinkLocal(fa, 0) && zone === 0) throw new SysError('EINVAL', 'connect')
  const src = in6SelectSrcFor(v, fa, zone, inp.laddr6!, inp.jail)
  if (inp.lport !== 0) {
    const other = in6PcbLookup(tv.pcbs, fa, 0, fport, src, 0, inp.lport, false)
    if (other !== null && other !== inp) throw new SysError('EADDRINUSE', 'connect')
  }
  in6PcbConnect(tv.pcbs, inp, fa, zone, fport, src)
  startConnect(tp)
}

/** socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) in v for a process of `uid` (tcp_usr_attach). */
export function tcpSocket(
  v: Vnet,
  jail: PcbJail | null,
  uid: number,
  reservedPorts: boolean,
  inet6 = false,
): StreamSocket {
  const tv = tcp(v)
  const so = new StreamSocket(IpProto.TCP, tcpUsrreqs, v.env.clock, v.env.pool, tv.recvspace, tv.sendspace)
  so.ipc = v.env.ipc
  const inp = tv.pcbs.attach(new Inpcb(so, v, jail, uid, bindRights(reservedPorts)))
  if (inet6) in6PcbInit(inp, ip6(v).v6only !== 0)
  so.pcb = inp
  tcpNewTcpcb(inp, so, tv)
  return so
}

/**
 * sonewconn + tcp_newtcpcb for a SYN on a listener: a socket like the listener's, its endpoint
 * bound to laddr:lport and connected to faddr:fport. Null when the vnet has no room for it.
 */
export function tcpNewConn(
  head: StreamSocket,
  laddr: number,
  lport: number,
  faddr: number,
  fport: number,
  a6: { laddr6: Uint8Array | null; faddr6: Uint8Array | null; zone: number } | null = null,
): Tcpcb | null {
  const hinp = head.pcb as Inpcb | null
  const htp = hinp === null ? null : intotcpcb(hinp)
  if (hinp === null || htp === null) return null
  const v = hinp.vnet
  const tv = tcp(v)
  const so = new StreamSocket(
    IpProto.TCP,
    tcpUsrreqs,
    v.env.clock,
    v.env.pool,
    head.sbrcv.hiwat,
    head.sbsnd.hiwat,
  )
  so.ipc = head.ipc
  // sonewconn: the connection is in its listener's FIB.
  so.fibnum = head.fibnum
  const inp = new Inpcb(so, v, hinp.jail, hinp.uid, hinp.rights)
  if (tv.pcbs.count >= tv.pcbs.max) return null
  tv.pcbs.attach(inp)
  inp.ttl = hinp.ttl
  inp.tos = hinp.tos
  if (hinp.laddr6 !== null) {
    in6PcbInit(inp, hinp.v6only)
    inp.hlim = hinp.hlim
    inp.tclass = hinp.tclass
  }
  if (a6 !== null && a6.laddr6 !== null && a6.faddr6 !== null)
    in6PcbSetConn(tv.pcbs, inp, a6.laddr6, lport, a6.faddr6, fport, a6.zone)
  else {
    // An IPv4 connection; on an AF_INET6 listener it speaks IPv4 with v4-mapped names.
    if (inp.laddr6 !== null) {
      inp.vflag = INP.IPV6PROTO | INP.IPV4
      in6SetV4Mapped(inp.laddr6, 0, laddr)
      in6SetV4Mapped(inp.faddr6!, 0, faddr)
    }
    inp.laddr = laddr
    inp.lport = lport
    tv.pcbs.connect(inp, faddr, fport, laddr)
  }
  so.pcb = inp
  const tp = tcpNewTcpcb(inp, so, tv)
  tp.flags |= htp.flags & (TF.NODELAY | TF.NOPUSH | TF.NOOPT)
  if ((htp.flags & TF.NOOPT) !== 0) tp.flags &= ~(TF.REQ_SCALE | TF.REQ_TSTMP | TF.SACK_PERMIT)
  tp.keepinit = htp.keepinit
  tp.keepidle = htp.keepidle
  tp.keepintvl = htp.keepintvl
  tp.keepcnt = htp.keepcnt
  tp.userMss = htp.userMss
  tp.ts_offset = tv.tsOffsetPerConn !== 0 ? tv.isn.tsOffset(faddr, fport, laddr, lport) : 0
  if ((tp.flags & TF.REQ_SCALE) !== 0) tp.request_r_scale = wscaleFor(so)
  return tp
}

/** setsockopt(IPPROTO_TCP, ...). */
export function tcpSetopt(so: Socket, name: number, value: number): void {
  const tp = sototcpcb(so)
  if (tp === null) throw new SysError('ECONNRESET', 'setsockopt')
  const flag = (f: number): void => {
    if (value !== 0) tp.flags |= f
    else tp.flags &= ~f
  }
  switch (name) {
    case TCPOPT.NODELAY:
      flag(TF.NODELAY)
      if (value !== 0 && tp.state >= TCPS.ESTABLISHED) tcpOutput(tp)
      return
    case TCPOPT.NOPUSH: {
      const was = (tp.flags & TF.NOPUSH) !== 0
      flag(TF.NOPUSH)
      // Clearing TCP_NOPUSH sends what it held back.
      if (was && value === 0 && tp.state >= TCPS.ESTABLISHED) tcpOutput(tp)
      return
    }
    case TCPOPT.NOOPT:
      flag(TF.NOOPT)
      return
    case TCPOPT.MD5SIG:
      // tcp_default_ctloutput: only with the tcpmd5 module (TCPMD5_ENABLED).
      if (!tp.inp.vnet.env.tcpmd5.enabled) throw new SysError('ENOPROTOOPT', 'setsockopt')
      flag(TF.SIGNATURE)
      return
    case TCPOPT.MAXSEG:
      if (value <= 0 || value > 65535 || value < tp.tv.minmss) throw new SysError('EINVAL', 'setsockopt')
      tp.userMss = value
      if (tp.state >= TCPS.ESTABLISHED && value < tp.maxseg) tp.maxseg = value
      return
    case TCPOPT.KEEPINIT:
    case TCPOPT.KEEPIDLE:
    case TCPOPT.KEEPINTVL: {
      // Seconds, as tcp(4) documents; 0 or too large is EINVAL.
      if (value < 1 || value > 0x7fffffff / 1000) throw new SysError('EINVAL', 'setsockopt')
      const ms = value * 1000
      if (name === TCPOPT.KEEPINIT) {
        tp.keepinit = ms
        if (tp.state < TCPS.ESTABLISHED && tp.state > TCPS.LISTEN) tcpTimerActivate(tp, TT.KEEP, ms * MS)
      } else if (name === TCPOPT.KEEPIDLE) {
        tp.keepidle = ms
        // The idle period starts over with the new length, as FreeBSD re-arms TT_KEEP.
        if (tp.state >= TCPS.ESTABLISHED && tp.state < TCPS.TIME_WAIT) tcpTimerActivate(tp, TT.KEEP, ms * MS)
      } else tp.keepintvl = ms
      return
    }
    case TCPOPT.KEEPCNT:
      if (value < 1) throw new SysError('EINVAL', 'setsockopt')
      tp.keepcnt = value
      return
    case TCPOPT.REMOTE_UDP_ENCAPS_PORT:
      // tcp_default_ctloutput: a port (host order) in range, a tunneling port configured first
      // (net.inet.tcp.udp_tunneling_port), and only before the connection starts.
      if (value < 0 || value > 65535) throw new SysError('EINVAL', 'setsockopt')
      if (tp.tv.udpTunnelingPort === 0 && value !== 0) throw new SysError('EINVAL', 'setsockopt')
      if (tp.state !== TCPS.CLOSED) throw new SysError('EINVAL', 'setsockopt')
      tp.t_port = value
      return
    default:
      throw new SysError('ENOPROTOOPT', 'setsockopt')
  }
}

/** getsockopt(IPPROTO_TCP, ...). */
export function tcpGetopt(so: Socket, name: number): number {
  const tp = sototcpcb(so)
  if (tp === null) throw new SysError('ECONNRESET', 'getsockopt')
  switch (name) {
    case TCPOPT.NODELAY:
      return (tp.flags & TF.NODELAY) !== 0 ? 1 : 0
    case TCPOPT.NOPUSH:
      return (tp.flags & TF.NOPUSH) !== 0 ? 1 : 0
    case TCPOPT.NOOPT:
      return (tp.flags & TF.NOOPT) !== 0 ? 1 : 0
    case TCPOPT.MAXSEG:
      return tp.state >= TCPS.ESTABLISHED ? tp.maxseg : tp.userMss !== 0 ? tp.userMss : tcpMssopt(tp)
    case TCPOPT.KEEPINIT:
      return (tp.keepinit || tp.tv.keepinit) / 1000
    case TCPOPT.KEEPIDLE:
      return (tp.keepidle || tp.tv.keepidle) / 1000
    case TCPOPT.KEEPINTVL:
      return (tp.keepintvl || tp.tv.keepintvl) / 1000
    case TCPOPT.KEEPCNT:
      return tp.keepcnt || tp.tv.keepcnt
    case TCPOPT.REMOTE_UDP_ENCAPS_PORT:
      return tp.t_port
    default:
      throw new SysError('ENOPROTOOPT', 'getsockopt')
  }
}

/** TCPI_OPT_* bits of tcp_info.tcpi_options. */
export const TCPI_OPT = { TIMESTAMPS: 0x01, SACK: 0x02, WSCALE: 0x04, ECN: 0x08 } as const

/** struct tcp_info (FreeBSD's names in camelCase; times in µs). */
export interface TcpInfo {
  state: number
  options: number
  sndWscale: number
  rcvWscale: number
  rto: number
  rtt: number
  rttvar: number
  sndMss: number
  rcvMss: number
  sndSsthresh: number
  sndCwnd: number
  sndWnd: number
  rcvWnd: number
  rcvSpace: number
  sndNxt: number
  rcvNxt: number
  /** Segments this connection retransmitted (tcpi_snd_rexmitpack). */
  retransmits: number
}

/** TCP_INFO for a socket (state CLOSED once the connection is gone). */
export function tcpInfo(so: Socket): TcpInfo {
  const tp = sototcpcb(so)
  if (tp === null)
    return {
      state: TCPS.CLOSED,
      options: 0,
      sndWscale: 0,
      rcvWscale: 0,
      rto: 0,
      rtt: 0,
      rttvar: 0,
      sndMss: 0,
      rcvMss: 0,
      sndSsthresh: 0,
      sndCwnd: 0,
      sndWnd: 0,
      rcvWnd: 0,
      rcvSpace: 0,
      sndNxt: 0,
      rcvNxt: 0,
      retransmits: 0,
    }
  let options = 0
  if ((tp.flags & TF.RCVD_TSTMP) !== 0 && (tp.flags & TF.REQ_TSTMP) !== 0) options |= TCPI_OPT.TIMESTAMPS
  if ((tp.flags & TF.SACK_PERMIT) !== 0 && tp.state >= TCPS.ESTABLISHED) options |= TCPI_OPT.SACK
  if ((tp.flags & TF.RCVD_SCALE) !== 0 && (tp.flags & TF.REQ_SCALE) !== 0) options |= TCPI_OPT.WSCALE
  if ((tp.flags2 & TF2.ECN_PERMIT) !== 0) options |= TCPI_OPT.ECN
  return {
    state: tp.state,
    options,
    sndWscale: tp.snd_scale,
    rcvWscale: tp.rcv_scale,
    rto: tp.rtt.rtoNs / 1000,
    rtt: tp.rtt.srttNs / 1000,
    rttvar: tp.rtt.rttvarNs / 1000,
    sndMss: tp.maxseg,
    rcvMss: tp.maxseg,
    sndSsthresh: tp.snd_ssthresh,
    sndCwnd: tp.snd_cwnd,
    sndWnd: tp.snd_wnd,
    rcvWnd: tp.rcv_wnd,
    rcvSpace: tp.so.sbrcv.space,
    sndNxt: tp.snd_nxt,
    rcvNxt: tp.rcv_nxt,
    retransmits: tp.rexmits,
  }
}

/** The vnet's TCP endpoints with their states, for netstat -a and sockstat. */
export function tcpEndpoints(v: Vnet): Array<{ inp: Inpcb; state: number; sendQ: number; recvQ: number }> {
  const tv = tcpIfAny(v)
  if (tv === undefined) return []
  const out: Array<{ inp: Inpcb; state: number; sendQ: number; recvQ: number }> = []
  for (const inp of tv.pcbs.all()) {
    if (intotw(inp) !== null) {
      out.push({ inp, state: TCPS.TIME_WAIT, sendQ: 0, recvQ: 0 })
      continue
    }
    const tp = intotcpcb(inp)
    const so = inp.so as StreamSocket
    out.push({
      inp,
      state: tp === null ? TCPS.CLOSED : tp.state,
      sendQ: so.sbsnd.cc,
      recvQ: so.sbrcv.cc,
    })
  }
  return out
}
