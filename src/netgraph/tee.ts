/**
 * ng_tee(4): a T-junction for snooping. Frames entering `right` leave on `left` with a copy on
 * `right2left`; frames entering `left` leave on `right` with a copy on `left2right`. With the far
 * side unconnected, the tap hook gets the original instead. Frames written into `right2left` leave on
 * `right` and those into `left2right` on `left` (FreeBSD's wiring). Shutting the node down while
 * both `left` and `right` are connected joins their peers directly (ng_bypass), so removing a tee
 * never cuts the line it was inserted into. Counters per hook as struct ng_tee_hookstat.
 * The frame path allocates only the copy it makes.
 */

import type { Mbuf } from '../buf/mbuf.js'
import { SysError } from '../util/errno.js'
import type { NgStruct, NgValue } from './ascii.js'
import { noArg } from './msgargs.js'
import { type NgHook, NgNode } from './node.js'

class TeeStat {
  inOctets = 0
  inFrames = 0
  outOctets = 0
  outFrames = 0

  value(): NgStruct {
    return {
      inOctets: this.inOctets,
      inFrames: this.inFrames,
      outOctets: this.outOctets,
      outFrames: this.outFrames,
    }
  }

  clear(): void {
    this.inOctets = this.inFrames = this.outOctets = this.outFrames = 0
  }
}

const HOOKS = ['right', 'left', 'right2left', 'left2right'] as const

export class TeeNode extends NgNode {
  readonly type = 'tee'
  private right: NgHook | null = null
  private left: NgHook | null = null
  private r2l: NgHook | null = null
  private l2r: NgHook | null = null
  private readonly sRight = new TeeStat()
  private readonly sLeft = new TeeStat()
  private readonly sR2l = new TeeStat()
  private readonly sL2r = new TeeStat()

  override newHook(name: string): void {
    if (!(HOOKS as readonly string[]).includes(name))
      throw new SysError('EINVAL', 'ngctl', `tee: unknown hook '${name}'`)
  }

  override hookConnected(hook: NgHook): void {
    const st = this.statOf(hook.name)
    st.clear()
    hook.priv = st
    if (hook.name === 'right') this.right = hook
    else if (hook.name === 'left') this.left = hook
    else if (hook.name === 'right2left') this.r2l = hook
    else this.l2r = hook
  }

  override hookRemoved(hook: NgHook): void {
    if (hook === this.right) this.right = null
    else if (hook === this.left) this.left = null
    else if (hook === this.r2l) this.r2l = null
    else if (hook === this.l2r) this.l2r = null
  }

  private statOf(name: string): TeeStat {
    return name === 'right'
      ? this.sRight
      : name === 'left'
        ? this.sLeft
        : name === 'right2left'
          ? this.sR2l
          : this.sL2r
  }

  rcvdata(hook: NgHook, m: Mbuf): void {
    const st = hook.priv as TeeStat
    st.inOctets += m.len
    st.inFrames++
    let dest: NgHook | null
    let dup: NgHook | null = null
    if (hook === this.right) {
      dest = this.left ?? this.r2l
      if (this.left !== null) dup = this.r2l
    } else if (hook === this.left) {
      dest = this.right ?? this.l2r
      if (this.right !== null) dup = this.l2r
    } else dest = hook === this.r2l ? this.right : this.left
    if (dup !== null) {
      const ds = dup.priv as TeeStat
      ds.outOctets += m.len
      ds.outFrames++
      this.send(dup, this.graph.pool.dup(m))
    }
    if (dest === null) {
      this.graph.pool.put(m)
      return
    }
    const ss = dest.priv as TeeStat
    ss.outOctets += m.len
    ss.outFrames++
    this.send(dest, m)
  }

  override rcvmsg(cmd: string, arg: NgValue | undefined): NgValue | undefined {
    switch (cmd) {
      case 'getstats':
      case 'clrstats':
      case 'getclrstats': {
        noArg(cmd, arg)
        const stats =
          cmd === 'clrstats'
            ? undefined
            : {
                right: this.sRight.value(),
                left: this.sLeft.value(),
                right2left: this.sR2l.value(),
                left2right: this.sL2r.value(),
              }
        if (cmd !== 'getstats') for (const s of [this.sRight, this.sLeft, this.sR2l, this.sL2r]) s.clear()
        return stats
      }
      default:
        return super.rcvmsg(cmd, arg)
    }
  }

  /** In NGM_TEE_* order (getstats is 1). */
  override messages(): readonly string[] {
    return ['getstats', 'clrstats', 'getclrstats']
  }

  override onClose(): void {
    if (this.left !== null && this.right !== null) this.graph.bypass(this.left, this.right)
  }
}
