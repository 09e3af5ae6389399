/**
 * TCP's per-vnet module: creation and teardown of V_tcbinfo and the net.inet.tcp.* sysctls, with
 * FreeBSD's names, defaults (times in ms) and bounds. Knobs FreeBSD has but this stack does not act
 * on yet (Accurate ECN) exist so scripts that set them run.
 */

import { SS } from '../../../kern/socket.js'
import { SysError } from '../../../util/errno.js'
import { intKnob, type SysctlDecl } from '../../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../net/vnet.js'
import { ccAvailableText } from './cc/cc_list.js'
import { hostcacheSysctls } from './pmtu/tcp_hostcache.js'
import { maxtcptw, setMaxtcptw, twDestroy } from './tcp_timewait.js'
import { TcpVnet } from './tcp_var.js'
import { tcpSetUdpTunnelingPort } from './udp_tun/tcp_over_udp.js'

type Field = { [K in keyof TcpVnet]: TcpVnet[K] extends number ? K : never }[keyof TcpVnet]

const tcpOf = (v: Vnet): TcpVnet => vstate(v, tcpModule)

function knob(
  name: string,
  descr: string,
  field: Field,
  min: number,
  max: number,
  readonly = false,
): SysctlDecl {
  return intKnob(`net.inet.tcp.${name}`, descr, tcpOf, field, { min, max, readonly })
}

const INT_MAX = 0x7fffffff

/** A 0/1 switch among the congestion-control tunables (FreeBSD's VNET ints, read as 0 or 1 here). */
function ccSwitch(
  name: string,
  descr: string,
  field: 'abe' | 'abeFrlossreduce' | 'doRfc3390' | 'doRfc3465',
): SysctlDecl {
  return {
    name,
    descr,
    kind: 'int',
    scope: 'vnet',
    min: 0,
    get: (v) => (tcpOf(v).cc.tunables[field] ? 1 : 0),
    set: (v, value) => {
      tcpOf(v).cc.tunables[field] = value !== 0
    },
  }
}

/**
 * net.inet.tcp.cc.newreno.beta and beta_ecn (newreno_beta_handler): 1 to 100 (EINVAL otherwise);
 * beta_ecn only while net.inet.tcp.cc.abe is on (EACCES otherwise).
 */
function newrenoBeta(name: 'beta' | 'beta_ecn'): SysctlDecl {
  const field = name === 'beta' ? 'newrenoBeta' : 'newrenoBetaEcn'
  return {
    name: `net.inet.tcp.cc.newreno.${name}`,
    descr: `New Reno beta${name === 'beta' ? '' : ' ecn'}, specified as number between 1 and 100`,
    kind: 'int',
    ctype: 'uint',
    scope: 'vnet',
    get: (v) => tcpOf(v).cc.tunables[field],
    set: (v, value) => {
      const t = tcpOf(v).cc.tunables
      const n = value as number
      if (name === 'beta_ecn' && !t.abe) throw new SysError('EACCES', 'sysctl')
      if (n === 0 || n > 100) throw new SysError('EINVAL', 'sysctl')
      t[field] = n
    },
  }
}

export const tcpModule: VnetModule<TcpVnet> = {
  name: 'tcp',
  slot: Slot.TCP,
  create: (v) => new TcpVnet(v),
  // The stack is going away under its sockets: they read end of file, cannot send, and stop their timers.
  destroy: (s) => {
    twDestroy(s)
    for (const p of s.pcbs.all()) {
      const so = p.so
      so.state |= SS.CANTRCVMORE | SS.CANTSENDMORE
      so.state &= ~(SS.ISCONNECTED | SS.ISCONNECTING)
      so.setError(new SysError('ENETDOWN', 'recvfrom'))
      const tp = p.ppcb as { timer: { cancel(): void } | null } | null
      tp?.timer?.cancel()
    }
    s.syncache?.destroy()
  },
  sysctls: [
    knob('mssdflt', 'Default TCP Maximum Segment Size', 'mssdflt', 88, 65535),
    knob('v6mssdflt', 'Default TCP Maximum Segment Size for IPv6', 'v6mssdflt', 88, 65535),
    knob('minmss', 'Minimum TCP Maximum Segment Size', 'minmss', 0, 65535),
    knob('sendspace', 'Initial send socket buffer size', 'sendspace', 1, INT_MAX),
    knob('recvspace', 'Initial receive socket buffer size', 'recvspace', 1, INT_MAX),
    knob('rfc1323', 'Enable rfc1323 (high performance TCP) extensions', 'rfc1323', 0, 3),
    knob('sack.enable', 'Enable/Disable TCP SACK support', 'sackEnable', 0, 1),
    knob('do_prr', 'Enable Proportional Rate Reduction per RFC 6937', 'doPrr', 0, 1),
    knob(
      'reass.maxqueuelen',
      'Maximum number of TCP Segments per Reassembly Queue',
      'reassMaxqueuelen',
      0,
      INT_MAX,
    ),
    knob('delayed_ack', 'Delay ACK to try and piggyback it onto a data packet', 'delayedAck', 0, 1),
    knob('delacktime', 'Time before a delayed ACK is sent', 'delacktime', 1, INT_MAX),
    knob('msl', 'Maximum segment lifetime', 'msl', 1, INT_MAX),
    knob('keepinit', 'time to establish connection', 'keepinit', 1, INT_MAX),
    knob('keepidle', 'time before keepalive probes begin', 'keepidle', 1, INT_MAX),
    knob('keepintvl', 'time between keepalive probes', 'keepintvl', 1, INT_MAX),
    knob('keepcnt', 'Number of keepalive probes to send', 'keepcnt', 1, INT_MAX),
    knob('always_keepalive', 'Assume SO_KEEPALIVE on all TCP connections', 'alwaysKeepalive', 0, 1),
    knob('maxpersistidle', 'Maximum persist interval', 'maxpersistidle', 1, INT_MAX),
    knob('finwait2_timeout', 'FIN-WAIT2 timeout', 'finwait2Timeout', 0, INT_MAX),
    knob(
      'fast_finwait2_recycle',
      'Recycle closed FIN_WAIT_2 connections faster',
      'fastFinwait2Recycle',
      0,
      1,
    ),
    knob('blackhole', 'Do not send RST on segments to closed ports', 'blackhole', 0, 2),
    knob(
      'insecure_rst',
      'Follow RFC793 instead of RFC5961 criteria for accepting RST packets',
      'insecureRst',
      0,
      1,
    ),
    knob(
      'insecure_syn',
      'Follow RFC793 instead of RFC5961 criteria for accepting SYN packets',
      'insecureSyn',
      0,
      1,
    ),
    knob('drop_synfin', 'Drop TCP packets with SYN+FIN set', 'dropSynfin', 0, 1),
    knob('rexmit_initial', 'Initial Retransmission Timeout', 'rexmitInitial', 1, INT_MAX),
    knob('rexmit_min', 'Minimum Retransmission Timeout', 'rexmitMin', 1, INT_MAX),
    knob('rexmit_slop', 'Retransmission Timer Slop', 'rexmitSlop', 0, INT_MAX),
    knob(
      'rexmit_drop_options',
      'Drop TCP options from 3rd and later retransmitted SYN',
      'rexmitDropOptions',
      0,
      1,
    ),
    knob('retries', 'maximum number of consecutive timer based retransmissions', 'retries', 1, 12),
    knob('ecn.enable', 'TCP ECN support', 'ecnEnable', 0, 4),
    knob('ecn.maxretries', 'Max retries before giving up on ECN', 'ecnMaxretries', 0, INT_MAX),
    knob(
      'ack_war_timewindow',
      'Time interval in ms used to limit the number (ack_war_cnt) of challenge ACKs sent per TCP connection',
      'ackWarTimewindow',
      0,
      INT_MAX,
    ),
    knob(
      'ack_war_cnt',
      'Maximum number of challenge ACKs sent per TCP connection during the time interval (ack_war_timewindow)',
      'ackWarCnt',
      0,
      INT_MAX,
    ),
    knob('path_mtu_discovery', 'Enable Path MTU Discovery', 'pathMtuDiscovery', 0, 1),
    knob('tolerate_missing_ts', 'Tolerate missing TCP timestamps', 'tolerateMissingTs', 0, 1),
    knob('syncookies', 'Use TCP SYN cookies if the syncache overflows', 'syncookies', 0, 1),
    knob('syncookies_only', 'Use only TCP SYN cookies', 'syncookiesOnly', 0, 1),
    ...hostcacheSysctls((v) => tcpOf(v).hostcache),
    knob(
      'icmp_may_rst',
      'Certain ICMP unreachable messages may abort connections in SYN_SENT',
      'icmpMayRst',
      0,
      1,
    ),
    knob(
      'nolocaltimewait',
      'Do not create TCP TIME_WAIT state for local connections',
      'nolocaltimewait',
      0,
      1,
    ),
    {
      name: 'net.inet.tcp.udp_tunneling_port',
      descr: 'Tunneling port for tcp over udp',
      kind: 'int',
      ctype: 'uint',
      scope: 'vnet',
      min: 0,
      max: 65535,
      get: (v) => tcpOf(v).udpTunnelingPort,
      // The tunnel's kernel sockets follow the port (EADDRINUSE leaves it 0).
      set: (v, value) => tcpSetUdpTunnelingPort(v, value as number),
    },
    knob('udp_tunneling_overhead', 'MSS reduction when using tcp over udp', 'udpTunnelingOverhead', 8, 1024),
    knob('sendbuf_auto', 'Enable automatic send buffer sizing', 'sendbufAuto', 0, 1),
    knob('recvbuf_auto', 'Enable automatic receive buffer sizing', 'recvbufAuto', 0, 1),
    knob('sendbuf_max', 'Max size of automatic send buffer', 'sendbufMax', 1, INT_MAX),
    knob('recvbuf_max', 'Max size of automatic receive buffer', 'recvbufMax', 1, INT_MAX),
    knob('sendbuf_inc', 'Incrementor step size of automatic send buffer', 'sendbufInc', 1, INT_MAX),
    knob(
      'ts_offset_per_conn',
      'Initialize TCP timestamps per connection instead of per host pair',
      'tsOffsetPerConn',
      0,
      1,
    ),
    // A host-wide oid in FreeBSD 13 bounding per-vnet zones (V_tcptw_zone); per vnet here, as the
    // endpoints it is a share of are.
    {
      name: 'net.inet.tcp.maxtcptw',
      descr: 'Maximum number of compressed TCP TIME_WAIT entries',
      kind: 'int',
      ctype: 'uint',
      scope: 'vnet',
      get: (v) => maxtcptw(tcpOf(v)),
      set: (v, value) => setMaxtcptw(tcpOf(v), value as number),
    },
    knob('syncache.hashsize', 'Size of TCP syncache hashtable', 'scHashsize', 0, INT_MAX, true),
    knob('syncache.bucketlimit', 'Per-bucket hash limit for syncache', 'scBucketlimit', 0, INT_MAX, true),
    knob('syncache.cachelimit', 'Overall entry limit for syncache', 'scCachelimit', 0, INT_MAX, true),
    // Above TCP_MAXRXTSHIFT (12) is EINVAL, as FreeBSD's handler answers.
    knob('syncache.rexmtlimit', 'Limit on SYN/ACK retransmissions', 'scRexmtlimit', 0, 12),
    knob(
      'syncache.rst_on_sock_fail',
      'Send reset on socket allocation failure',
      'scRstOnSockFail',
      0,
      INT_MAX,
    ),
    knob(
      'syncache.see_other',
      'All syncache(4) entries are visible, ignoring UID/GID, jail(2) and mac(4) checks',
      'scSeeOther',
      0,
      1,
    ),
    {
      name: 'net.inet.tcp.syncache.count',
      descr: 'Current number of entries in syncache',
      kind: 'int',
      scope: 'vnet',
      get: (v) => tcpOf(v).syncache?.count ?? 0,
    },
    intKnob(
      'net.inet.tcp.initcwnd_segments',
      'Slow-start flight size (initial congestion window) in number of segments',
      (v) => tcpOf(v).cc.tunables,
      'initcwndSegments',
      { min: 0, max: 65535 },
    ),
    intKnob(
      'net.inet.tcp.abc_l_var',
      'Cap the max cwnd increment during slow-start to this number of segments',
      (v) => tcpOf(v).cc.tunables,
      'abcLVar',
      { min: 1, max: 65535 },
    ),
    ccSwitch(
      'net.inet.tcp.rfc3390',
      "Enable RFC 3390 (Increasing TCP's Initial Congestion Window)",
      'doRfc3390',
    ),
    ccSwitch('net.inet.tcp.rfc3465', 'Enable RFC 3465 (Appropriate Byte Counting)', 'doRfc3465'),
    ccSwitch(
      'net.inet.tcp.cc.abe',
      'Enable draft-ietf-tcpm-alternativebackoff-ecn (TCP Alternative Backoff with ECN)',
      'abe',
    ),
    ccSwitch(
      'net.inet.tcp.cc.abe_frlossreduce',
      'Apply standard beta instead of ABE-beta during ECN-signalled congestion recovery episodes if loss also needs to be repaired',
      'abeFrlossreduce',
    ),
    newrenoBeta('beta'),
    newrenoBeta('beta_ecn'),
    {
      name: 'net.inet.tcp.cc.algorithm',
      descr: 'Default congestion control algorithm',
      kind: 'string',
      scope: 'vnet',
      get: (v) => tcpOf(v).cc.algorithm.name,
      set: (v, name) => {
        // An unknown module is ESRCH, as FreeBSD's cc_default_algo handler answers.
        if (!tcpOf(v).cc.setAlgorithm(String(name))) throw new SysError('ESRCH', 'sysctl')
      },
    },
    {
      name: 'net.inet.tcp.cc.available',
      descr: 'List available congestion control algorithms',
      kind: 'string',
      scope: 'vnet',
      get: (v) => {
        const tv = tcpOf(v)
        const count = (a: unknown): number =>
          tv.pcbs.all().filter((p) => (p.ppcb as { cc?: unknown } | null)?.cc === a).length
        return ccAvailableText(tv.cc.algorithm, count)
      },
    },
  ],
}
