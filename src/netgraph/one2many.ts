/**
 * ng_one2many(4): frames from `one` go out of the `manyN` hooks (N < 64) by the transmit algorithm
 * (1 round robin, 2 all — a copy to every active link, 3 failover — the first active link); frames
 * from any `many` hook go to `one`. A many link is active while connected and enabled in
 * `enabledLinks` (connecting enables it). Failure detection 1 (manual) and 2 (notify) are accepted;
 * no node here sends link-state notifications, so both behave as manual. Counters per link as
 * struct ng_one2many_link_stats, link -1 being `one`. The frame path allocates only copies.
 */

import type { Mbuf } from '../buf/mbuf.js'
import { SysError } from '../util/errno.js'
import type { NgStruct, NgValue } from './ascii.js'
import { intArg, noArg, structArg, U32_MAX, uintField } from './msgargs.js'
import { type NgHook, NgNode } from './node.js'

export const NG_ONE2MANY_MAX_LINKS = 64
export const O2M_XMIT = { ROUNDROBIN: 1, ALL: 2, FAILOVER: 3 } as const
export const O2M_FAIL = { MANUAL: 1, NOTIFY: 2 } as const
const ONE = -1
const zeroStats = (): NgStruct => ({
  recvOctets: 0,
  recvPackets: 0,
  xmitOctets: 0,
  xmitPackets: 0,
  memoryFailures: 0,
})

class O2mLink {
  readonly hook: NgHook
  readonly num: number
  recvOctets = 0
  recvPackets = 0
  xmitOctets = 0
  xmitPackets = 0
  memoryFailures = 0

  constructor(hook: NgHook, num: number) {
    this.hook = hook
    this.num = num
  }

  stats(): NgStruct {
    return {
      recvOctets: this.recvOctets,
      recvPackets: this.recvPackets,
      xmitOctets: this.xmitOctets,
      xmitPackets: this.xmitPackets,
      memoryFailures: this.memoryFailures,
    }
  }

  clear(): void {
    this.recvOctets = this.recvPackets = this.xmitOctets = this.xmitPackets = this.memoryFailures = 0
  }
}

/** `one` → -1, `many7` → 7, anything else null. */
function linkNum(name: string): number | null {
  if (name === 'one') return ONE
  const m = /^many(0|[1-9][0-9]?)$/.exec(name)
  if (m === null) return null
  const n = Number(m[1])
  return n < NG_ONE2MANY_MAX_LINKS ? n : null
}

export class One2ManyNode extends NgNode {
  readonly type = 'one2many'
  xmitAlg: number = O2M_XMIT.ROUNDROBIN
  failAlg: number = O2M_FAIL.MANUAL
  readonly enabledLinks = new Uint8Array(NG_ONE2MANY_MAX_LINKS)
  private one: O2mLink | null = null
  private readonly many: Array<O2mLink | null> = new Array<O2mLink | null>(NG_ONE2MANY_MAX_LINKS).fill(null)
  /** Active many links in link-number order, and the round-robin position in it. */
  private active: O2mLink[] = []
  private nextMany = 0

  override newHook(name: string): void {
    if (linkNum(name) === null) throw new SysError('EINVAL', 'ngctl', `one2many: invalid hook name '${name}'`)
  }

  override hookConnected(hook: NgHook): void {
    const n = linkNum(hook.name)!
    const link = new O2mLink(hook, n)
    hook.priv = link
    if (n === ONE) this.one = link
    else {
      this.many[n] = link
      this.enabledLinks[n] = 1
      this.updateMany()
    }
  }

  override hookRemoved(hook: NgHook): void {
    const link = hook.priv as O2mLink
    if (link.num === ONE) {
      if (this.one === link) this.one = null
      return
    }
    if (this.many[link.num] === link) this.many[link.num] = null
    this.enabledLinks[link.num] = 0
    this.updateMany()
  }

  private updateMany(): void {
    this.active = []
    for (let i = 0; i < NG_ONE2MANY_MAX_LINKS; i++) {
      const l = this.many[i]
      if (l !== null && l !== undefined && this.enabledLinks[i] !== 0) this.active.push(l)
    }
    if (this.active.length > 0) this.nextMany %= this.active.length
    else this.nextMany = 0
  }

  rcvdata(hook: NgHook, m: Mbuf): void {
    const src = hook.priv as O2mLink
    src.recvPackets++
    src.recvOctets += m.len
    const pool = this.graph.pool
    let dst: O2mLink | null
    if (src.num !== ONE) dst = this.one
    else {
      const active = this.active
      const n = active.length
      if (n === 0) {
        pool.put(m)
        return
      }
      if (this.xmitAlg === O2M_XMIT.ROUNDROBIN) {
        dst = active[this.nextMany]!
        this.nextMany = (this.nextMany + 1) % n
      } else {
        dst = active[0]!
        if (this.xmitAlg === O2M_XMIT.ALL)
          for (let i = 1; i < n; i++) {
            const d = active[i]!
            d.xmitPackets++
            d.xmitOctets += m.len
            this.send(d.hook, pool.dup(m))
          }
      }
    }
    if (dst === null) {
      pool.put(m)
      return
    }
    dst.xmitPackets++
    dst.xmitOctets += m.len
    this.send(dst.hook, m)
  }

  private linkArg(cmd: string, arg: NgValue | undefined): O2mLink | null {
    const n = intArg(cmd, arg, ONE, NG_ONE2MANY_MAX_LINKS - 1)
    return n === ONE ? this.one : this.many[n]!
  }

  override rcvmsg(cmd: string, arg: NgValue | undefined): NgValue | undefined {
    switch (cmd) {
      case 'setconfig': {
        const s = structArg(cmd, arg, ['xmitAlg', 'failAlg', 'enabledLinks'])
        const xmitAlg = uintField(cmd, s, 'xmitAlg', U32_MAX)
        const failAlg = uintField(cmd, s, 'failAlg', U32_MAX)
        if (xmitAlg < O2M_XMIT.ROUNDROBIN || xmitAlg > O2M_XMIT.FAILOVER)
          throw new SysError('EINVAL', 'ngctl', `${cmd}: unknown xmitAlg ${xmitAlg}`)
        if (failAlg < O2M_FAIL.MANUAL || failAlg > O2M_FAIL.NOTIFY)
          throw new SysError('EINVAL', 'ngctl', `${cmd}: unknown failAlg ${failAlg}`)
        const en = s.enabledLinks ?? []
        if (!Array.isArray(en) || en.length > NG_ONE2MANY_MAX_LINKS)
          throw new SysError('EINVAL', 'ngctl', `${cmd}: enabledLinks: array of at most 64 expected`)
        // u_char elements, normalised to 0/1 as the kernel does.
        const links = en.map((v) => intArg(`${cmd}: enabledLinks`, v, 0, 0xff))
        this.xmitAlg = xmitAlg
        this.failAlg = failAlg
        for (let i = 0; i < NG_ONE2MANY_MAX_LINKS; i++) this.enabledLinks[i] = (links[i] ?? 0) !== 0 ? 1 : 0
        this.updateMany()
        return undefined
      }
      case 'getconfig':
        noArg(cmd, arg)
        return { xmitAlg: this.xmitAlg, failAlg: this.failAlg, enabledLinks: [...this.enabledLinks] }
      case 'getstats':
      case 'clrstats':
      case 'getclrstats': {
        const link = this.linkArg(cmd, arg)
        // An unconnected link reads as zeros, as the kernel's static per-link slots do.
        const stats = cmd === 'clrstats' ? undefined : (link?.stats() ?? zeroStats())
        if (cmd !== 'getstats') link?.clear()
        return stats
      }
      default:
        return super.rcvmsg(cmd, arg)
    }
  }

  /** In NGM_ONE2MANY_* order. */
  override messages(): readonly string[] {
    return ['setconfig', 'getconfig', 'getstats', 'clrstats', 'getclrstats']
  }

  /** This type's enum starts at 0 (NGM_ONE2MANY_SET_CONFIG). */
  override cmdNumber(cmd: string): number {
    return this.messages().indexOf(cmd)
  }

  override onShutdown(): void {
    this.active = []
    this.one = null
    this.many.fill(null)
  }
}
