/**
 * ng_vlan(4): 802.1Q tagging in netgraph. Frames from the `downstream` hook whose VLAN id has a
 * filter (`addfilter { hook="v4" vid=4 }`) leave on that hook with the tag removed; frames arriving
 * on a filter hook go downstream with the tag added (TPID 0x8100, or the filter's `ethertype`, and
 * its `pcp`); anything else from downstream (untagged, or an id with no filter) goes to `nomatch`,
 * and what comes in on `nomatch` goes downstream as it is. Messages: addfilter, delfilter (by hook
 * name), delvidflt (by id), gettable. The lab builder uses it for IMUNES's vlan_tag ports.
 *
 * Must not: allocate per frame (the tag is written into the headroom, the addresses moved in
 * place) or throw on the data path; a frame too short for its tag is dropped.
 */

import type { Mbuf } from '../buf/mbuf.js'
import { SysError } from '../util/errno.js'
import type { NgValue } from './ascii.js'
import { noArg, structArg, uintField } from './msgargs.js'
import { type NgHook, NgNode } from './node.js'

const ETHERTYPE_VLAN = 0x8100
const ETHERTYPE_QINQ = 0x88a8
const EVL_VLID_MASK = 0xfff
const ENCAP = 4

interface Filter {
  vid: number
  pcp: number
  ethertype: number
}

export class VlanNode extends NgNode {
  readonly type = 'vlan'
  private downstream: NgHook | null = null
  private nomatch: NgHook | null = null
  /** Filters by hook name, and the hook name by VLAN id (at most one hook an id). */
  private readonly filters = new Map<string, Filter>()
  private readonly byVid = new Map<number, string>()

  override hookConnected(hook: NgHook): void {
    if (hook.name === 'downstream') this.downstream = hook
    else if (hook.name === 'nomatch') this.nomatch = hook
  }

  override hookRemoved(hook: NgHook): void {
    if (hook === this.downstream) this.downstream = null
    if (hook === this.nomatch) this.nomatch = null
  }

  rcvdata(hook: NgHook, m: Mbuf): void {
    const pool = this.graph.pool
    if (hook === this.downstream) {
      const b = m.data
      const o = m.off
      const type = m.len >= 14 ? (b[o + 12]! << 8) | b[o + 13]! : 0
      if ((type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) && m.len >= 18) {
        const name = this.byVid.get(((b[o + 14]! << 8) | b[o + 15]!) & EVL_VLID_MASK)
        const out = name === undefined ? undefined : this.hooks.get(name)
        if (out !== undefined && out.peer !== null && this.filters.get(name!)!.ethertype === type) {
          b.copyWithin(o + ENCAP, o, o + 12)
          m.adj(ENCAP)
          this.send(out, m)
          return
        }
      }
      if (this.nomatch !== null && this.nomatch.peer !== null) this.send(this.nomatch, m)
      else pool.put(m)
      return
    }
    const down = this.downstream
    if (down === null || down.peer === null) {
      pool.put(m)
      return
    }
    if (hook === this.nomatch) {
      this.send(down, m)
      return
    }
    const f = this.filters.get(hook.name)
    if (f === undefined || m.len < 14 || !m.prepend(ENCAP)) {
      pool.put(m)
      return
    }
    const b = m.data
    const o = m.off
    b.copyWithin(o, o + ENCAP, o + ENCAP + 12)
    const tci = (f.pcp << 13) | f.vid
    b[o + 12] = f.ethertype >>> 8
    b[o + 13] = f.ethertype & 0xff
    b[o + 14] = tci >>> 8
    b[o + 15] = tci & 0xff
    this.send(down, m)
  }

  override rcvmsg(cmd: string, arg: NgValue | undefined): NgValue | undefined {
    switch (cmd) {
      case 'addfilter': {
        const s = structArg(cmd, arg, ['hook', 'vid', 'vlan', 'pcp', 'cfi', 'ethertype'])
        const hook = s.hook
        if (typeof hook !== 'string' || hook === '' || hook === 'downstream' || hook === 'nomatch')
          throw new SysError('EINVAL', 'ngctl', `${cmd}: bad hook name`)
        const vid =
          s.vid !== undefined
            ? uintField(cmd, s, 'vid', EVL_VLID_MASK)
            : uintField(cmd, s, 'vlan', EVL_VLID_MASK)
        const pcp = uintField(cmd, s, 'pcp', 7)
        uintField(cmd, s, 'cfi', 1)
        const et = uintField(cmd, s, 'ethertype', 0xffff) || ETHERTYPE_VLAN
        if (et !== ETHERTYPE_VLAN && et !== ETHERTYPE_QINQ)
          throw new SysError('EINVAL', 'ngctl', `${cmd}: bad ethertype`)
        if (this.filters.has(hook) || this.byVid.has(vid)) throw new SysError('EEXIST', 'ngctl')
        this.filters.set(hook, { vid, pcp, ethertype: et })
        this.byVid.set(vid, hook)
        return undefined
      }
      case 'delfilter': {
        if (typeof arg !== 'string') throw new SysError('EINVAL', 'ngctl', `${cmd}: hook name expected`)
        const f = this.filters.get(arg)
        if (f === undefined) throw new SysError('ENOENT', 'ngctl')
        this.filters.delete(arg)
        this.byVid.delete(f.vid)
        return undefined
      }
      case 'delvidflt': {
        if (typeof arg !== 'number') throw new SysError('EINVAL', 'ngctl', `${cmd}: VLAN id expected`)
        const name = this.byVid.get(arg)
        if (name === undefined) throw new SysError('ENOENT', 'ngctl')
        this.filters.delete(name)
        this.byVid.delete(arg)
        return undefined
      }
      case 'gettable': {
        noArg(cmd, arg)
        const filter = [...this.filters].map(([hook, f]) => ({
          hook_name: hook,
          vid: f.vid,
          pcp: f.pcp,
          cfi: 0,
          ethertype: f.ethertype,
        }))
        return { n: filter.length, filter }
      }
      default:
        return super.rcvmsg(cmd, arg)
    }
  }

  override messages(): readonly string[] {
    return ['addfilter', 'delfilter', 'gettable', 'delvidflt']
  }
}
