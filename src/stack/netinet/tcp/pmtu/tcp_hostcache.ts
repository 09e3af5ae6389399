/**
 * TCP's per-vnet host cache (FreeBSD's tcp_hostcache.c): what TCP learned about a remote host that
 * outlives one connection. Today that is the path MTU found by path MTU discovery (RFC 1191), so a
 * new connection to a host behind a narrow link starts with the right MSS. Sysctls under
 * net.inet.tcp.hostcache.* with FreeBSD's names and defaults, and `hostcache.list` in FreeBSD 14's
 * format.
 *
 * Bounded by net.inet.tcp.hostcache.cachelimit: when full, the least recently updated entry is
 * reused (FreeBSD reuses the tail of the hash bucket; one LRU over the whole cache is the same rule
 * with one bucket) and tcps_hc_bucketoverflow counts it. Entries expire `expire` seconds after their
 * last use; expiry is checked when an entry is looked up or listed, not by a periodic callout, so an
 * idle vnet keeps no timer. Must not allocate on the data path: it is touched on ICMP errors and
 * when a connection settles its MSS, never per segment.
 */

import { formatIpv4 } from '../../../../wire/addr.js'
import type { SysctlDecl } from '../../../net/sysctl.js'
import type { Vnet } from '../../../net/vnet.js'

/** TCP_HOSTCACHE_HASHSIZE, _BUCKETLIMIT, _EXPIRE (s), _PRUNE (s). */
const HASHSIZE = 512
const BUCKETLIMIT = 30
const EXPIRE_S = 3600
const PRUNE_S = 300
const SEC_NS = 1e9

/** One host's metrics (struct hc_metrics; only the MTU is filled in today). */
interface HcEntry {
  mtu: number
  /** Host-clock ns of the last lookup or update (rmx_expire restarts then). */
  touched: number
}

/** The counters the host cache moves (struct tcpstat's tcps_hc_*). */
export interface HcStats {
  tcps_hc_added: number
  tcps_hc_bucketoverflow: number
}

export class TcpHostcache {
  enable = 1
  readonly hashsize = HASHSIZE
  readonly bucketlimit = BUCKETLIMIT
  readonly cachelimit = HASHSIZE * BUCKETLIMIT
  expire = EXPIRE_S
  prune = PRUNE_S
  /** net.inet.tcp.hostcache.purge: expire every entry at the next purge (here: the next look). */
  purge = 0
  /** Keyed by the remote IPv4 address; Map order is update order (oldest first). Made on first use. */
  private entries: Map<number, HcEntry> | null = null

  get count(): number {
    this.sweepIfPurge()
    return this.entries?.size ?? 0
  }

  /** tcp_hc_getmtu: the discovered path MTU toward `faddr`, 0 when none is known. */
  getMtu(faddr: number, now: number): number {
    if (this.enable === 0 || this.entries === null) return 0
    this.sweepIfPurge()
    const e = this.entries.get(faddr)
    if (e === undefined) return 0
    if (this.expired(e, now)) {
      this.entries.delete(faddr)
      return 0
    }
    e.touched = now
    return e.mtu
  }

  /** tcp_hc_updatemtu: remember `mtu` toward `faddr`, making an entry if there is none. */
  updateMtu(faddr: number, mtu: number, now: number, st: HcStats): void {
    if (this.enable === 0) return
    this.sweepIfPurge()
    const m = this.entries ?? new Map<number, HcEntry>()
    this.entries = m
    let e = m.get(faddr)
    if (e !== undefined) m.delete(faddr)
    else {
      if (m.size >= this.cachelimit) {
        const oldest = m.keys().next()
        if (!oldest.done) m.delete(oldest.value)
        st.tcps_hc_bucketoverflow++
      }
      e = { mtu: 0, touched: now }
      st.tcps_hc_added++
    }
    e.mtu = mtu
    e.touched = now
    // Re-inserted so the Map's order stays least-recently-updated first.
    m.set(faddr, e)
  }

  /** net.inet.tcp.hostcache.purgenow: drop every entry now. */
  purgeAll(): void {
    this.entries?.clear()
    this.purge = 0
  }

  /** sysctl_tcp_hc_list: FreeBSD 14's table (without TCP_HC_COUNTERS), expired entries left out. */
  list(now: number): string {
    let s = '\nIP address        MTU  SSTRESH      RTT   RTTVAR     CWND SENDPIPE RECVPIPE EXP\n'
    this.sweepIfPurge()
    if (this.entries === null) return s
    for (const [addr, e] of this.entries) {
      if (this.expired(e, now)) continue
      const left = this.expire - Math.floor((now - e.touched) / SEC_NS)
      s += `${formatIpv4(addr).padEnd(15)} ${pad(e.mtu, 5)} ${pad(0, 8)} ${pad(0, 6)}ms ${pad(0, 6)}ms ${pad(0, 8)} ${pad(0, 8)} ${pad(0, 8)} ${pad(left, 4)}\n`
    }
    return s
  }

  private expired(e: HcEntry, now: number): boolean {
    return now - e.touched >= this.expire * SEC_NS
  }

  private sweepIfPurge(): void {
    if (this.purge !== 0) this.purgeAll()
  }
}

const pad = (n: number, w: number): string => String(n).padStart(w)

const INT_MAX = 0x7fffffff

/** The net.inet.tcp.hostcache.* sysctls over the cache that `of` finds for a vnet. */
export function hostcacheSysctls(of: (v: Vnet) => TcpHostcache): SysctlDecl[] {
  const ro = (name: string, descr: string, get: (h: TcpHostcache) => number): SysctlDecl => ({
    name: `net.inet.tcp.hostcache.${name}`,
    descr,
    kind: 'int',
    ctype: 'uint',
    scope: 'vnet',
    get: (v) => get(of(v)),
  })
  const rw = (
    name: string,
    descr: string,
    field: 'enable' | 'expire' | 'prune' | 'purge',
    min: number,
    max: number,
  ): SysctlDecl => ({
    name: `net.inet.tcp.hostcache.${name}`,
    descr,
    kind: 'int',
    scope: 'vnet',
    min,
    max,
    get: (v) => of(v)[field],
    set: (v, value) => {
      of(v)[field] = value as number
    },
  })
  return [
    rw('enable', 'Enable the TCP hostcache', 'enable', 0, 1),
    ro('cachelimit', 'Overall entry limit for hostcache', (h) => h.cachelimit),
    ro('hashsize', 'Size of TCP hostcache hashtable', (h) => h.hashsize),
    ro('bucketlimit', 'Per-bucket hash limit for hostcache', (h) => h.bucketlimit),
    ro('count', 'Current number of entries in hostcache', (h) => h.count),
    rw('expire', 'Expire time of TCP hostcache entries', 'expire', 0, INT_MAX),
    rw('prune', 'Time between purge runs', 'prune', 0, INT_MAX),
    rw('purge', 'Expire all entires on next purge run', 'purge', 0, 2),
    {
      name: 'net.inet.tcp.hostcache.purgenow',
      descr: 'Immediate purge of all entries',
      kind: 'int',
      scope: 'vnet',
      min: 0,
      max: 1,
      get: () => 0,
      set: (v, value) => {
        if (value === 1) of(v).purgeAll()
      },
    },
    {
      name: 'net.inet.tcp.hostcache.list',
      descr: 'List of all hostcache entries',
      kind: 'string',
      scope: 'vnet',
      get: (v) => of(v).list(v.env.clock.now()),
    },
  ]
}
