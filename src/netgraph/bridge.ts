/**
 * ng_bridge(4), FreeBSD 13 flavour: a learning Ethernet switch between hooks `linkN` and `uplinkN`.
 * Source addresses seen on link hooks are learned (never on uplinks); known unicast goes to its one
 * link, everything else is flooded. Once an uplink is the first hook, unknown unicast goes to uplinks
 * only. A host that shows up on another link less than `minStableAge` seconds after it was learned
 * means a loop: the link it arrived on is muted for `loopTimeout` seconds (its input dropped), its
 * hosts forgotten and the event counted, so two bridges joined twice settle instead of storming.
 * Hosts not heard from for `maxStaleness` seconds are forgotten.
 *
 * Time is kept as timestamps, not per-second ticks: one aging timer per node, armed only while the
 * table holds hosts (a plain clock timer, so it never keeps virtual time running by itself). The
 * frame path allocates nothing but the copies it floods. The table is bounded (oldest host evicted,
 * counted in the link's memoryFailures). Messages, struct fields and errors are FreeBSD's: setconfig
 * replaces the whole configuration (fields left out become 0, as ng_parse fills them).
 */

import type { Mbuf } from '../buf/mbuf.js'
import { BridgeTable } from '../stack/net/bridge/bridge_table.js'
import { SEC, type Timer } from '../util/clock.js'
import { SysError } from '../util/errno.js'
import { formatMac } from '../wire/addr.js'
import { ETHER_HDR_LEN } from '../wire/link/ethernet.js'
import type { NgStruct, NgValue } from './ascii.js'
import type { NgGraph } from './graph.js'
import { I32_MIN, intArg, noArg, structArg, U8_MAX, U32_MAX, uintField } from './msgargs.js'
import { type NgHook, NgNode } from './node.js'

/** Bound on learned hosts per node; FreeBSD's hash table is limited by memory instead. */
export const NG_BRIDGE_MAX_HOSTS = 4096

const CONFIG_FIELDS = ['debugLevel', 'loopTimeout', 'maxStaleness', 'minStableAge'] as const

/** One hook's state: struct ng_bridge_link with its counters (struct ng_bridge_link_stats). */
export class BridgeLink {
  readonly hook: NgHook
  /** Learn source addresses here (links yes, uplinks no). */
  readonly learnMac: boolean
  /** Flood unknown unicast here. */
  readonly sendUnknown: boolean
  /** Input is dropped until this time (ns): a loop was detected on this link. */
  mutedUntil = 0
  recvOctets = 0
  recvPackets = 0
  recvMulticast = 0
  recvBroadcast = 0
  recvUnknown = 0
  recvRunts = 0
  recvInvalid = 0
  xmitOctets = 0
  xmitPackets = 0
  xmitMulticasts = 0
  xmitBroadcasts = 0
  loopDrops = 0
  loopDetects = 0
  memoryFailures = 0

  constructor(hook: NgHook, learnMac: boolean, sendUnknown: boolean) {
    this.hook = hook
    this.learnMac = learnMac
    this.sendUnknown = sendUnknown
  }

  clearStats(): void {
    this.recvOctets = this.recvPackets = this.recvMulticast = this.recvBroadcast = this.recvUnknown = 0
    this.recvRunts = this.recvInvalid = this.xmitOctets = this.xmitPackets = this.xmitMulticasts = 0
    this.xmitBroadcasts = this.loopDrops = this.loopDetects = this.memoryFailures = 0
  }

  stats(): NgStruct {
    return {
      recvOctets: this.recvOctets,
      recvPackets: this.recvPackets,
      recvMulticast: this.recvMulticast,
      recvBroadcast: this.recvBroadcast,
      recvUnknown: this.recvUnknown,
      recvRunts: this.recvRunts,
      recvInvalid: this.recvInvalid,
      xmitOctets: this.xmitOctets,
      xmitPackets: this.xmitPackets,
      xmitMulticasts: this.xmitMulticasts,
      xmitBroadcasts: this.xmitBroadcasts,
      loopDrops: this.loopDrops,
      loopDetects: this.loopDetects,
      memoryFailures: this.memoryFailures,
    }
  }
}

/** `link7` → [false, 7], `uplink2` → [true, 2], anything else null (FreeBSD's name round trip). */
function parseLinkName(name: string): [boolean, number] | null {
  const m = /^(up)?link(0|[1-9][0-9]{0,9})$/.exec(name)
  if (m === null) return null
  const n = Number(m[2])
  const up = m[1] !== undefined
  if (n > U32_MAX || (up && n === 0)) return null
  return [up, n]
}

export class BridgeNode extends NgNode {
  readonly type = 'bridge'
  debugLevel = 1
  loopTimeout = 60
  maxStaleness = 15 * 60
  minStableAge = 1
  /** Hosts evicted because the table was full. */
  evictions = 0
  private readonly table = new BridgeTable<BridgeLink>(NG_BRIDGE_MAX_HOSTS)
  /** Connected links in connection order: the flood loop walks this, not the hook Map. */
  private readonly links: BridgeLink[] = []
  /** Whether new links get unknown unicast (false once an uplink was the first hook). */
  private sendUnknown = true
  private readonly timer: Timer

  constructor(graph: NgGraph) {
    super(graph)
    this.timer = graph.vnet.env.clock.timer(() => this.age())
  }

  override newHook(name: string): void {
    if (parseLinkName(name) === null)
      throw new SysError('EINVAL', 'ngctl', `bridge: invalid hook name '${name}'`)
  }

  override hookConnected(hook: NgHook): void {
    const [up] = parseLinkName(hook.name)!
    // The first hook being an uplink switches the node to "unknown unicast to uplinks only".
    if (up && this.links.length === 0) this.sendUnknown = false
    const link = new BridgeLink(hook, !up, up || this.sendUnknown)
    hook.priv = link
    this.links.push(link)
  }

  override hookRemoved(hook: NgHook): void {
    const link = hook.priv as BridgeLink
    this.table.removePort(link)
    const i = this.links.indexOf(link)
    if (i >= 0) this.links.splice(i, 1)
    if (this.table.size === 0) this.timer.cancel()
  }

  rcvdata(hook: NgHook, m: Mbuf): void {
    const link = hook.priv as BridgeLink
    const pool = this.graph.pool
    if (m.len < ETHER_HDR_LEN) {
      link.recvRunts++
      pool.put(m)
      return
    }
    const buf = m.data
    const off = m.off
    if ((buf[off + 6]! & 1) !== 0) {
      link.recvInvalid++
      pool.put(m)
      return
    }
    const now = this.graph.vnet.env.clock.now()
    if (link.mutedUntil > now) {
      link.loopDrops++
      pool.put(m)
      return
    }
    link.recvPackets++
    link.recvOctets += m.len
    // 0 unicast, 1 multicast, 2 broadcast (ng_bridge's ctx.manycast).
    let manycast = 0
    if ((buf[off]! & 1) !== 0) {
      if (
        (buf[off]! & buf[off + 1]! & buf[off + 2]! & buf[off + 3]! & buf[off + 4]! & buf[off + 5]!) ===
        0xff
      ) {
        manycast = 2
        link.recvBroadcast++
      } else {
        manycast = 1
        link.recvMulticast++
      }
    }

    const t = this.table
    const src = t.find(buf, off + 6)
    if (src >= 0) {
      t.touch(src, now)
      if (t.port(src) !== link) {
        if (now - t.born(src) < this.minStableAge * SEC) {
          // The host jumped links before it was stable there: a loop. Mute this link.
          link.mutedUntil = now + this.loopTimeout * SEC
          link.loopDetects++
          t.removePort(link)
          link.loopDrops++
          pool.put(m)
          return
        }
        t.move(src, link, now)
      }
    } else if (link.learnMac) {
      if (t.size >= t.max && t.evictOldest()) {
        this.evictions++
        link.memoryFailures++
      }
      t.add(buf, off + 6, link, now)
      if (!this.timer.armed) this.timer.arm(this.maxStaleness * SEC)
    }

    if (manycast === 0) {
      const d = t.find(buf, off)
      if (d >= 0) {
        const dst = t.port(d)
        if (dst === link) {
          pool.put(m)
          return
        }
        dst.xmitPackets++
        dst.xmitOctets += m.len
        this.send(dst.hook, m)
        return
      }
      link.recvUnknown++
    }

    // Flood: copies to all but the first eligible link, which gets the original last.
    const links = this.links
    let first: BridgeLink | null = null
    for (let i = 0; i < links.length; i++) {
      const l = links[i]!
      if (l === link || (manycast === 0 && !l.sendUnknown)) continue
      if (first === null) {
        first = l
        continue
      }
      this.countXmit(l, m.len, manycast)
      this.send(l.hook, pool.dup(m))
    }
    if (first === null) {
      pool.put(m)
      return
    }
    this.countXmit(first, m.len, manycast)
    this.send(first.hook, m)
  }

  private countXmit(l: BridgeLink, len: number, manycast: number): void {
    l.xmitPackets++
    l.xmitOctets += len
    if (manycast === 1) l.xmitMulticasts++
    else if (manycast === 2) l.xmitBroadcasts++
  }

  /** The aging timer: forget stale hosts, re-arm for the next one while any remain. */
  private age(): void {
    const next = this.table.expire(this.graph.vnet.env.clock.now(), this.maxStaleness * SEC)
    if (next !== Number.POSITIVE_INFINITY) this.timer.armAt(next)
  }

  /** The link a getstats argument names: N ≥ 0 is linkN, N < 0 is uplink(-N). */
  private linkArg(cmd: string, arg: NgValue | undefined): BridgeLink {
    const n = intArg(cmd, arg, I32_MIN, U32_MAX)
    const hook = this.hooks.get(n < 0 ? `uplink${-n}` : `link${n}`)
    if (hook === undefined) throw new SysError('ENOTCONN', 'ngctl', `${cmd}: link ${n} is not connected`)
    return hook.priv as BridgeLink
  }

  override rcvmsg(cmd: string, arg: NgValue | undefined): NgValue | undefined {
    switch (cmd) {
      case 'setconfig': {
        const s = structArg(cmd, arg, CONFIG_FIELDS)
        const debugLevel = uintField(cmd, s, 'debugLevel', U8_MAX)
        const loopTimeout = uintField(cmd, s, 'loopTimeout', U32_MAX)
        const maxStaleness = uintField(cmd, s, 'maxStaleness', U32_MAX)
        const minStableAge = uintField(cmd, s, 'minStableAge', U32_MAX)
        this.debugLevel = debugLevel
        this.loopTimeout = loopTimeout
        this.maxStaleness = maxStaleness
        this.minStableAge = minStableAge
        // A shorter maxStaleness may make hosts stale now; rescan and re-arm.
        if (this.table.size > 0) this.timer.arm(0)
        return undefined
      }
      case 'getconfig':
        noArg(cmd, arg)
        return {
          debugLevel: this.debugLevel,
          loopTimeout: this.loopTimeout,
          maxStaleness: this.maxStaleness,
          minStableAge: this.minStableAge,
        }
      case 'reset':
        noArg(cmd, arg)
        this.table.clear()
        this.timer.cancel()
        for (const l of this.links) {
          l.mutedUntil = 0
          l.clearStats()
        }
        return undefined
      case 'getstats':
      case 'clrstats':
      case 'getclrstats': {
        const link = this.linkArg(cmd, arg)
        const stats = cmd === 'clrstats' ? undefined : link.stats()
        if (cmd !== 'getstats') link.clearStats()
        return stats
      }
      case 'gettable': {
        noArg(cmd, arg)
        const now = this.graph.vnet.env.clock.now()
        const t = this.table
        const hosts: NgValue[] = t.slots().map((i) => ({
          addr: formatMac(t.mac(i)),
          age: Math.min(0xffff, Math.floor((now - t.born(i)) / SEC)),
          staleness: Math.min(0xffff, Math.floor((now - t.seen(i)) / SEC)),
          hook: t.port(i).hook.name,
        }))
        return { numHosts: t.size, hosts }
      }
      case 'setpersistent':
        noArg(cmd, arg)
        this.persistent = true
        return undefined
      default:
        return super.rcvmsg(cmd, arg)
    }
  }

  /** In NGM_BRIDGE_* order, so a command's position is its number. */
  override messages(): readonly string[] {
    return [
      'setconfig',
      'getconfig',
      'reset',
      'getstats',
      'clrstats',
      'getclrstats',
      'gettable',
      'setpersistent',
    ]
  }

  /** Hosts currently learned (tests, status). */
  get numHosts(): number {
    return this.table.size
  }

  override onShutdown(): void {
    this.timer.cancel()
    this.table.clear()
    this.links.length = 0
  }
}
