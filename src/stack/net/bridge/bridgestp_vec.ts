/**
 * Spanning-tree priority vectors and timers (802.1D-2004 §17.6, §17.17), the value types of
 * bridgestp.ts: a vector is {root id, root path cost, designated bridge id, designated port id}
 * compared field by field, lower being better; bridge ids are a 16-bit priority and a 48-bit MAC.
 * Timers count down in 1/256 s, one second per tick, as bridgestp(4)'s do.
 */

/** Comparison results, as seen from the first vector: the second is better, the same or worse. */
export const INFO_BETTER = 1
export const INFO_SAME = 0
export const INFO_WORSE = -1

/** 1/256 s per second: the unit of BPDU times and timer values. */
export const BSTP_TICK_VAL = 256

export class PriVec {
  rootPri = 0
  rootMac = 0
  cost = 0
  dbPri = 0
  dbMac = 0
  dport = 0
  /** The local port the vector was received on or is for (not compared). */
  port = 0

  copyFrom(o: PriVec): void {
    this.rootPri = o.rootPri
    this.rootMac = o.rootMac
    this.cost = o.cost
    this.dbPri = o.dbPri
    this.dbMac = o.dbMac
    this.dport = o.dport
    this.port = o.port
  }
}

function cmpId(aPri: number, aMac: number, bPri: number, bMac: number): number {
  if (bPri !== aPri) return bPri < aPri ? INFO_BETTER : INFO_WORSE
  if (bMac !== aMac) return bMac < aMac ? INFO_BETTER : INFO_WORSE
  return INFO_SAME
}

/** Whether cpv is better than, the same as, or worse than pv. */
export function infoCmp(pv: PriVec, cpv: PriVec): number {
  const r = cmpId(pv.rootPri, pv.rootMac, cpv.rootPri, cpv.rootMac)
  if (r !== INFO_SAME) return r
  if (cpv.cost !== pv.cost) return cpv.cost < pv.cost ? INFO_BETTER : INFO_WORSE
  const d = cmpId(pv.dbPri, pv.dbMac, cpv.dbPri, cpv.dbMac)
  if (d !== INFO_SAME) return d
  if (cpv.dport !== pv.dport) return cpv.dport < pv.dport ? INFO_BETTER : INFO_WORSE
  return INFO_SAME
}

/**
 * §17.6: a message vector supersedes the port's when it is better, or when it comes from the same
 * designated bridge and port (that bridge's news replaces its old news, even when worse).
 */
export function infoSuperior(pv: PriVec, cpv: PriVec): boolean {
  return (
    infoCmp(pv, cpv) === INFO_BETTER || (pv.dbMac === cpv.dbMac && (cpv.dport & 0xfff) === (pv.dport & 0xfff))
  )
}

/** A bridgestp timer: a count-down in 1/256 s, stopped, running or latched (held, never expiring). */
export class BstpTimer {
  value = 0
  active = false
  latched = false

  start(v: number): void {
    this.value = v
    this.active = true
    this.latched = false
  }

  stop(): void {
    this.value = 0
    this.active = false
    this.latched = false
  }

  latch(): void {
    this.latched = true
    this.active = true
  }

  /** One tick; true when the timer runs out now. */
  tick(): boolean {
    if (!this.active || this.latched) return false
    this.value -= BSTP_TICK_VAL
    if (this.value <= 0) {
      this.stop()
      return true
    }
    return false
  }
}
