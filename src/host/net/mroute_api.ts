/**
 * The multicast routing tables and counters behind KernelApi (net.inet.ip.viftable, mfctable and
 * mrtstat; net.inet6.ip6.mif6table, mf6ctable and mrt6stat): readable by anyone in the vnet, as
 * those sysctls are, and absent (ENOENT) while the ip_mroute (ip6_mroute) module is not loaded.
 *
 * Must not: change anything; the tables change only through the daemon's socket options.
 */

import { mrouteVnet } from '../../stack/netinet/ip_mroute/ip_mroute_var.js'
import { mroute6Vnet } from '../../stack/netinet6/ip6_mroute/ip6_mroute_var.js'
import { SysError } from '../../util/errno.js'
import type { Caller } from '../kern/caller.js'
import type { Mroute6Tables, MrouteTables } from '../sys/mroute.js'

export function mrouteTables(c: Caller): MrouteTables {
  if (!c.host.kld.loaded('ip_mroute')) throw new SysError('ENOENT', 'sysctl')
  const s = mrouteVnet(c.vnet)
  const vifs: MrouteTables['vifs'] = []
  s.vifs.forEach((x, vifi) => {
    if (x.lclAddr === 0) return
    vifs.push({
      vifi,
      flags: x.flags,
      threshold: x.threshold,
      lclAddr: x.lclAddr,
      rmtAddr: x.rmtAddr,
      ifName: x.ifp?.name ?? '',
      pktIn: x.pktIn,
      pktOut: x.pktOut,
      bytesIn: x.bytesIn,
      bytesOut: x.bytesOut,
    })
  })
  const mfc = s.entries().map((rt) => ({
    origin: rt.origin,
    group: rt.group,
    parent: rt.parent,
    pktCnt: rt.pktCnt,
    byteCnt: rt.byteCnt,
    wrongIf: rt.wrongIf,
    ttls: [...rt.ttls],
    pending: rt.stall.length > 0,
  }))
  return { vifs, mfc }
}

export function mroute6Tables(c: Caller): Mroute6Tables {
  if (!c.host.kld.loaded('ip6_mroute')) throw new SysError('ENOENT', 'sysctl')
  const s = mroute6Vnet(c.vnet)
  const mifs: Mroute6Tables['mifs'] = []
  s.mifs.forEach((m, mifi) => {
    if (m.ifp === null) return
    mifs.push({
      mifi,
      flags: m.flags,
      ifName: m.ifp.name,
      pktIn: m.pktIn,
      pktOut: m.pktOut,
      bytesIn: m.bytesIn,
      bytesOut: m.bytesOut,
    })
  })
  const mfc = s.entries().map((rt) => ({
    origin: rt.origin.slice(),
    group: rt.group.slice(),
    parent: rt.parent,
    pktCnt: rt.pktCnt,
    byteCnt: rt.byteCnt,
    wrongIf: rt.wrongIf,
    ifset: [...rt.ifset.keys()].filter((i) => rt.ifset[i] !== 0),
    waiting: rt.stall.length,
  }))
  return { mifs, mfc, stats: Object.entries(s.stats) as Array<[string, number]> }
}
