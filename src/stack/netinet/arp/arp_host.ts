/**
 * ARP's host-wide knobs (the ones if_ether.c keeps outside VNET, so one value for the whole kernel
 * and only the host's root may change them): net.link.ether.inet.garp_rexmit_count,
 * log_arp_permanent_modify and max_log_per_second, and ARP_LOG's ppsratecheck in front of log(9).
 *
 * Must not: log more than max_log_per_second remotely triggered lines a second (a neighbour that
 * floods us must not flood the message buffer).
 */

import { SEC } from '../../../util/clock.js'
import type { SysctlDecl } from '../../net/sysctl.js'
import type { Vnet } from '../../net/vnet.js'

/** if_ether.c's MAX_GARP_RETRANSMITS: the backoff doubles, so 16 already means 2^16 s apart. */
export const MAX_GARP_RETRANSMITS = 16

/** syslog levels ARP logs at, and the default net.link.ether.arp.log_level (LOG_INFO). */
export const LOG_ERR = 3
export const LOG_INFO = 6

export class ArpHost {
  /** net.link.ether.inet.garp_rexmit_count: gratuitous ARP retransmissions after the first. */
  garpRexmitCount = 0
  /** net.link.ether.inet.log_arp_permanent_modify. */
  logPermanentModify = 1
  /** net.link.ether.inet.max_log_per_second (arp_maxpps). */
  maxLogPerSecond = 1
  private ppsSec = -1
  private ppsCount = 0

  /** ppsratecheck(9) with arp_maxpps: a negative limit lets everything through, 0 nothing. */
  mayLog(now: number): boolean {
    if (this.maxLogPerSecond < 0) return true
    const sec = Math.floor(now / SEC)
    if (sec !== this.ppsSec) {
      this.ppsSec = sec
      this.ppsCount = 0
    }
    if (this.ppsCount >= this.maxLogPerSecond) return false
    this.ppsCount++
    return true
  }
}

/** The host-wide oids, kept in the host's ArpHost (StackEnv.arp) whichever vnet asks. */
export function arpHostSysctls(): SysctlDecl[] {
  const host = (v: Vnet) => v.env.arp
  return [
    {
      name: 'net.link.ether.inet.garp_rexmit_count',
      descr: 'Number of times to retransmit GARP packets; 0 to disable, maximum of 16',
      kind: 'int',
      scope: 'global',
      get: (v) => host(v).garpRexmitCount,
      // sysctl_garp_rexmit clamps rather than refuses.
      set: (v, n) => {
        host(v).garpRexmitCount = Math.min(Math.max(n as number, 0), MAX_GARP_RETRANSMITS)
      },
    },
    {
      name: 'net.link.ether.inet.log_arp_permanent_modify',
      descr: 'log arp replies from MACs different than the one in the permanent arp entry',
      kind: 'int',
      scope: 'global',
      get: (v) => host(v).logPermanentModify,
      set: (v, n) => {
        host(v).logPermanentModify = n as number
      },
    },
    {
      name: 'net.link.ether.inet.max_log_per_second',
      descr: 'Maximum number of remotely triggered ARP messages that can be logged per second',
      kind: 'int',
      scope: 'global',
      get: (v) => host(v).maxLogPerSecond,
      set: (v, n) => {
        host(v).maxLogPerSecond = n as number
      },
    },
  ]
}
