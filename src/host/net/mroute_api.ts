/**
 * The multicast routing tables and counters behind KernelApi (net.inet.ip.viftable, mfctable and
 * mrtstat): readable by anyone in the vnet, as those sysctls are, and absent (ENOENT) while the
 * ip_mroute module is not loaded.
 *
 * Must not: change anything; the tables change only through the daemon's socket options.
 */

import { mrouteVnet } from '../../stack/netinet/ip_mroute/ip_mroute_var.js'
import { SysError } from '../../util/errno.js'
import type { Caller } from '../kern/caller.js'
import type { MrouteTables } from '../sys/mroute.js'

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
