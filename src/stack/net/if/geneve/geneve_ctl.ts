/**
 * geneve(4)'s configuration (geneve_clone_modify_nl and its geneve_set_*_nl handlers): the
 * settings of one request are applied in FreeBSD's order, each checked before it changes anything,
 * and the first refusal stops the rest with FreeBSD's message (`geneve interface is busy.` for an end
 * point, port or df change while the interface runs or is externally controlled). What `ifconfig -v`
 * shows comes from `geneveInfo`.
 *
 * Control plane only.
 */

import { SysError } from '../../../../util/errno.js'
import { GENEVE_PROTO_ETHER, GENEVE_VNI_MAX } from '../../../../wire/inet/geneve.js'
import {
  GENEVE_DF,
  GENEVE_FTABLE_MAX,
  GENEVE_FTABLE_MAX_TIMEOUT,
  type GeneveAddr,
  type GeneveConfig,
  type GeneveSoftc,
} from './if_geneve.js'

/** One request's settings (IFLA_GENEVE_*); an absent field is not changed. */
export interface GeneveParams {
  vni?: number
  local?: GeneveAddr
  remote?: GeneveAddr
  localPort?: number
  remotePort?: number
  portRange?: readonly [number, number]
  df?: number
  ttl?: number
  ttlInherit?: boolean
  dscpInherit?: boolean
  external?: boolean
  learn?: boolean
  /** geneveflush / geneveflushall: both empty the learned table. */
  flush?: boolean
  ftableMax?: number
  ftableTimeout?: number
  mcIfname?: string
}

/** What the kernel reports (IFLA_GENEVE_* of geneve_clone_dump_nl). */
export interface GeneveInfo extends GeneveConfig {
  ftableCount: number
  ftableNospace: number
  running: boolean
}

const OP = 'RTM_NEWLINK'
const BUSY = 'geneve interface is busy.'

function busy(sc: GeneveSoftc): void {
  if (!sc.canChangeConfig()) throw new SysError('EBUSY', OP, BUSY)
}

function isMulticast(a: GeneveAddr): boolean {
  return a.af === 4 ? a.a4 >>> 28 === 0xe : a.af === 6 && a.a6[0] === 0xff
}

function copyAddr(a: GeneveAddr): GeneveAddr {
  return { af: a.af, a4: a.a4 >>> 0, a6: a.a6.slice(0, 16) }
}

function port(p: number, what: string): void {
  if (!Number.isInteger(p) || p <= 0 || p > 65535)
    throw new SysError('EINVAL', OP, `${what} port is invalid: ${p}`)
}

/** geneve_clone_modify_nl: apply p to sc in FreeBSD's order; throws SysError at the first refusal. */
export function geneveConfigure(sc: GeneveSoftc, p: GeneveParams): void {
  const c = sc.cfg
  if (p.vni !== undefined) {
    if (!Number.isInteger(p.vni) || p.vni < 0 || p.vni >= GENEVE_VNI_MAX)
      throw new SysError('EINVAL', OP, `geneve vni is invalid: ${p.vni >>> 0}`)
    busy(sc)
    c.vni = p.vni
  }
  if (p.local !== undefined) {
    if (p.local.af === 0 || isMulticast(p.local))
      throw new SysError('EINVAL', OP, 'local address is invalid.')
    busy(sc)
    c.local = copyAddr(p.local)
  }
  if (p.remote !== undefined) {
    if (p.remote.af === 0) throw new SysError('EAFNOSUPPORT', OP, 'address family is not supported.')
    busy(sc)
    c.remote = copyAddr(p.remote)
    sc.setHdrlen()
  }
  if (p.localPort !== undefined) {
    port(p.localPort, 'local')
    busy(sc)
    c.localPort = p.localPort
  }
  if (p.remotePort !== undefined) {
    port(p.remotePort, 'remote')
    busy(sc)
    c.remotePort = p.remotePort
  }
  if (p.portRange !== undefined) {
    const [lo, hi] = p.portRange
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo > 0 && hi <= 65535 && hi >= lo))
      throw new SysError('EINVAL', OP, `port range is invalid: ${lo}-${hi}`)
    busy(sc)
    c.portMin = lo
    c.portMax = hi
  }
  if (p.df !== undefined) {
    if (p.df !== GENEVE_DF.UNSET && p.df !== GENEVE_DF.SET && p.df !== GENEVE_DF.INHERIT)
      throw new SysError('EINVAL', OP)
    busy(sc)
    c.df = p.df
  }
  if (p.ttl !== undefined) {
    if (!Number.isInteger(p.ttl) || p.ttl < 0 || p.ttl > 255) throw new SysError('EINVAL', OP)
    c.ttl = p.ttl
  }
  if (p.ttlInherit !== undefined) c.ttlInherit = p.ttlInherit
  if (p.dscpInherit !== undefined) c.dscpInherit = p.dscpInherit
  if (p.external !== undefined) c.external = p.external
  if (p.learn !== undefined) c.learn = p.learn
  if (p.flush !== undefined) sc.flush()
  if (p.ftableMax !== undefined) {
    if (!Number.isInteger(p.ftableMax) || p.ftableMax < 0 || p.ftableMax > GENEVE_FTABLE_MAX)
      throw new SysError(
        'EINVAL',
        OP,
        `maximum number of entries in the table can not be more than ${GENEVE_FTABLE_MAX}`,
      )
    c.ftableMax = p.ftableMax
    sc.table.max = p.ftableMax
  }
  if (p.ftableTimeout !== undefined) {
    if (
      !Number.isInteger(p.ftableTimeout) ||
      p.ftableTimeout < 0 ||
      p.ftableTimeout > GENEVE_FTABLE_MAX_TIMEOUT
    )
      throw new SysError(
        'EINVAL',
        OP,
        `maximum timeout for stale entries in the table can not be more than ${GENEVE_FTABLE_MAX_TIMEOUT}`,
      )
    sc.setFtableTimeout(p.ftableTimeout)
  }
  if (p.mcIfname !== undefined) {
    if (p.mcIfname.length >= 16) throw new SysError('EINVAL', OP)
    busy(sc)
    c.mcIfname = p.mcIfname
  }
}

/** geneve_clone_dump_nl's view of sc (copies: the caller may keep it). */
export function geneveInfo(sc: GeneveSoftc): GeneveInfo {
  const c = sc.cfg
  return {
    ...c,
    local: copyAddr(c.local),
    remote: copyAddr(c.remote),
    ftableCount: c.proto === GENEVE_PROTO_ETHER ? sc.table.size : 0,
    ftableNospace: sc.ftableNospace,
    running: sc.running,
  }
}
