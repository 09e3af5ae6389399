/**
 * One vnet's dummynet (FreeBSD's V_dn_cfg and the configuration half of ip_dummynet.c): schedulers
 * with their links (pipes), flowsets (queues), scheduler instances and flow queues, the values
 * of the net.inet.ip.dummynet.* knobs (dn_module.ts declares them), and the operations behind `ipfw pipe|queue|
 * sched` and dnctl: config, delete, flush, list. A pipe N is FreeBSD's three objects: link and
 * WF2Q+ scheduler N, a FIFO scheduler N+65536 on the same link parameters, and the flowset
 * N+131072 that `pipe N` rules feed.
 *
 * Configuration validates everything before changing anything and throws SysError with FreeBSD's
 * errno. It must not move packets (ip_dn_io.ts does); deleting an object frees what it held.
 */

import type { Mbuf } from '../../../../buf/mbuf.js'
import { SysError } from '../../../../util/errno.js'
import type { Rng } from '../../../../util/rng.js'
import type { Vnet } from '../../../net/vnet.js'
import {
  DN_FS_DEFAULTS,
  DN_MAX_ID,
  type DnFsCfg,
  type DnLinkCfg,
  type DnMask,
  type DnObj,
  type DnReply,
  type DnRequest,
  type DnSchCfg,
  FQ_CODEL_DEFAULTS,
  FQ_PIE_DEFAULTS,
  type FqCodelCfg,
  type FqPieCfg,
} from './dn_h.js'
import { DnQueue, FlowId, type FlowStats, FlowTable } from './dn_queue.js'
import { type DnSchedType, FIFO } from './dn_sched.js'
import { FQ_CODEL } from './dn_sched_fq_codel.js'
import { FQ_PIE, fqPieResolve, fqPieWellFormed } from './dn_sched_fq_pie.js'
import { PRIO } from './dn_sched_prio.js'
import { QFQ } from './dn_sched_qfq.js'
import { RR } from './dn_sched_rr.js'
import { WF2Q } from './dn_sched_wf2q.js'
import { DnTagPool } from './dn_tag.js'
import { DN_MAX_FLOWS, DnFsk, DnSchk, type DnSi, DnStats } from './ip_dn_private.js'

export class DnState {
  readonly schk = new Map<number, DnSchk>()
  readonly fsk = new Map<number, DnFsk>()
  readonly stats = new DnStats()
  readonly tags = new DnTagPool()
  readonly rng: Rng
  /** Scratch flow ids of the packet being classified (never stored). */
  readonly pktFid = new FlowId()
  readonly keyFid = new FlowId()
  hashSize = 64
  pipeSlotLimit = 100
  pipeByteLimit = 1024 * 1024
  ioFast = 0
  debug = 0
  expire = 1
  redLookupDepth = 256
  redAvgPktSize = 512
  redMaxPktSize = 1500
  /** Most flow queues per flowset and instances per scheduler (DN_MAX_FLOWS; tests lower it). */
  maxFlows = DN_MAX_FLOWS
  siCount = 0
  queueCount = 0
  /** The flowset the last packet went to, by number (dummynetFast's lookup; forgotten on any change). */
  lastFsNr = -1
  lastFs: DnFsk | null = null
  private nextSiId = 1
  readonly wf2q = WF2Q

  constructor(readonly v: Vnet) {
    this.rng = v.env.rng.stream(`dummynet:${v.id}`)
  }

  /** A new flow queue of a flowset, owned by instance si. */
  newQueue(fs: DnFsk, si: DnSi): DnQueue {
    const q = new DnQueue()
    q.owner = si.id
    q.weight = fs.cfg.weight
    q.lmax = fs.cfg.lmax
    this.queueCount++
    return q
  }

  newSiId(): number {
    return this.nextSiId++
  }

  typeByName(name: string): DnSchedType | null {
    switch (name.toUpperCase()) {
      case 'FIFO':
        return FIFO
      case 'WF2Q+':
      case 'WF2Q':
        return this.wf2q
      case 'RR':
        return RR
      case 'FQ_CODEL':
        return FQ_CODEL
      case 'PRIO':
        return PRIO
      case 'FQ_PIE':
        return FQ_PIE
      case 'QFQ':
        return QFQ
      default:
        return null
    }
  }

  // control operations

  ctl(req: DnRequest): DnReply {
    this.lastFsNr = -1
    this.lastFs = null
    switch (req.op) {
      case 'config-pipe':
        this.configPipe(req.nr, req.link, req.fs, req.sch)
        return {}
      case 'config-queue':
        this.configQueue(req.nr, req.fs)
        return {}
      case 'config-sched':
        this.configSched(req.nr, req.sch, req.fs)
        return {}
      case 'delete':
        this.delete(req.what, req.nr)
        return {}
      case 'flush':
        this.flush()
        return {}
      case 'list':
        return { objs: this.list(req.what, req.ranges) }
    }
  }

  private checkNr(nr: unknown): number {
    if (typeof nr !== 'number' || !Number.isInteger(nr) || nr < 1 || nr >= DN_MAX_ID)
      throw new SysError('EINVAL', 'dummynet')
    return nr
  }

  private checkLink(l: DnLinkCfg): DnLinkCfg {
    const ok = (n: unknown, max: number) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= max
    if (!ok(l.bw, 0x7fffffff * 8) || !ok(l.delay, 10000) || !ok(l.burst, 2 ** 48 - 1))
      throw new SysError('EINVAL', 'dummynet')
    return { bw: Math.floor(l.bw), delay: Math.floor(l.delay), burst: Math.floor(l.burst) }
  }

  private checkMask(m: DnMask | null): DnMask | null {
    if (m === null) return null
    const u = (n: unknown, max: number) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max
    if (!u(m.proto, 0xff) || !u(m.src, 0xffffffff) || !u(m.dst, 0xffffffff) || !u(m.sport, 0xffff))
      throw new SysError('EINVAL', 'dummynet')
    if (!u(m.dport, 0xffff)) throw new SysError('EINVAL', 'dummynet')
    return { proto: m.proto, src: m.src, dst: m.dst, sport: m.sport, dport: m.dport, extra: m.extra === true }
  }

  private buckets(mask: DnMask | null, b: unknown): number {
    if (mask === null) return 1
    const n = typeof b === 'number' && Number.isInteger(b) && b > 0 ? b : this.hashSize
    return Math.min(Math.max(n, 1), DN_MAX_ID)
  }

  private checkFs(c: DnFsCfg, schedNr: number): DnFsCfg {
    const num = (n: unknown) => typeof n === 'number' && Number.isFinite(n)
    if (!num(c.qsize) || c.qsize < 0 || !num(c.plr) || c.plr < 0 || c.plr > 1)
      throw new SysError('EINVAL', 'dummynet')
    if (!num(c.weight) || !num(c.lmax) || !num(c.pri) || c.weight < 0 || c.weight > 100)
      throw new SysError('EINVAL', 'dummynet')
    const qbytes = c.qbytes === true
    let qsize = c.qsize === 0 ? 50 : Math.floor(c.qsize)
    // config_fs clamps to the limits (ipfw(8) already refuses larger sizes).
    if (qbytes && qsize > this.pipeByteLimit) qsize = this.pipeByteLimit
    if (!qbytes && qsize > this.pipeSlotLimit) qsize = this.pipeSlotLimit
    const mask = this.checkMask(c.mask)
    let red = null
    if (c.red !== null && c.red !== undefined) {
      const r = c.red
      if (!(num(r.wq) && r.wq > 0 && r.wq <= 1 && num(r.maxP) && r.maxP > 0 && r.maxP <= 1))
        throw new SysError('EINVAL', 'dummynet')
      if (!(num(r.minTh) && num(r.maxTh) && r.minTh >= 0 && r.maxTh > r.minTh))
        throw new SysError('EINVAL', 'dummynet')
      red = { gentle: r.gentle === true, wq: r.wq, minTh: r.minTh, maxTh: r.maxTh, maxP: r.maxP }
    }
    return {
      qsize,
      qbytes,
      plr: c.plr,
      weight: Math.floor(c.weight),
      lmax: Math.floor(c.lmax),
      pri: Math.floor(c.pri),
      schedNr,
      mask,
      buckets: this.buckets(mask, c.buckets),
      red,
    }
  }

  private checkSch(
    c: DnSchCfg,
    existing: DnSchk | undefined,
    dflt: DnSchedType,
  ): [DnSchedType, DnMask | null, number, FqCodelCfg, FqPieCfg] {
    let type: DnSchedType | null = existing?.type ?? dflt
    if (typeof c.type !== 'string') throw new SysError('EINVAL', 'dummynet')
    if (c.type !== '') {
      type = this.typeByName(c.type)
      if (type === null) throw new SysError('EINVAL', 'dummynet')
    }
    const mask = this.checkMask(c.mask)
    let fq = existing?.fq ?? FQ_CODEL_DEFAULTS
    if (c.fqCodel !== null && c.fqCodel !== undefined) {
      const f = c.fqCodel
      const int = (n: unknown, lo: number, hi: number) =>
        typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi
      if (!int(f.target, 1, 5_000_000) || !int(f.interval, 1, 100_000_000) || !int(f.quantum, 1, 9000))
        throw new SysError('EINVAL', 'dummynet')
      if (!int(f.limit, 1, 20480) || !int(f.flows, 1, 65536)) throw new SysError('EINVAL', 'dummynet')
      fq = {
        target: f.target,
        interval: f.interval,
        quantum: f.quantum,
        limit: f.limit,
        flows: f.flows,
        ecn: f.ecn === true,
      }
    }
    let pie = existing?.pie ?? FQ_PIE_DEFAULTS
    if (c.fqPie !== null && c.fqPie !== undefined) {
      // fq_pie_config: -1 takes the default, the rest is clamped to FreeBSD's bounds.
      if (!fqPieWellFormed(c.fqPie)) throw new SysError('EINVAL', 'dummynet')
      pie = fqPieResolve(c.fqPie)
    }
    return [type, mask, mask === null ? 0 : this.buckets(mask, c.buckets), fq, pie]
  }

  /** Create or update scheduler nr; instances are rebuilt (their packets dropped) if the discipline changes. */
  private setSched(
    nr: number,
    type: DnSchedType,
    mask: DnMask | null,
    buckets: number,
    link: DnLinkCfg,
    fq: FqCodelCfg,
    pie: FqPieCfg = FQ_PIE_DEFAULTS,
  ): DnSchk {
    const old = this.schk.get(nr)
    if (old !== undefined) {
      const same =
        old.type === type &&
        old.buckets === buckets &&
        old.fq === fq &&
        old.pie === pie &&
        JSON.stringify(old.mask) === JSON.stringify(mask)
      old.link = link
      if (same) return old
      this.destroyInstances(old)
      old.type = type
      old.mask = mask
      old.buckets = buckets
      old.fq = fq
      old.pie = pie
      return old
    }
    const s = new DnSchk(nr, type, mask, buckets, link, fq, pie)
    this.schk.set(nr, s)
    // Flowsets waiting for this scheduler attach now (FreeBSD keeps them unlinked until then).
    for (const f of this.fsk.values()) if (f.sched === null && f.cfg.schedNr === nr) this.attach(f, s)
    return s
  }

  private setFs(nr: number, cfg: DnFsCfg): DnFsk {
    let f = this.fsk.get(nr)
    const red = cfg.red === null ? null : { ...cfg.red, maxPktSize: this.redMaxPktSize }
    if (f !== undefined) {
      const rebuild =
        f.cfg.schedNr !== cfg.schedNr ||
        f.cfg.buckets !== cfg.buckets ||
        JSON.stringify(f.cfg.mask) !== JSON.stringify(cfg.mask)
      if (rebuild) this.detach(f)
      f.cfg = cfg
    } else {
      f = new DnFsk(nr, cfg)
      this.fsk.set(nr, f)
    }
    f.qsize = cfg.qsize
    f.qbytes = cfg.qbytes
    f.plr = cfg.plr
    f.red = red
    if (f.sched !== null) this.boundFs(f, f.sched)
    f.qht?.forEach((q) => {
      q.weight = f.cfg.weight
      q.lmax = cfg.lmax
    })
    if (f.sched === null) {
      const s = this.schk.get(cfg.schedNr)
      if (s !== undefined) this.attach(f, s)
    }
    return f
  }

  private attach(f: DnFsk, s: DnSchk): void {
    f.sched = s
    this.boundFs(f, s)
    f.qht = s.type.multiqueue ? new FlowTable<DnQueue>(f.cfg.buckets, this.maxFlows) : null
  }

  /** The type's new_fsk: a flowset's settings brought into its scheduler's range. */
  private boundFs(f: DnFsk, s: DnSchk): void {
    if (s.type.boundFs !== undefined) f.cfg = s.type.boundFs(f.cfg)
  }

  /** Unlink a flowset from its scheduler, freeing its queues. */
  private detach(f: DnFsk): void {
    const s = f.sched
    if (f.qht !== null && s !== null) {
      f.qht.forEach((q) => {
        s.forEachSi((si) => {
          if (si.id === q.owner) {
            si.impl.removeQueue(q)
            si.ni.len -= q.ni.len
            si.ni.lenBytes -= q.ni.lenBytes
          }
        })
        q.purge(this.v.env.pool)
      })
      this.queueCount -= f.qht.count
    }
    f.qht = null
    f.sched = null
  }

  private destroyInstances(s: DnSchk): void {
    // Flowset queues belong to instances: they go first.
    for (const f of this.fsk.values())
      if (f.sched === s) {
        this.detach(f)
        f.sched = s
        this.boundFs(f, s)
        f.qht = s.type.multiqueue ? new FlowTable<DnQueue>(f.cfg.buckets, this.maxFlows) : null
      }
    const pool = this.v.env.pool
    s.forEachSi((si) => {
      si.timer.cancel()
      si.impl.purge(pool)
      si.own.purge(pool)
      for (let m = si.dlHead; m !== null; ) {
        const next = m.next
        this.freeHeld(m)
        m = next
      }
      si.dlHead = null
      si.dlTail = null
      this.siCount--
    })
    s.si = null
    s.siht = null
  }

  /** Free a packet dummynet held, with its tag. */
  freeHeld(m: Mbuf): void {
    const t = m.tag
    if (t !== null) {
      m.tag = null
      this.tags.put(t as never)
    }
    this.v.env.pool.put(m)
  }

  private configPipe(nr: number, link: DnLinkCfg, fs: DnFsCfg, sch: DnSchCfg): void {
    nr = this.checkNr(nr)
    const l = this.checkLink(link)
    // Scheduler N keeps its type unless one is given (new pipes get WF2Q+).
    const [type, mask, buckets, fq, pie] = this.checkSch(sch, this.schk.get(nr), this.wf2q)
    const fcfg = this.checkFs({ ...fs, mask: null }, nr + DN_MAX_ID)
    this.setSched(nr, type, mask, buckets, l, fq, pie)
    const fifo = this.setSched(nr + DN_MAX_ID, FIFO, mask, buckets, l, FQ_CODEL_DEFAULTS)
    fifo.fs = this.setFs(nr + 2 * DN_MAX_ID, fcfg)
  }

  private configQueue(nr: number, fs: DnFsCfg): void {
    nr = this.checkNr(nr)
    const schedNr = this.checkNr(fs.schedNr === 0 ? 1 : fs.schedNr)
    this.setFs(nr, this.checkFs(fs, schedNr))
  }

  private configSched(nr: number, sch: DnSchCfg, fs: DnFsCfg | undefined): void {
    nr = this.checkNr(nr)
    const old = this.schk.get(nr)
    const [type, mask, buckets, fq, pie] = this.checkSch(sch, old, this.wf2q)
    const fcfg = this.checkFs({ ...(fs ?? { ...DN_FS_DEFAULTS }), mask: null }, nr)
    const s = this.setSched(nr, type, mask, buckets, old?.link ?? { bw: 0, delay: 0, burst: 0 }, fq, pie)
    // The internal flowset N+65536 feeds a single-queue scheduler (FIFO); multiqueue ones need queues.
    if (!type.multiqueue) s.fs = this.setFs(nr + DN_MAX_ID, fcfg)
    else if (s.fs !== null) {
      this.deleteFs(s.fs.nr)
      s.fs = null
    }
  }

  private deleteSched(nr: number): void {
    const s = this.schk.get(nr)
    if (s === undefined) return
    this.destroyInstances(s)
    for (const f of this.fsk.values()) if (f.sched === s) this.detach(f)
    this.schk.delete(nr)
  }

  private deleteFs(nr: number): void {
    const f = this.fsk.get(nr)
    if (f === undefined) return
    this.detach(f)
    this.fsk.delete(nr)
  }

  private delete(what: string, nr: number): void {
    nr = this.checkNr(nr)
    if (what === 'pipe') {
      if (!this.schk.has(nr + DN_MAX_ID)) throw new SysError('EINVAL', 'dummynet')
      this.deleteFs(nr + 2 * DN_MAX_ID)
      this.deleteSched(nr + DN_MAX_ID)
      this.deleteSched(nr)
    } else if (what === 'queue') {
      if (!this.fsk.has(nr)) throw new SysError('EINVAL', 'dummynet')
      this.deleteFs(nr)
    } else if (what === 'sched') {
      if (!this.schk.has(nr)) throw new SysError('EINVAL', 'dummynet')
      this.deleteFs(nr + DN_MAX_ID)
      this.deleteSched(nr)
    } else throw new SysError('EINVAL', 'dummynet')
  }

  flush(): void {
    this.lastFsNr = -1
    this.lastFs = null
    for (const nr of [...this.fsk.keys()]) this.deleteFs(nr)
    for (const nr of [...this.schk.keys()]) this.deleteSched(nr)
  }

  // listing (copy_data_helper)

  private list(what: string, ranges: number[]): DnObj[] {
    const inRange = (n: number) => {
      if (ranges.length === 0) return true
      for (let i = 0; i + 1 < ranges.length; i += 2) if (n >= ranges[i]! && n <= ranges[i + 1]!) return true
      return false
    }
    const out: DnObj[] = []
    if (what === 'queue') {
      for (const f of [...this.fsk.values()].sort((a, b) => a.nr - b.nr)) {
        if (f.nr >= DN_MAX_ID || !inRange(f.nr)) continue
        out.push(fsObj(f))
        f.qht?.forEach((q, b) => {
          out.push(flowObj(q.fid, q.ni, b))
        })
      }
      return out
    }
    const pipe = what === 'pipe'
    for (const s of [...this.schk.values()].sort((a, b) => a.nr - b.nr)) {
      if (pipe ? s.nr <= DN_MAX_ID : s.nr >= DN_MAX_ID) continue
      if (!inRange(pipe ? s.nr - DN_MAX_ID : s.nr)) continue
      out.push({ type: 'link', nr: pipe ? s.nr - DN_MAX_ID : s.nr, ...s.link })
      if (s.fs !== null) out.push(fsObj(s.fs))
      let active = 0
      s.forEachSi(() => active++)
      const fq = s.type === FQ_CODEL ? s.fq : null
      const pie = s.type === FQ_PIE ? s.pie : null
      out.push({
        type: 'sch',
        nr: s.nr,
        name: s.type.name,
        mask: s.mask,
        buckets: s.buckets,
        active,
        fq,
        pie,
      })
      if (!pipe) {
        const kids = [...this.fsk.values()].filter((f) => f.sched === s && f.nr < DN_MAX_ID).map((f) => f.nr)
        out.push({ type: 'children', list: kids })
      }
      s.forEachSi((si, b) => out.push(flowObj(si.fid, si.ni, s.siht === null ? 0 : b)))
    }
    return out
  }
}

function fsObj(f: DnFsk): DnObj {
  const { buckets, ...rest } = f.cfg
  return { type: 'fs', nr: f.nr, flows: f.qht?.count ?? 0, buckets, ...rest, mask: f.cfg.mask }
}

function flowObj(fid: FlowId, ni: FlowStats, bucket: number): DnObj {
  return {
    type: 'flow',
    bucket,
    extra: fid.extra !== 0,
    proto: fid.proto,
    src: fid.src,
    sport: fid.sport,
    dst: fid.dst,
    dport: fid.dport,
    totPkts: ni.totPkts,
    totBytes: ni.totBytes,
    len: ni.len,
    lenBytes: ni.lenBytes,
    drops: ni.drops,
  }
}
