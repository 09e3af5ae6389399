/**
 * fq_pie's part of ipfw(8)/dnctl(8)'s dummynet syntax (FreeBSD's process_extra_parms and
 * get_extra_parms in sbin/ipfw/dummynet.c): the parameters after `type fq_pie`, read with
 * FreeBSD's time_to_us and is_valid_number, and the `  FQ_PIE ...` line of `sched show`, printed
 * with its %g, %.3g and us_to_time (quirks included).
 *
 * Parsing and printing only: it never reaches the kernel.
 */

import { type FqPieCfg, PIE_FLAGS, PIE_SCALE } from '../../../../host/syscalls.js'

/** What naming fq_pie sends: every parameter -1 (the kernel's default) and ipfw's flags, ECN on. */
export function fqPieRequest(): FqPieCfg {
  return {
    target: -1,
    tupdate: -1,
    maxBurst: -1,
    maxEcnth: -1,
    alpha: -1,
    beta: -1,
    flags: PIE_FLAGS.CAPDROP | PIE_FLAGS.DERAND | PIE_FLAGS.ECN,
    quantum: -1,
    limit: -1,
    flows: -1,
  }
}

/**
 * One fq_pie parameter token into pie (reading its argument with need1); false when tok is not
 * one, so the caller treats it as a general option. fail reports a bad argument (EX_DATAERR).
 */
export function fqPieParam(
  tok: string,
  pie: FqPieCfg,
  need1: (msg: string) => string,
  fail: (msg: string) => never,
): boolean {
  switch (tok) {
    case 'target':
      pie.target = aqmTime(need1, tok, fail)
      return true
    case 'tupdate':
      pie.tupdate = aqmTime(need1, tok, fail)
      return true
    case 'max_burst':
      pie.maxBurst = aqmTime(need1, tok, fail)
      return true
    case 'max_ecnth':
      // atof(av[0]) * PIE_SCALE stored in an integer.
      pie.maxEcnth = Math.trunc(pieNumber(need1, tok, fail) * PIE_SCALE)
      return true
    case 'alpha':
    case 'beta':
      pie[tok] = Math.trunc(pieNumber(need1, tok, fail) * PIE_SCALE)
      return true
    case 'quantum':
    case 'limit':
    case 'flows':
      // atoi
      pie[tok] = Math.trunc(pieNumber(need1, tok, fail))
      return true
  }
  const t = PIE_TOKENS[tok as keyof typeof PIE_TOKENS]
  if (t === undefined) return false
  pie.flags = t[1] ? pie.flags | t[0] : pie.flags & ~t[0]
  return true
}

/** fq_pie's flag tokens: the flag and whether the token sets it. */
const PIE_TOKENS = {
  ecn: [PIE_FLAGS.ECN, true],
  noecn: [PIE_FLAGS.ECN, false],
  capdrop: [PIE_FLAGS.CAPDROP, true],
  nocapdrop: [PIE_FLAGS.CAPDROP, false],
  onoff: [PIE_FLAGS.ONOFF, true],
  dre: [PIE_FLAGS.DRE, true],
  ts: [PIE_FLAGS.DRE, false],
  derand: [PIE_FLAGS.DERAND, true],
  noderand: [PIE_FLAGS.DERAND, false],
} as const

/**
 * An fq_codel or fq_pie time argument, read as FreeBSD's time_to_us does (a number without a unit is in ms;
 * us, ms and s in any case), with process_extra_parms's `X needs time`.
 */
export function aqmTime(need1: (msg: string) => string, tok: string, fail: (msg: string) => never): number {
  const v = need1(`${tok} needs time\n`)
  const m = /^(\d*\.?\d*)(.*)$/.exec(v)!
  const num = m[1]!
  const unit = (m[2] === '' ? 'ms' : m[2]!).toLowerCase()
  if (v.length > 15 || num === '' || (unit !== 'us' && unit !== 'ms' && unit !== 's'))
    fail(`${tok} needs time\n`)
  const n = Number.parseFloat(num)
  const x = Number.isNaN(n) ? 0 : n
  // atol for us; strtod × 1000 or × 10^6 truncated into a long otherwise.
  return unit === 'us' ? Math.trunc(x) : Math.trunc(unit === 'ms' ? x * 1000 : x * 1e6)
}

/** FreeBSD's us_to_time, with its "fs" suffix for whole seconds and more (sic). */
export function bsdUsToTime(t: number): string {
  if (t < 0) return ''
  if (t === 0) return '0'
  if (t < 1000) return `${t}us`
  if (t < 1000000) return `${fmtG(t / 1000)}ms`
  return `${fmtG(t / 1000000)}fs`
}

/** An fq_pie number: is_valid_number (digits with at most one dot), then atof. */
function pieNumber(need1: (msg: string) => string, tok: string, fail: (msg: string) => never): number {
  const v = need1(`${tok} needs number\n`)
  if (!/^\d*\.?\d*$/.test(v)) fail(`${tok} needs number\n`)
  const n = Number.parseFloat(v)
  return Number.isNaN(n) ? 0 : n
}

/** C's %g (or %.Pg) of a float, as get_extra_parms prints fq_pie's fixed-point values. */
function fmtG(x: number, prec = 6): string {
  const v = Math.fround(x)
  if (v === 0) return '0'
  const e = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(prec)))))
  if (e < -4 || e >= prec) {
    const [m, ex] = v.toExponential(prec - 1).split('e')
    const mant = m!.includes('.') ? m!.replace(/0+$/, '').replace(/\.$/, '') : m!
    const n = Number(ex)
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`
  }
  const t = v.toFixed(Math.max(0, prec - 1 - e))
  return t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t
}

/** get_extra_parms for FQ_PIE (two leading spaces, as FreeBSD prints it). */
export function fqPieText(p: FqPieCfg): string {
  const f = p.flags
  return (
    `  FQ_PIE target ${bsdUsToTime(p.target)} tupdate ${bsdUsToTime(p.tupdate)} alpha ${fmtG(p.alpha / PIE_SCALE)} ` +
    `beta ${fmtG(p.beta / PIE_SCALE)} max_burst ${bsdUsToTime(p.maxBurst)} max_ecnth ${fmtG(p.maxEcnth / PIE_SCALE, 3)} ` +
    `quantum ${p.quantum} limit ${p.limit} flows ${p.flows}` +
    `${f & PIE_FLAGS.ECN ? ' ECN' : ' NoECN'}${f & PIE_FLAGS.CAPDROP ? ' CapDrop' : ' NoCapDrop'}` +
    `${f & PIE_FLAGS.ONOFF ? ' OnOff' : ''}${f & PIE_FLAGS.DRE ? ' DRE' : ' TS'}${f & PIE_FLAGS.DERAND ? ' Derand' : ' NoDerand'}\n`
  )
}
