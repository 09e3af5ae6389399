/**
 * ipfw_nat's part of ipfw(8)'s kernel interface (the IP_FW_NAT44_* sockopts of ip_fw_nat.c) and
 * of the module's life: its requests exist only while ipfw_nat is loaded (EOPNOTSUPP otherwise, as
 * an unregistered sockopt handler), a `nat` rule cannot be added without it (EINVAL, as
 * check_ipfw_rule_body), loading it makes `if IF` instances follow address changes, and unloading
 * it destroys every vnet's instances (vnet_ipfw_nat_uninit).
 *
 * Called from ipfw_api.ts after its socket, module and privilege checks; acts on the caller's
 * vnet only.
 */

import { Slot, type Vnet } from '../../stack/net/vnet.js'
import type { IpfwChain } from '../../stack/netpfil/ipfw/ip_fw_chain.js'
import {
  natConfig,
  natDestroy,
  natGet,
  natIfaddrChange,
  natList,
  natLog,
} from '../../stack/netpfil/ipfw/ip_fw_nat.js'
import type { NatRequest } from '../../stack/netpfil/ipfw/ip_fw_nat_cfg.js'
import { A, type IpfwRuleSpec } from '../../stack/netpfil/ipfw/ip_fw_rule.js'
import { SysError } from '../../util/errno.js'
import type { Host } from '../host.js'
import type { IpfwReply, IpfwRequest } from '../syscalls.js'

export function isNatRequest(req: IpfwRequest): req is NatRequest {
  return req.op.startsWith('nat-')
}

export function natCtl(host: Host, v: Vnet, ch: IpfwChain, req: NatRequest): IpfwReply {
  // IP_FW_NAT_DEL is ipfw's own sockopt, which answers EINVAL without the module.
  if (!host.kld.loaded('ipfw_nat'))
    throw new SysError(req.op === 'nat-destroy' ? 'EINVAL' : 'EOPNOTSUPP', req.op)
  switch (req.op) {
    case 'nat-config':
      natConfig(v, ch, req.cfg)
      return {}
    case 'nat-destroy':
      natDestroy(ch, req.id)
      return {}
    case 'nat-get':
      return { nat: [natGet(ch, req.id)] }
    case 'nat-list':
      return { nat: natList(ch) }
    case 'nat-log':
      return { natLog: natLog(v, ch, req.id) }
  }
}

/** check_ipfw_rule_body's O_NAT case: no nat rule without the module. */
export function natRuleCheck(host: Host, rules: readonly IpfwRuleSpec[]): void {
  if (!host.kld.loaded('ipfw_nat') && rules.some((r) => r.action === A.NAT))
    throw new SysError('EINVAL', 'ipfw')
}

/** ipfw_nat_init: address events reach the instances (registering twice is harmless). */
export function ipfwNatAttach(host: Host): void {
  host.env.domains.onAddress(natIfaddrChange)
}

/** vnet_ipfw_nat_uninit in every vnet: all instances go. */
export function ipfwNatDetach(host: Host): void {
  for (const pr of [host.prison0, ...host.prison0.descendants()]) {
    const ch = pr.vnet.slots[Slot.IPFW] as IpfwChain | undefined
    if (ch !== undefined) ch.nat = null
  }
}
