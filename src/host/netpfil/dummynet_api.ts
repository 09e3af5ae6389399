/**
 * dummynet's kernel interface (the IP_DUMMYNET3 sockopt of ip_dummynet.c's ip_dn_ctl) behind the
 * ipfw raw socket: ipfw_api.ts has already checked the socket, the ipfw module and
 * PRIV_NETINET_DUMMYNET's twin PRIV_NETINET_IPFW; here the dummynet module must be loaded
 * (ENOPROTOOPT without it) and every request acts on the caller's own vnet.
 */

import type { Prison } from '../../jail/prison.js'
import { dummynet } from '../../stack/netpfil/ipfw/dummynet/dn_module.js'
import { SysError } from '../../util/errno.js'
import type { Host } from '../host.js'
import type { DnRequest, IpfwReply } from '../syscalls.js'

export function dnCtl(host: Host, pr: Prison, req: DnRequest): IpfwReply {
  if (!host.kld.loaded('dummynet')) throw new SysError('ENOPROTOOPT', 'dummynet')
  if (typeof req !== 'object' || req === null) throw new SysError('EINVAL', 'dummynet')
  const r = dummynet(pr.vnet).ctl(req)
  return r.objs === undefined ? {} : { dn: r.objs }
}
