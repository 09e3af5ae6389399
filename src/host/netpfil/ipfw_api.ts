/**
 * ipfw(8)'s kernel interface (the IP_FW3 sockopts of a raw socket, ip_fw_sockopt.c) behind
 * KernelApi: ipfw opens a raw socket first (PRIV_NETINET_RAW), the sockopts then need the module
 * (ENOPROTOOPT without it) and PRIV_NETINET_IPFW, which a vnet jail's root holds for its own stack
 * and a jail sharing its parent's stack does not. Every request acts on the caller's vnet only.
 */

import type { Prison } from '../../jail/prison.js'
import { type Cred, Priv, privCheck } from '../../jail/priv.js'
import { ipfw } from '../../stack/netpfil/ipfw/ip_fw_chain.js'
import { SysError } from '../../util/errno.js'
import type { Host } from '../host.js'
import type { IpfwReply, IpfwRequest } from '../syscalls.js'
import { dnCtl } from './dummynet_api.js'
import { isNatRequest, natCtl, natRuleCheck } from './ipfw_nat_api.js'
import { ipfwTableCtl } from './ipfw_table_api.js'

export function ipfwCtl(host: Host, cred: Cred, req: IpfwRequest): IpfwReply {
  const pr: Prison = cred.prison
  if (pr.dying) throw new SysError('ESRCH', 'jail')
  // socket(AF_INET, SOCK_RAW, IPPROTO_RAW).
  if (!(cred.uid === 0 && (pr.parent === null || pr.ownsVnet || pr.allowRawSockets)))
    throw new SysError('EPERM', 'socket')
  if (!host.kld.loaded('ipfw')) throw new SysError('ENOPROTOOPT', req.op)
  privCheck(cred, Priv.NETINET_IPFW, req.op)
  const ch = ipfw(pr.vnet)
  const now = host.clock.now()
  if (isNatRequest(req)) return natCtl(host, pr.vnet, ch, req)
  switch (req.op) {
    case 'add':
      natRuleCheck(host, req.rules)
      return { rules: ch.add(req.rules) }
    case 'delete':
      return {
        count: req.set >= 0 && req.lo < 0 ? ch.deleteSet(req.set) : ch.delete(req.lo, req.hi, req.set),
      }
    case 'zero':
      return { count: ch.zero(req.lo, req.hi) }
    case 'resetlog':
      return { count: ch.log.reset(ch.rules, req.lo, req.hi) }
    case 'flush':
      ch.flush()
      return {}
    case 'list':
      return {
        rules: ch.list(),
        dyn: ch.limits.dynInfo(ch.dyn, now),
        disabledSets: ch.disabledSets,
      }
    case 'set-enable':
      ch.setEnable(req.enable, true)
      ch.setEnable(req.disable, false)
      return {}
    case 'set-move':
      ch.setMove(req.from, req.to, req.rule, req.swap)
      return {}
    case 'table':
      return ipfwTableCtl(ch.tables, req)
    case 'dummynet':
      return dnCtl(host, pr, req.req)
  }
}
