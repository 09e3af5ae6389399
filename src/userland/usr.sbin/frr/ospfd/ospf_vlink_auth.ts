/**
 * ospfd's virtual-link authentication (RFC 2328 §15 and appendix D: a virtual link is an interface
 * of the backbone, with its own authentication): FRR's `area X virtual-link A.B.C.D authentication
 * [message-digest|null]`, `... authentication-key KEY` and `... message-digest-key N md5 KEY` with
 * their `no` forms and running-config lines, and the VLINKn interfaces' settings for OspfAuth —
 * the link's own type, else the backbone's `area 0 authentication`, as for any interface.
 *
 * Must not: touch the kernel or the engine's other state; only e.auth's entries of VLINK interfaces.
 */

import { parseIpv4 } from '../../../../wire/addr.js'
import type { CmdSpec, VtySession } from '../vty_cmds.js'
import { resolveAuth } from './ospf_auth.js'
import { type OspfConfig, type OspfVlink, parseAreaId } from './ospf_config.js'
import type { OspfEngine } from './ospf_engine.js'

const TYPES = { null: 0, simple: 1, 'message-digest': 2 } as const

/** Each virtual link's authentication, for its VLINKn interface (ospf_vlink.ts names them). */
export function setVlinkAuth(e: OspfEngine, c: OspfConfig, names: Set<string>): void {
  for (const i of e.ifs.values()) {
    if (i.vl === undefined) continue
    const v = c.vlinks.find((x) => x.area === i.vl!.transit && x.peer >>> 0 === i.vl!.peer >>> 0)
    if (v === undefined) continue
    names.add(i.name)
    const keys = (v.mdKeys ?? []).map((k) => ({ keyId: k.id, algo: 'md5' as const, key: k.key }))
    const t = v.auth === undefined ? null : TYPES[v.auth]
    e.auth.setIf(i.name, resolveAuth(t, e.auth.areas.get(0) ?? 0, v.authKey ?? '', keys))
  }
}

function link(s: VtySession, areaText: string, peer: string): OspfVlink {
  const id = parseAreaId(areaText)
  if (id === null) s.fail(`Invalid area ID: ${areaText}`)
  if (id === 0) s.fail('Configuring VLs over the backbone is not allowed')
  const rid = parseIpv4(peer)!
  const c = s.state.ospf
  let v = c.vlinks.find((x) => x.area === id && x.peer === rid)
  // FRR's command creates the link when it is not there yet.
  if (v === undefined) {
    v = { area: id, areaText, peer: rid }
    c.vlinks.push(v)
  }
  return v
}

function done(s: VtySession): void {
  s.ospf?.changed()
}

const VL = 'area WORD virtual-link A.B.C.D'

export const OSPF_VLINK_AUTH_COMMANDS: readonly CmdSpec[] = [
  ...(['', ' message-digest', ' null'] as const).map(
    (t): CmdSpec => ({
      nodes: ['ospf'],
      text: `${VL} authentication${t}`,
      proto: 'ospf',
      run(s, [a, p]) {
        link(s, a!, p!).auth = t === '' ? 'simple' : t === ' null' ? 'null' : 'message-digest'
        done(s)
      },
    }),
  ),
  ...(['', ' message-digest', ' null'] as const).map(
    (t): CmdSpec => ({
      nodes: ['ospf'],
      text: `no ${VL} authentication${t}`,
      proto: 'ospf',
      run(s, [a, p]) {
        delete link(s, a!, p!).auth
        done(s)
      },
    }),
  ),
  {
    nodes: ['ospf'],
    text: `${VL} authentication-key WORD`,
    proto: 'ospf',
    run(s, [a, p, k]) {
      // AuType 1's password is 8 bytes (RFC 2328 D.3), as for an interface.
      link(s, a!, p!).authKey = k!.slice(0, 8)
      done(s)
    },
  },
  {
    nodes: ['ospf'],
    text: `no ${VL} authentication-key WORD`,
    proto: 'ospf',
    run(s, [a, p]) {
      delete link(s, a!, p!).authKey
      done(s)
    },
  },
  {
    nodes: ['ospf'],
    text: `${VL} message-digest-key (1-255) md5 WORD`,
    proto: 'ospf',
    run(s, [a, p, id, k]) {
      const v = link(s, a!, p!)
      const keys = v.mdKeys ?? []
      if (keys.some((x) => x.id === Number(id))) s.fail(`OSPF: Key ${id} already exists`)
      keys.push({ id: Number(id), key: k!.slice(0, 16) })
      v.mdKeys = keys
      done(s)
    },
  },
  {
    nodes: ['ospf'],
    text: `no ${VL} message-digest-key (1-255) md5 WORD`,
    proto: 'ospf',
    run(s, [a, p, id]) {
      const v = link(s, a!, p!)
      const keys = v.mdKeys ?? []
      const at = keys.findIndex((x) => x.id === Number(id))
      if (at < 0) s.fail(`OSPF: Key ${id} does not exist`)
      keys.splice(at, 1)
      if (keys.length === 0) delete v.mdKeys
      done(s)
    },
  },
]
