/**
 * Jail lifecycle (jail_set / jail_remove): parameter parsing and validation, nesting limits, vnet
 * creation, `vnet.interface`, and removal that takes children, processes and the vnet with it.
 * Everything is validated before the first change, so a failed call changes nothing.
 */

import { Prison } from '../../jail/prison.js'
import { type Cred, Priv, privCheck } from '../../jail/priv.js'
import { ifMove } from '../../stack/net/ifnet.js'
import { SysError } from '../../util/errno.js'
import { formatIpv4, parseIpv4 } from '../../wire/addr.js'
import { formatIpv6, in6Eq, in6IsUnspecified, parseIpv6 } from '../../wire/inet6/in6_addr.js'
import type { Host } from '../host.js'
import type { JailInfo } from '../syscalls.js'

export type JailParams = ReadonlyArray<readonly [string, string | true]>

const SIGKILL = 9

/** A jail's name (the full one, from prison0) and hostname fit in MAXHOSTNAMELEN with their NUL. */
const MAXHOSTNAMELEN = 256

interface ParsedParams {
  name?: string
  vnet?: boolean
  persist?: boolean
  childrenMax?: number
  hostname?: string
  path?: string
  interfaces: string[]
  allowRawSockets?: boolean
  allowSetHostname?: boolean
  ip4?: number[]
  /** `ip6=new|inherit|disable` (ip6.addr implies new). */
  ip6Mode?: 'new' | 'inherit' | 'disable'
  ip6?: Uint8Array[]
  ip6Saddrsel?: boolean
}

const BOOL = (v: string | true, name: string): boolean => {
  if (v === true || v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw new SysError('EINVAL', 'jail_set', `${name}: invalid boolean value '${v}'`)
}

function parseParams(params: JailParams): ParsedParams {
  const p: ParsedParams = { interfaces: [] }
  for (const [k, v] of params) {
    const s = v === true ? '' : v
    switch (k) {
      case 'name':
        if (v === true || s === '' || /^\d+$/.test(s) || /\s/.test(s))
          throw new SysError('EINVAL', 'jail_set', `invalid jail name '${s}'`)
        if (s.length >= MAXHOSTNAMELEN) throw new SysError('ENAMETOOLONG', 'jail_set')
        p.name = s
        break
      case 'vnet':
        if (v === true || s === 'new') p.vnet = true
        else if (s === 'inherit') p.vnet = false
        else throw new SysError('EINVAL', 'jail_set', `vnet: invalid value '${s}'`)
        break
      case 'novnet':
        p.vnet = false
        break
      case 'persist':
        p.persist = BOOL(v, k)
        break
      case 'nopersist':
        p.persist = false
        break
      case 'children.max': {
        const n = Number(s)
        if (v === true || !/^\d+$/.test(s) || n > 999999)
          throw new SysError('EINVAL', 'jail_set', `children.max: invalid value '${s}'`)
        p.childrenMax = n
        break
      }
      case 'host.hostname':
        if (v === true) throw new SysError('EINVAL', 'jail_set', 'host.hostname: invalid value')
        if (s.length >= MAXHOSTNAMELEN) throw new SysError('ENAMETOOLONG', 'jail_set')
        p.hostname = s
        break
      case 'path':
        p.path = s
        break
      case 'vnet.interface':
        if (v === true || s === '') throw new SysError('EINVAL', 'jail_set', 'vnet.interface: missing value')
        p.interfaces.push(s)
        break
      case 'allow.raw_sockets':
        p.allowRawSockets = BOOL(v, k)
        break
      case 'allow.noraw_sockets':
        p.allowRawSockets = false
        break
      case 'allow.set_hostname':
        p.allowSetHostname = BOOL(v, k)
        break
      case 'allow.noset_hostname':
        p.allowSetHostname = false
        break
      case 'ip4.addr': {
        const addrs = s === '' ? [] : s.split(',').map((a) => parseIpv4(a.trim().replace(/\/\d+$/, '')))
        if (addrs.some((a) => a === null))
          throw new SysError('EINVAL', 'jail_set', `ip4.addr: invalid address '${s}'`)
        p.ip4 = addrs as number[]
        break
      }
      case 'ip6':
        if (s !== 'new' && s !== 'inherit' && s !== 'disable')
          throw new SysError('EINVAL', 'jail_set', `ip6: invalid value '${s}'`)
        p.ip6Mode = s
        break
      case 'ip6.addr':
        p.ip6 = parseIp6List(s)
        break
      case 'ip6.saddrsel':
        p.ip6Saddrsel = BOOL(v, k)
        break
      case 'ip6.nosaddrsel':
        p.ip6Saddrsel = false
        break
      case 'command':
      case 'exec.start':
        throw new SysError('EINVAL', 'jail_set', `${k}: not supported; use jexec`)
      default:
        throw new SysError('ENOENT', 'jail_set', `unknown parameter: ${k}`)
    }
  }
  return p
}

/**
 * ip6.addr: addresses (a /prefix is ignored, as jail(8) passes only the address), the first kept as
 * the primary and the rest sorted (kern_jail_set); the unspecified address or a repeat is EINVAL.
 */
function parseIp6List(s: string): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const part of s === '' ? [] : s.split(',')) {
    const a = parseIpv6(part.trim().replace(/\/\d+$/, ''))
    if (a === null || in6IsUnspecified(a, 0))
      throw new SysError('EINVAL', 'jail_set', `ip6.addr: invalid address '${part.trim()}'`)
    if (out.some((b) => in6Eq(a, 0, b, 0)))
      throw new SysError('EINVAL', 'jail_set', `ip6.addr: ${formatIpv6(a)} listed twice`)
    out.push(a)
  }
  const rest = out.slice(1).sort((a, b) => {
    for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
    return 0
  })
  return out.length === 0 ? [] : [out[0]!, ...rest]
}

/**
 * The ip6.addr a jail gets from its parameters (kern_jail_set for a jail sharing its parent's stack):
 * ip6.addr or ip6=new its own list; ip6=inherit its parent's restriction (none from an unrestricted
 * parent); nothing said, IPv6 disabled. Under a restricted parent every address must be the
 * parent's (EPERM). `undefined`: nothing to change (a modify without IPv6 parameters).
 */
function ip6For(parent: Prison, p: ParsedParams, creating: boolean): Uint8Array[] | null | undefined {
  const pl = parent.ownsVnet ? null : parent.ip6
  if (p.ip6 !== undefined && (p.ip6Mode === 'inherit' || p.ip6Mode === 'disable'))
    throw new SysError('EINVAL', 'jail_set', `ip6.addr: not allowed with ip6=${p.ip6Mode}`)
  if (p.ip6Mode === 'inherit') return pl === null ? null : pl.map((a) => a.slice())
  if (p.ip6Mode === 'disable') return []
  if (p.ip6 === undefined) return p.ip6Mode === 'new' || creating ? [] : undefined
  if (pl !== null) {
    const stray = p.ip6.find((a) => !pl.some((b) => in6Eq(a, 0, b, 0)))
    if (stray !== undefined)
      throw new SysError(
        'EPERM',
        'jail_set',
        `ip6.addr: ${formatIpv6(stray)} is not an address of the parent jail`,
      )
  }
  return p.ip6
}

/**
 * A jail cannot give its child an allow.* it lacks itself, at creation or later (kern_jail.c:
 * `pr_allow & ~ppr->pr_allow` → EPERM). A vnet jail's root may open raw sockets in its own stack, so
 * it may pass that on to a child sharing it.
 */
function checkAllows(parent: Prison, p: ParsedParams): void {
  if (parent.parent === null) return
  if (p.allowRawSockets && !parent.allowRawSockets && !parent.ownsVnet)
    throw new SysError('EPERM', 'jail_set', 'allow.raw_sockets: not allowed in the parent jail')
  if (p.allowSetHostname && !parent.allowSetHostname)
    throw new SysError('EPERM', 'jail_set', 'allow.set_hostname: not allowed in the parent jail')
  // A parent restricted to some addresses of a shared stack can only pass on a subset of them.
  if (!parent.ownsVnet && parent.ip4.length > 0 && p.ip4 !== undefined) {
    const stray = p.ip4.find((a) => !parent.ip4.includes(a))
    if (stray !== undefined)
      throw new SysError(
        'EPERM',
        'jail_set',
        `ip4.addr: ${formatIpv4(stray)} is not an address of the parent jail`,
      )
  }
}

/** The jail `name` as `viewer` sees it, or ENOENT. */
export function lookupJail(viewer: Prison, name: string): Prison {
  const p = viewer.findDescendant(name)
  if (p === undefined || p.dying) throw new SysError('ENOENT', 'jail_get', `jail "${name}" not found`)
  return p
}

export function jailCreate(host: Host, cred: Cred, params: JailParams): Prison {
  privCheck(cred, Priv.JAIL_SET, 'jail_set')
  const p = parseParams(params)
  if (p.name === undefined) throw new SysError('EINVAL', 'jail_set', 'missing name parameter')
  const dot = p.name.lastIndexOf('.')
  const parent = dot < 0 ? cred.prison : lookupJail(cred.prison, p.name.slice(0, dot))
  const short = p.name.slice(dot + 1)
  if (short === '') throw new SysError('EINVAL', 'jail_set', `invalid jail name '${p.name}'`)
  if (parent.child(short) !== undefined)
    throw new SysError('EEXIST', 'jail_set', `jail "${p.name}" already exists`)
  const fullName = parent === host.prison0 ? short : `${parent.nameFrom(host.prison0)}.${short}`
  if (fullName.length >= MAXHOSTNAMELEN) throw new SysError('ENAMETOOLONG', 'jail_set')
  // children.max bounds all descendants, not just direct children, at every level up (FreeBSD's
  // pr_childcount / pr_childmax in kern_jail.c); prison0's JAIL_MAX is checked on its children alone.
  for (let anc: Prison | null = parent; anc !== null; anc = anc.parent) {
    const cur = anc.parent === null ? anc.childCount : anc.descendantCount
    if (cur >= anc.childrenMax)
      throw new SysError(
        'EPERM',
        'jail_set',
        `${anc === host.prison0 ? 'prison0' : anc.nameFrom(host.prison0)}: children.max exceeded`,
      )
  }
  // A jail cannot hand its child more nesting room than it has itself.
  if (parent.parent !== null && p.childrenMax !== undefined && p.childrenMax > parent.childrenMax - 1)
    throw new SysError('EPERM', 'jail_set', 'children.max: exceeds the parent jail limit')
  checkAllows(parent, p)
  const vnetNew = p.vnet ?? false
  if (vnetNew && (p.ip6 !== undefined || p.ip6Mode !== undefined))
    throw new SysError('EINVAL', 'jail_set', 'vnet jails cannot have IP address restrictions')
  const ip6 = vnetNew ? null : ip6For(parent, p, true)
  if (!vnetNew && p.interfaces.length > 0)
    throw new SysError('EINVAL', 'jail_set', 'vnet.interface requires vnet')
  const moving = p.interfaces.map((name) => {
    const ifp = parent.vnet.ifByName(name)
    if (ifp === undefined)
      throw new SysError('ENXIO', 'jail_set', `vnet.interface: ${name}: interface not found`)
    return ifp
  })
  if (new Set(p.interfaces).size !== p.interfaces.length)
    throw new SysError('EINVAL', 'jail_set', 'vnet.interface: interface listed twice')
  if (moving.length > 0) privCheck(cred, Priv.NET_SETIFVNET, 'jail_set')

  const jid = host.allocJid()
  const vnet = vnetNew ? host.createVnet(fullName) : parent.vnet
  // A new stack may hold no more routes than its parent's does allow (net.route.max_routes).
  if (vnetNew) vnet.routes.limitFrom(parent.vnet.routes)
  const pr = new Prison(jid, short, parent, vnet, vnetNew, p.hostname ?? parent.hostname)
  pr.persist = p.persist ?? false
  pr.childrenMax = p.childrenMax ?? 0
  pr.path = p.path ?? '/'
  pr.allowRawSockets = p.allowRawSockets ?? false
  pr.allowSetHostname = p.allowSetHostname ?? false
  pr.ip4 = p.ip4 ?? []
  pr.cpusetId = host.cpusets.allocAny()
  pr.ip6 = ip6 ?? null
  pr.ip6Saddrsel = p.ip6Saddrsel ?? true
  parent.addChild(pr)
  for (const ifp of moving) ifMove(ifp, vnet)
  if (!pr.persist) reapIfIdle(host, pr)
  return pr
}

export function jailModify(host: Host, cred: Cred, name: string, params: JailParams): Prison {
  privCheck(cred, Priv.JAIL_SET, 'jail_set')
  const pr = lookupJail(cred.prison, name)
  const p = parseParams(params.filter(([k]) => k !== 'name'))
  if (p.vnet !== undefined && p.vnet !== pr.ownsVnet)
    throw new SysError('EINVAL', 'jail_set', 'vnet cannot be changed after creation')
  if (p.interfaces.length > 0)
    throw new SysError('EINVAL', 'jail_set', 'vnet.interface: use ifconfig IF vnet JAIL')
  if (p.ip6Mode !== undefined)
    throw new SysError('EINVAL', 'jail_set', 'ip6 cannot be changed after creation')
  if (pr.ownsVnet && p.ip6 !== undefined)
    throw new SysError('EINVAL', 'jail_set', 'vnet jails cannot have IP address restrictions')
  const parent = pr.parent!
  if (parent.parent !== null && p.childrenMax !== undefined && p.childrenMax > parent.childrenMax - 1)
    throw new SysError('EPERM', 'jail_set', 'children.max: exceeds the parent jail limit')
  checkAllows(parent, p)
  const ip6 = pr.ownsVnet ? undefined : ip6For(parent, p, false)
  if (p.persist !== undefined) pr.persist = p.persist
  if (p.childrenMax !== undefined) pr.childrenMax = p.childrenMax
  if (p.hostname !== undefined) pr.hostname = p.hostname
  if (p.path !== undefined) pr.path = p.path
  if (p.allowRawSockets !== undefined) pr.allowRawSockets = p.allowRawSockets
  if (p.allowSetHostname !== undefined) pr.allowSetHostname = p.allowSetHostname
  if (p.ip4 !== undefined) pr.ip4 = p.ip4
  if (ip6 !== undefined) pr.ip6 = ip6
  if (p.ip6Saddrsel !== undefined) pr.ip6Saddrsel = p.ip6Saddrsel
  if (!pr.persist) reapIfIdle(host, pr)
  return pr
}

/** Remove pr and all its descendants: kill their processes, destroy their vnets (children first). */
export function jailRemove(host: Host, pr: Prison): void {
  if (pr.dying) return
  pr.dying = true
  for (const c of pr.children) jailRemove(host, c)
  for (const p of [...pr.procs.values()]) p.kill(SIGKILL)
  // Processes that end later (in-shell jobs unwinding) no longer count: their jail is gone.
  for (const pid of pr.procs.keys()) host.racct.procExit(pid)
  pr.procs.clear()
  if (pr.ownsVnet) host.destroyVnet(pr.vnet)
  host.cpusets.free(pr.cpusetId)
  const parent = pr.parent!
  parent.removeChild(pr)
}

/** A non-persistent jail dies with its last process and child (FreeBSD's prison_deref). */
export function reapIfIdle(host: Host, pr: Prison): void {
  if (!pr.persist && !pr.dying && pr.procs.size === 0 && pr.childCount === 0 && pr.parent !== null) {
    const parent = pr.parent
    jailRemove(host, pr)
    reapIfIdle(host, parent)
  }
}

/** The `ip6` jailsys parameter as jls reports it: new (a list), disable (none) or inherit. */
function ip6Mode(pr: Prison): string {
  if (pr.ownsVnet || pr.ip6 === null) return 'inherit'
  return pr.ip6.length > 0 ? 'new' : 'disable'
}

export function jailInfo(pr: Prison, viewer: Prison): JailInfo {
  const parentJid = pr.parent === viewer || pr.parent === null ? 0 : pr.parent.jid
  const vnet = pr.ownsVnet
  const params: Array<readonly [string, string]> = [
    ['jid', String(pr.jid)],
    ['name', pr.nameFrom(viewer)],
    ['path', pr.path],
    ['host.hostname', pr.hostname],
    ['vnet', vnet ? 'new' : 'inherit'],
    [pr.persist ? 'persist' : 'nopersist', ''],
    ['children.max', String(pr.childrenMax)],
    ['children.cur', String(pr.descendantCount)],
    ['parent', String(parentJid)],
    [pr.allowRawSockets ? 'allow.raw_sockets' : 'allow.noraw_sockets', ''],
    [pr.allowSetHostname ? 'allow.set_hostname' : 'allow.noset_hostname', ''],
    ['ip4.addr', pr.ip4.map(formatIpv4).join(',')],
    ['cpuset.id', String(pr.cpusetId)],
    ['ip6', ip6Mode(pr)],
    ['ip6.addr', (pr.ip6 ?? []).map((a) => formatIpv6(a)).join(',')],
    [pr.ip6Saddrsel ? 'ip6.saddrsel' : 'ip6.nosaddrsel', ''],
    ['enforce_statfs', '2'],
    ['securelevel', '-1'],
    ['devfs_ruleset', '0'],
  ]
  return {
    jid: pr.jid,
    name: pr.nameFrom(viewer),
    hostname: pr.hostname,
    path: pr.path,
    vnet,
    persist: pr.persist,
    childrenMax: pr.childrenMax,
    childrenCur: pr.descendantCount,
    parent: parentJid,
    ip4: [...pr.ip4],
    ip6: (pr.ip6 ?? []).map((a) => a.slice()),
    params,
  }
}
