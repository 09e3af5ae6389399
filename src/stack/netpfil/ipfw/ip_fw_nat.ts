/**
 * ipfw's NAT (FreeBSD's sys/netpfil/ipfw/ip_fw_nat.c): one vnet's NAT instances, each a libalias
 * with its configuration and redirects, kept with the vnet's rule chain as FreeBSD keeps them
 * (chain->nat); the configuration operations of the IP_FW_NAT44_* sockopts; ipfw_nat, which a
 * `nat N` rule calls to translate the packet in place (LibAliasIn on input, LibAliasOut on output)
 * and which drops what libalias refuses; and the address listener that makes `if IF` instances
 * follow their interface's address.
 *
 * Control operations validate everything before changing anything and throw SysError. The packet
 * path never throws and allocates nothing; it must not free or queue the packet (ip_fw_pfil.ts does).
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { SEC } from '../../../util/clock.js'
import { SysError } from '../../../util/errno.js'
import { IpProto } from '../../../wire/inet/ipv4.js'
import type { IfAddr } from '../../net/ifnet.js'
import { PFIL_IN } from '../../net/pfil.js'
import { Slot, type Vnet } from '../../net/vnet.js'
import { LibAlias, MODE, PKT_ALIAS } from '../../netinet/libalias/alias.js'
import type { IpfwChain } from './ip_fw_chain.js'
import { NAT_GLOBAL, type NatCfg, type NatRedirCfg, REDIR } from './ip_fw_nat_cfg.js'

/** Links one instance may hold; beyond it new flows are refused and counted (libalias has no bound). */
export const NAT_LINKS_MAX = 65536

/** What ipfw_nat did with the packet. */
export const NAT_PASS = 0
export const NAT_DENY = 1

/** One `ipfw nat N` instance (struct cfg_nat). */
export class NatInstance {
  cfg: NatCfg
  readonly lib: LibAlias
  /** The permanent links of each redirect, by redirect (cfg_redir->alink). */
  redirLinks: number[][] = []
  /** Packets ipfw_nat dropped because libalias refused them. */
  denied = 0

  constructor(cfg: NatCfg, lib: LibAlias) {
    this.cfg = cfg
    this.lib = lib
  }
}

/** A vnet's NAT instances (chain->nat). */
export class IpfwNat {
  /** Instances, newest first as FreeBSD's list (ipfw sorts them for display). */
  readonly list: NatInstance[] = []

  find(id: number): NatInstance | undefined {
    const l = this.list
    for (let k = 0; k < l.length; k++) if (l[k]!.cfg.id === id) return l[k]
    return undefined
  }
}

function checkCfg(c: NatCfg): NatCfg {
  const bad = (): never => {
    throw new SysError('EINVAL', 'ipfw')
  }
  const int = (n: unknown, lo: number, hi: number) =>
    typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi
  if (typeof c !== 'object' || c === null) bad()
  if (!int(c.id, 1, 0x7fffffff) || !int(c.ip, 0, 0xffffffff) || !int(c.mode, 0, 0xffff)) bad()
  if (typeof c.ifName !== 'string' || c.ifName.length > 15) bad()
  if (!int(c.portLo, 0, 0xffff) || !int(c.portHi, 0, 0xffff) || (c.portLo !== 0 && c.portLo > c.portHi)) bad()
  if (!Array.isArray(c.redirs) || c.redirs.length > 1024) bad()
  const redirs: NatRedirCfg[] = []
  for (const r of c.redirs) {
    if (typeof r !== 'object' || r === null) bad()
    if (r.mode !== REDIR.ADDR && r.mode !== REDIR.PORT && r.mode !== REDIR.PROTO) bad()
    for (const a of [r.laddr, r.paddr, r.raddr]) if (!int(a, 0, 0xffffffff)) bad()
    for (const p of [r.lport, r.pport, r.rport]) if (!int(p, 0, 0xffff)) bad()
    if (!int(r.proto, 0, 255) || !int(r.pportCnt, 0, 0xffff) || !int(r.rportCnt, 0, 0xffff)) bad()
    if (r.mode === REDIR.PORT) {
      if (r.proto !== IpProto.TCP && r.proto !== IpProto.UDP) bad()
      if (r.pportCnt < 1 || r.lport + r.pportCnt > 0x10000 || r.pport + r.pportCnt > 0x10000) bad()
      if (!(r.rportCnt === r.pportCnt || (r.rportCnt === 1 && r.rport === 0))) bad()
      if (r.rport + r.rportCnt > 0x10000) bad()
    }
    redirs.push({ ...r })
  }
  return {
    id: c.id,
    ip: c.ip >>> 0,
    ifName: c.ifName,
    mode: c.mode,
    portLo: c.portLo,
    portHi: c.portHi,
    redirs,
  }
}

function copyCfg(c: NatCfg): NatCfg {
  return { ...c, redirs: c.redirs.map((r) => ({ ...r })) }
}

function nowSec(v: Vnet): number {
  return Math.floor(v.env.clock.now() / SEC)
}

/** The redirects' permanent links (add_redir_spool_cfg); on failure, those made so far go and EINVAL. */
function addRedirs(v: Vnet, t: NatInstance): void {
  const lib = t.lib
  const now = nowSec(v)
  const made: number[][] = []
  const undo = (): never => {
    for (const ls of made) for (const i of ls) lib.redirectDelete(i)
    throw new SysError('EINVAL', 'ipfw')
  }
  for (const r of t.cfg.redirs) {
    const ls: number[] = []
    made.push(ls)
    if (r.mode === REDIR.ADDR) ls.push(lib.redirectAddr(r.laddr, r.paddr, now))
    else if (r.mode === REDIR.PROTO) ls.push(lib.redirectProto(r.laddr, r.raddr, r.paddr, r.proto, now))
    else
      for (let k = 0; k < r.pportCnt; k++) {
        // A remote port of 0 (rport_cnt 1) means any remote port.
        const rport = r.rportCnt === 1 && r.rport === 0 ? 0 : r.rport + k
        ls.push(lib.redirectPort(r.laddr, r.lport + k, r.raddr, rport, r.paddr, r.pport + k, r.proto, now))
      }
    if (ls.some((i) => i < 0)) undo()
  }
  t.redirLinks = made
}

/** nat44_config: create or reconfigure instance cfg.id; its dynamic links survive a reconfiguration. */
export function natConfig(v: Vnet, ch: IpfwChain, cfg: NatCfg): void {
  const c = checkCfg(cfg)
  const nat = (ch.nat ??= new IpfwNat())
  let t = nat.find(c.id)
  const fresh = t === undefined
  if (t === undefined)
    t = new NatInstance(c, new LibAlias(v.env.rng.stream(`ipfw_nat:${v.id}:${c.id}`), NAT_LINKS_MAX))
  const old = fresh ? null : { cfg: t.cfg, links: t.redirLinks }
  // Old redirects go first (del_redir_spool_cfg), so the new ones may take their ports.
  if (old !== null) for (const ls of old.links) for (const i of ls) t.lib.redirectDelete(i)
  t.cfg = c
  t.lib.setMode(c.mode)
  t.lib.setAddress(c.ip)
  t.lib.setPortRange(c.portLo, c.portHi)
  try {
    addRedirs(v, t)
  } catch (e) {
    if (old !== null) {
      // Put the instance back as it was.
      t.cfg = old.cfg
      t.lib.setMode(old.cfg.mode)
      t.lib.setAddress(old.cfg.ip)
      t.lib.setPortRange(old.cfg.portLo, old.cfg.portHi)
      addRedirs(v, t)
    }
    throw e
  }
  if (fresh) nat.list.unshift(t)
}

/** ipfw_nat_del (IP_FW_NAT_DEL, what `ipfw nat N delete` uses): EINVAL when there is no such instance. */
export function natDestroy(ch: IpfwChain, id: number): void {
  const nat = ch.nat
  const t = nat?.find(id)
  if (nat === null || t === undefined) throw new SysError('EINVAL', 'ipfw')
  t.lib.db.cleanup(true)
  nat.list.splice(nat.list.indexOf(t), 1)
}

/** nat44_get_cfg. */
export function natGet(ch: IpfwChain, id: number): NatCfg {
  const t = ch.nat?.find(id)
  if (t === undefined) throw new SysError('ESRCH', 'ipfw')
  return copyCfg(t.cfg)
}

/** nat44_list_nat. */
export function natList(ch: IpfwChain): NatCfg[] {
  return (ch.nat?.list ?? []).map((t) => copyCfg(t.cfg))
}

/** nat44_get_log: the statistics line; ENOENT without `log`. Expired links are gone first. */
export function natLog(v: Vnet, ch: IpfwChain, id: number): string {
  const t = ch.nat?.find(id)
  if (t === undefined) throw new SysError('ESRCH', 'ipfw')
  if (t.lib.logDesc === null) throw new SysError('ENOENT', 'ipfw')
  t.lib.db.expireAll(nowSec(v))
  return t.lib.logDesc
}

/**
 * ipfw_nat: translate m (which starts at its IPv4 header) with instance `id`, in place, at host time
 * nowNs. NAT_DENY
 * when the instance is missing, libalias fails, or an incoming packet is an unplaceable fragment
 * or unsolicited under deny_in; the caller drops it then.
 */
export function ipfwNat(ch: IpfwChain, m: Mbuf, dir: number, id: number, nowNs: number): number {
  const nat = ch.nat
  if (nat === null) return NAT_DENY
  // libalias keeps time in whole seconds (LibAliasTime); the caller's clock reading serves.
  const now = Math.floor(nowNs / SEC)
  // A deferred TCP checksum is finished after translation, from the rewritten header.
  const deferred = m.csumL4
  if (id === NAT_GLOBAL) {
    // The first instance that knows the flow translates it; nothing new is created.
    if (dir === PFIL_IN) return NAT_PASS
    const l = nat.list
    for (let k = 0; k < l.length; k++) {
      const lib = l[k]!.lib
      if ((lib.mode & MODE.SKIP_GLOBAL) !== 0) continue
      if (lib.out(m.data, m.off, m.len, now, false, deferred) === PKT_ALIAS.OK) break
    }
    return NAT_PASS
  }
  const t = nat.find(id)
  if (t === undefined) return NAT_DENY
  const lib = t.lib
  let r: number
  if (dir === PFIL_IN) {
    r = lib.in(m.data, m.off, m.len, now, deferred)
    if (
      r === PKT_ALIAS.UNRESOLVED_FRAGMENT ||
      (r === PKT_ALIAS.IGNORED && (lib.mode & MODE.DENY_INCOMING) !== 0)
    ) {
      t.denied++
      return NAT_DENY
    }
  } else r = lib.out(m.data, m.off, m.len, now, true, deferred)
  if (r === PKT_ALIAS.ERROR) {
    t.denied++
    return NAT_DENY
  }
  return NAT_PASS
}

/**
 * ifaddr_change: an address came to or left an interface; every instance configured with `if IF`
 * for it takes the interface's IPv4 addresses in turn, ending with the last (as FreeBSD's loop does).
 */
export function natIfaddrChange(ifa: IfAddr, _added: boolean): void {
  const ifp = ifa.ifp
  const ch = ifp.vnet.slots[Slot.IPFW] as IpfwChain | undefined
  const nat = ch?.nat
  if (nat === null || nat === undefined) return
  for (const t of nat.list) {
    if (t.cfg.ifName !== ifp.name) continue
    for (const a of ifp.addrs) {
      t.cfg.ip = a.addr
      t.lib.setAddress(a.addr)
    }
  }
}
