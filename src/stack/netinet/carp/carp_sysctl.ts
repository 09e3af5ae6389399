/**
 * carp(4)'s sysctls (net.inet.carp.*, all per vnet as FreeBSD 14's VNET_DEFINEs) and its module
 * descriptor: kld.ts links these oids into the tree when carp is loaded and removes them on unload.
 * `demotion` adds what is written to it (carp_demote_adj_sysctl); `allow` re-evaluates every vhid;
 * `dscp` takes 0..63.
 *
 * Must not: keep state of its own (it is the vnet's CarpVnet).
 */

import { intKnob, type SysctlDecl } from '../../net/sysctl.js'
import { Slot, type VnetModule } from '../../net/vnet.js'
import { type CarpVnet, carpVnet } from './carp_var.js'
import { allowChanged, demoteAdj } from './ip_carp.js'

const sysctls: readonly SysctlDecl[] = [
  {
    name: 'net.inet.carp.allow',
    descr: 'Accept incoming CARP packets',
    kind: 'int',
    scope: 'vnet',
    get: (v) => carpVnet(v).allow,
    set: (v, val) => {
      const s = carpVnet(v)
      if (s.allow === val) return
      s.allow = val as number
      allowChanged(v)
    },
  },
  {
    name: 'net.inet.carp.dscp',
    descr: 'DSCP value for carp packets',
    kind: 'int',
    scope: 'vnet',
    min: 0,
    max: 63,
    get: (v) => carpVnet(v).dscp,
    set: (v, val) => {
      carpVnet(v).dscp = val as number
    },
  },
  intKnob('net.inet.carp.preempt', 'High-priority backup preemption mode', carpVnet, 'preempt'),
  intKnob('net.inet.carp.log', 'CARP log level', carpVnet, 'log'),
  {
    name: 'net.inet.carp.demotion',
    descr: 'Adjust demotion factor (skew of advskew)',
    kind: 'int',
    scope: 'vnet',
    get: (v) => carpVnet(v).demotion,
    set: (v, val) => demoteAdj(v, val as number, 'sysctl'),
  },
  intKnob(
    'net.inet.carp.senderr_demotion_factor',
    'Send error demotion factor adjustment',
    carpVnet,
    'senderrAdj',
  ),
  intKnob(
    'net.inet.carp.ifdown_demotion_factor',
    'Interface down demotion factor adjustment',
    carpVnet,
    'ifdownAdj',
  ),
]

export const carpModule: VnetModule<CarpVnet> = {
  name: 'carp',
  slot: Slot.CARP,
  sysctls,
  create: (v) => carpVnet(v),
  destroy: (s) => {
    s.sendAllTimer.cancel()
    for (const sc of s.list) sc.stopTimers()
  },
}
