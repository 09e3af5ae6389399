/**
 * IGMP's sysctls (net.inet.igmp.*, per vnet as FreeBSD's VNET_DEFINEs, with its bounds:
 * default_version 1..3, gsrdelay -1..59 s) and its module descriptor. Changing default_version
 * starts the slow callout, whose next tick moves idle interfaces to it as FreeBSD's does.
 *
 * Must not: keep state of its own (it is the vnet's IgmpVnet).
 */

import { intKnob, type SysctlDecl } from '../../net/sysctl.js'
import { Slot, type VnetModule } from '../../net/vnet.js'
import { igmpKickSlow } from './igmp.js'
import { type IgmpVnet, igmpVnet } from './igmp_var.js'

const sysctls: readonly SysctlDecl[] = [
  intKnob(
    'net.inet.igmp.recvifkludge',
    'Rewrite IGMPv1/v2 reports from 0.0.0.0 to contain subnet address',
    igmpVnet,
    'recvifkludge',
  ),
  intKnob('net.inet.igmp.sendra', 'Send IP Router Alert option in IGMPv2/v3 messages', igmpVnet, 'sendra'),
  intKnob(
    'net.inet.igmp.sendlocal',
    'Send IGMP membership reports for 224.0.0.0/24 groups',
    igmpVnet,
    'sendlocal',
  ),
  intKnob('net.inet.igmp.v1enable', 'Enable backwards compatibility with IGMPv1', igmpVnet, 'v1enable'),
  intKnob('net.inet.igmp.v2enable', 'Enable backwards compatibility with IGMPv2', igmpVnet, 'v2enable'),
  intKnob(
    'net.inet.igmp.legacysupp',
    'Allow v1/v2 reports to suppress v3 group responses',
    igmpVnet,
    'legacysupp',
  ),
  {
    name: 'net.inet.igmp.default_version',
    descr: 'Default version of IGMP to run on each interface',
    kind: 'int',
    scope: 'vnet',
    min: 1,
    max: 3,
    get: (v) => igmpVnet(v).defaultVersion,
    set: (v, val) => {
      const s = igmpVnet(v)
      s.defaultVersion = val as number
      igmpKickSlow(s)
    },
  },
  intKnob(
    'net.inet.igmp.gsrdelay',
    'Rate limit for IGMPv3 Group-and-Source queries in seconds',
    igmpVnet,
    'gsrdelay',
    { min: -1, max: 59 },
  ),
]

export const igmpModule: VnetModule<IgmpVnet> = {
  name: 'igmp',
  slot: Slot.IGMP,
  sysctls,
  create: (v) => igmpVnet(v),
  destroy: (s) => {
    s.fast?.cancel()
    s.slow?.cancel()
  },
}
