/**
 * ospfd's stub-area and NSSA commands in FRR's language (RFC 2328 §3.6, RFC 3101): `area X stub
 * [no-summary]`, `area X nssa` with FRR's options in any order (`translate-candidate|never|always`,
 * `default-information-originate [metric N] [metric-type 1|2]`, `no-summary`, `suppress-fa`),
 * `area X nssa range A.B.C.D/M [not-advertise|cost N]`, `area X default-cost N`, and their `no`
 * forms, with FRR's refusals (the backbone, an area a virtual link crosses, default-cost of a normal
 * area). Each edits the session's OspfConfig and tells ospfd; the running-config lines are in
 * ospf_config.ts.
 *
 * Must not: reach the kernel or the engine; everything here is configuration.
 */

import { parseIpv4, prefixToMask } from '../../../../../wire/addr.js'
import type { CmdSpec, VtySession } from '../../vty_cmds.js'
import { type OspfAreaType, type OspfConfig, parseAreaId } from '../ospf_config.js'

function cfg(s: VtySession): OspfConfig {
  return s.state.ospf
}

function spec(text: string, run: (s: VtySession, args: string[]) => void): CmdSpec {
  return { nodes: ['ospf'], text, run, proto: 'ospf' }
}

/** FRR's VTY_GET_OSPF_AREA_ID_NO_BB: a valid id, never the backbone's. */
function areaNoBb(s: VtySession, text: string, what: string): number {
  const id = parseAreaId(text)
  if (id === null) s.fail('Invalid OSPF area ID')
  if (id === 0) s.fail(`You can't configure ${what} to backbone`)
  return id
}

function fresh(text: string, kind: 'stub' | 'nssa', old: OspfAreaType | undefined): OspfAreaType {
  return {
    text,
    kind,
    noSummary: false,
    defaultCost: old?.defaultCost ?? 1,
    translate: 'candidate',
    dio: null,
    suppressFa: false,
    ranges: old?.ranges ?? [],
  }
}

function changed(s: VtySession): void {
  s.ospf?.changed()
}

function stub(s: VtySession, text: string, noSummary: boolean): void {
  const id = areaNoBb(s, text, 'stub')
  const c = cfg(s)
  if (c.vlinks.some((v) => v.area === id))
    s.fail(
      noSummary
        ? 'Area cannot be stub as it contains a virtual link'
        : 'First deconfigure all virtual link through this area',
    )
  const t = fresh(text, 'stub', c.areaTypes.get(id))
  t.noSummary = noSummary
  c.areaTypes.set(id, t)
  changed(s)
}

/** `no area X stub` makes the area normal; `no area X stub no-summary` only drops no-summary (FRR 8.4). */
function noStub(s: VtySession, text: string, onlyNoSummary: boolean): void {
  const id = areaNoBb(s, text, 'stub')
  const c = cfg(s)
  const t = c.areaTypes.get(id)
  if (t?.kind === 'stub') {
    if (onlyNoSummary) t.noSummary = false
    else c.areaTypes.delete(id)
  }
  changed(s)
}

const OPTION_WORDS = [
  'translate-candidate',
  'translate-never',
  'translate-always',
  'default-information-originate',
  'metric',
  'metric-type',
  'no-summary',
  'suppress-fa',
] as const

/** A word of the option list, completed as FRR completes a unique prefix; null if none or several. */
function optionWord(w: string): (typeof OPTION_WORDS)[number] | null {
  const exact = OPTION_WORDS.find((x) => x === w)
  if (exact !== undefined) return exact
  const m = OPTION_WORDS.filter((x) => x.startsWith(w))
  return m.length === 1 ? m[0]! : null
}

/**
 * `area X nssa [{translate-…|default-information-originate [{metric N|metric-type T}]|no-summary|
 * suppress-fa}]`: each form sets the whole of the area's NSSA settings, as FRR's does (ranges and
 * default-cost stay).
 */
function nssa(s: VtySession, text: string, rest: string): void {
  const id = areaNoBb(s, text, 'NSSA')
  const c = cfg(s)
  const words = rest === '' ? [] : rest.split(/\s+/)
  const t = fresh(text, 'nssa', c.areaTypes.get(id))
  const bad: () => never = () => s.fail(`Unknown command: area ${text} nssa ${rest}`)
  const seen = new Set<string>()
  for (let k = 0; k < words.length; k++) {
    const w = optionWord(words[k]!)
    if (w === null) bad()
    const group = w.startsWith('translate-') ? 'translate' : w
    if (seen.has(group)) bad()
    seen.add(group)
    if (w === 'translate-candidate' || w === 'translate-never' || w === 'translate-always')
      t.translate = w.slice('translate-'.length) as OspfAreaType['translate']
    else if (w === 'no-summary') t.noSummary = true
    else if (w === 'suppress-fa') t.suppressFa = true
    else if (w === 'default-information-originate') {
      t.dio = { metric: null, type2: true }
      // Its own options follow it, in either order.
      for (;;) {
        const o = words[k + 1] === undefined ? null : optionWord(words[k + 1]!)
        if (o === 'metric' && !seen.has('metric')) {
          const n = words[k + 2]
          if (n === undefined) s.fail(`Command incomplete: area ${text} nssa ${rest}`)
          if (!/^\d+$/.test(n) || Number(n) > 16777214) bad()
          t.dio.metric = Number(n)
          seen.add('metric')
          k += 2
        } else if (o === 'metric-type' && !seen.has('metric-type')) {
          const n = words[k + 2]
          if (n === undefined) s.fail(`Command incomplete: area ${text} nssa ${rest}`)
          if (n !== '1' && n !== '2') bad()
          t.dio.type2 = n === '2'
          seen.add('metric-type')
          k += 2
        } else break
      }
    } else bad()
  }
  if (c.vlinks.some((v) => v.area === id)) s.fail('Area cannot be nssa as it contains a virtual link')
  c.areaTypes.set(id, t)
  changed(s)
}

/** `no area X nssa …`: the area is normal again; FRR 8.4's `no … no-summary` and `no … suppress-fa` only drop those. */
function noNssa(s: VtySession, text: string, rest: string): void {
  const id = areaNoBb(s, text, 'NSSA')
  const c = cfg(s)
  const t = c.areaTypes.get(id)
  const only = rest === '' ? null : optionWord(rest)
  if (t?.kind === 'nssa') {
    if (only === 'no-summary') t.noSummary = false
    else if (only === 'suppress-fa') t.suppressFa = false
    else c.areaTypes.delete(id)
  }
  changed(s)
}

function defaultCost(s: VtySession, text: string, cost: number): void {
  const id = areaNoBb(s, text, 'default-cost')
  const t = cfg(s).areaTypes.get(id)
  if (t === undefined) s.fail('The area is neither stub, nor NSSA')
  t.defaultCost = cost
  changed(s)
}

function range(s: VtySession, text: string, prefix: string, on: boolean, opt: string[]): void {
  const id = parseAreaId(text)
  if (id === null) s.fail('Invalid OSPF area ID')
  const t = cfg(s).areaTypes.get(id)
  if (t?.kind !== 'nssa') s.fail(`First configure ${text} as an NSSA area`)
  const [a, l] = prefix.split('/')
  const len = Number(l)
  const addr = (parseIpv4(a!)! & prefixToMask(len)) >>> 0
  const at = t.ranges.findIndex((r) => r.addr === addr && r.len === len)
  if (!on) {
    if (at >= 0) t.ranges.splice(at, 1)
    changed(s)
    return
  }
  const r = {
    addr,
    len,
    advertise: opt[0] !== 'not-advertise',
    cost: opt[0] === 'cost' ? Number(opt[1]) : null,
  }
  if (at >= 0) t.ranges[at] = r
  else {
    t.ranges.push(r)
    t.ranges.sort((x, y) => x.addr - y.addr || x.len - y.len)
  }
  changed(s)
}

export const OSPF_AREA_COMMANDS: readonly CmdSpec[] = [
  spec('area WORD stub', (s, [a]) => stub(s, a!, false)),
  spec('area WORD stub no-summary', (s, [a]) => stub(s, a!, true)),
  spec('no area WORD stub', (s, [a]) => noStub(s, a!, false)),
  spec('no area WORD stub no-summary', (s, [a]) => noStub(s, a!, true)),
  spec('area WORD nssa', (s, [a]) => nssa(s, a!, '')),
  spec('area WORD nssa LINE', (s, [a, rest]) => nssa(s, a!, rest!)),
  spec('no area WORD nssa', (s, [a]) => noNssa(s, a!, '')),
  spec('no area WORD nssa LINE', (s, [a, rest]) => noNssa(s, a!, rest!)),
  spec('area WORD nssa range A.B.C.D/M', (s, [a, p]) => range(s, a!, p!, true, [])),
  spec('area WORD nssa range A.B.C.D/M not-advertise', (s, [a, p]) =>
    range(s, a!, p!, true, ['not-advertise']),
  ),
  spec('area WORD nssa range A.B.C.D/M cost (0-16777215)', (s, [a, p, n]) =>
    range(s, a!, p!, true, ['cost', n!]),
  ),
  spec('no area WORD nssa range A.B.C.D/M', (s, [a, p]) => range(s, a!, p!, false, [])),
  spec('no area WORD nssa range A.B.C.D/M not-advertise', (s, [a, p]) => range(s, a!, p!, false, [])),
  spec('no area WORD nssa range A.B.C.D/M cost', (s, [a, p]) => range(s, a!, p!, false, [])),
  spec('no area WORD nssa range A.B.C.D/M cost (0-16777215)', (s, [a, p]) => range(s, a!, p!, false, [])),
  spec('area WORD default-cost (0-16777215)', (s, [a, n]) => defaultCost(s, a!, Number(n))),
  spec('no area WORD default-cost (0-16777215)', (s, [a]) => defaultCost(s, a!, 1)),
]
