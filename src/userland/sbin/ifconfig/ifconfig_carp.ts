/**
 * ifconfig(8)'s carp(4) words and status (FreeBSD 15's sbin/ifconfig/carp.c): `vhid N` (also
 * given to the address on the same line, its ifra_vhid), `advbase`, `advskew`, `pass`,
 * `state master|backup|init`, `peer A` / `mcast`, `peer6 A` / `mcast6`, and for VRRPv3 `carpver 3`,
 * `vrrpprio N`, `vrrpinterval N` (centiseconds), each of the others only after `vhid`; the settings go to the kernel in one SIOCSVH after the line's other changes and
 * before its address (setcarp_callback). Status: `carp: STATE vhid N advbase B advskew S` and the
 * `peer A peer6 B` line, the key with `-k`; `vrrp: STATE vrid N prio P interval I` in VRRP mode.
 *
 * Must not: change anything while parsing (parseCarpWord only fills the plan).
 */

import type { CarpSetReq, CarpVhidInfo, Syscalls } from '../../../host/syscalls.js'
import { utf8Decode, utf8Encode } from '../../../util/utf8.js'
import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import { asSysError, CmdError, sysMessage } from '../../common.js'

/** CARP_STATES. */
const STATES = ['INIT', 'BACKUP', 'MASTER'] as const
const CARP_MAXVHID = 255
const CARP_KEY_LEN = 20
/** VRRP_MAX_INTERVAL: Max Advertise Interval is 12 bits of centiseconds. */
const VRRP_MAX_INTERVAL = 4095

/** What the line asks of its vhid; -1 / null for what it leaves as it is. */
export interface CarpPlan {
  vhid: number
  advbase: number
  advskew: number
  state: number
  key: string | null
  peer: number
  peer6: Uint8Array | null
  /** `carpver 2|3`, `vrrpprio N`, `vrrpinterval N` (centiseconds); -1 when the line leaves them. */
  version: number
  vrrpPrio: number
  vrrpInter: number
}

/** C's atoi: the leading decimal number, 0 without one. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s)
  return m === null ? 0 : Number(m[1]) | 0
}

/**
 * One carp word at words[i]: how many words it used (0 when it is not one). `plan` holds what the
 * line set so far; throws FreeBSD's messages (`advskew needs vhid`, `unknown state` ...).
 */
export function parseCarpWord(words: readonly string[], i: number, plan: { carp: CarpPlan | null }): number {
  const w = words[i]!
  const ARG_WORDS = [
    'vhid',
    'advbase',
    'advskew',
    'pass',
    'state',
    'peer',
    'peer6',
    'carpver',
    'vrrpprio',
    'vrrpinterval',
  ]
  if (!ARG_WORDS.includes(w) && w !== 'mcast' && w !== 'mcast6') return 0
  const val = words[i + 1]
  if (ARG_WORDS.includes(w) && val === undefined) throw new CmdError(`'${w}' requires argument`)
  if (w === 'vhid') {
    const vhid = atoi(val!)
    if (vhid <= 0 || vhid > CARP_MAXVHID)
      throw new CmdError(`vhid must be greater than 0 and less than ${CARP_MAXVHID}`)
    plan.carp = {
      vhid,
      advbase: -1,
      advskew: -1,
      state: -1,
      key: null,
      peer: 0,
      peer6: null,
      version: -1,
      vrrpPrio: -1,
      vrrpInter: -1,
    }
    return 2
  }
  const c = plan.carp
  if (c === null)
    throw new CmdError(`${w === 'pass' ? 'passwd' : w.startsWith('mcast') ? 'multicast' : w} needs vhid`)
  switch (w) {
    case 'advbase':
      c.advbase = atoi(val!)
      return 2
    case 'advskew':
      c.advskew = atoi(val!)
      return 2
    case 'pass':
      c.key = val!
      return 2
    case 'state': {
      const s = (STATES as readonly string[]).indexOf(val!.toUpperCase())
      if (s < 0) throw new CmdError('unknown state')
      c.state = s
      return 2
    }
    case 'peer': {
      const a = parseIpv4(val!)
      if (a === null) throw new CmdError(`Invalid IPv4 address ${val}`)
      c.peer = a
      return 2
    }
    case 'peer6': {
      const a = parseIpv6(val!)
      if (a === null) throw new CmdError(`Invalid IPv6 address ${val}`)
      c.peer6 = a
      return 2
    }
    case 'carpver': {
      const ver = atoi(val!)
      if (ver !== 2 && ver !== 3) throw new CmdError(`version ${val} is not supported`)
      c.version = ver
      return 2
    }
    case 'vrrpprio': {
      const prio = atoi(val!)
      if (prio < 0 || prio > 255) throw new CmdError('vrrpprio must be between 0 and 255')
      c.vrrpPrio = prio
      return 2
    }
    case 'vrrpinterval': {
      const inter = atoi(val!)
      if (inter <= 0 || inter > VRRP_MAX_INTERVAL)
        throw new CmdError(`vrrpinterval must be greater than 0 and less than ${VRRP_MAX_INTERVAL}`)
      c.vrrpInter = inter
      return 2
    }
    case 'mcast':
      c.peer = 0xe0000012
      return 1
    default:
      c.peer6 = Uint8Array.of(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12)
      return 1
  }
}

/**
 * setcarp_callback: the vhid's current settings (none yet is fine), what the line changes, one
 * SIOCSVH. Runs after the line's other changes and before its address.
 */
export function applyCarp(sys: Syscalls, name: string, c: CarpPlan): void {
  let cur: CarpVhidInfo | undefined
  try {
    cur = sys.carpGet(name, c.vhid)[0]
  } catch (e) {
    const err = asSysError(e)
    if (err.code !== 'ENOENT') throw new CmdError(sysMessage('SIOCGVH', err))
  }
  const req: CarpSetReq = {
    vhid: c.vhid,
    state: cur?.state ?? 0,
    advbase: cur?.advbase ?? 0,
    advskew: cur?.advskew ?? 0,
    key: cur?.key ?? new Uint8Array(CARP_KEY_LEN),
    peer: cur?.peer ?? 0,
    peer6: cur?.peer6 ?? null,
    version: c.version > -1 ? c.version : (cur?.version ?? 2),
    vrrpPrio: c.vrrpPrio > -1 ? c.vrrpPrio : (cur?.vrrpPrio ?? 0),
    vrrpAdvInter: c.vrrpInter > -1 ? c.vrrpInter : (cur?.vrrpAdvInter ?? 0),
  }
  if (c.key !== null) {
    // strlcpy into the 20-byte key: at most 19 characters and the NUL.
    const k = new Uint8Array(CARP_KEY_LEN)
    const bytes = utf8Encode(c.key).subarray(0, CARP_KEY_LEN - 1)
    k.set(bytes)
    req.key = k
  }
  if (c.advskew > -1) req.advskew = c.advskew
  if (c.advbase > -1) req.advbase = c.advbase
  if (c.state > -1) req.state = c.state
  if (c.peer !== 0) req.peer = c.peer
  if (c.peer6 !== null) req.peer6 = c.peer6
  try {
    sys.carpSet(name, req)
  } catch (e) {
    throw new CmdError(sysMessage('SIOCSVH', asSysError(e)))
  }
}

/**
 * carp_status: two lines per CARP vhid, the key only with -k (and only when the kernel showed it);
 * one `vrrp:` line per VRRPv3 vhid.
 */
export function carpStatusLines(vhids: readonly CarpVhidInfo[] | undefined, printKeys = false): string[] {
  const out: string[] = []
  for (const c of vhids ?? []) {
    if (c.version === 3) {
      const st = STATES[c.state] ?? '<UNKNOWN>'
      out.push(`\tvrrp: ${st} vrid ${c.vhid} prio ${c.vrrpPrio} interval ${c.vrrpAdvInter}`)
      continue
    }
    let line = `\tcarp: ${STATES[c.state] ?? '<UNKNOWN>'} vhid ${c.vhid} advbase ${c.advbase} advskew ${c.advskew}`
    if (printKeys && c.key[0] !== 0) {
      const end = c.key.indexOf(0)
      line += ` key "${utf8Decode(c.key.subarray(0, end < 0 ? c.key.length : end))}"`
    }
    out.push(line)
    out.push(`\t      peer ${formatIpv4(c.peer)} peer6 ${formatIpv6(c.peer6)}`)
  }
  return out
}
