/**
 * dummynet's per-vnet module (FreeBSD's VNET_SYSINIT of V_dn_cfg and its SYSCTL_NODE): the state
 * created on first use in a vnet, freed with it, and the net.inet.ip.dummynet.* knobs and counters
 * that kldload dummynet links into the sysctl tree.
 *
 * Declarations only: configuration is ip_dummynet.ts, packets are ip_dn_io.ts.
 */

import { intKnob, type SysctlDecl } from '../../../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../../net/vnet.js'
import { DnState } from './ip_dummynet.js'

const range = (min: number, max: number) => ({ min, max })

function counter(name: string, descr: string, get: (s: DnState) => number): SysctlDecl {
  return { name, descr, kind: 'int', ctype: 'long', scope: 'vnet', get: (v) => get(dummynet(v)) }
}

export const dummynetModule: VnetModule<DnState> = {
  name: 'dummynet',
  slot: Slot.DUMMYNET,
  create: (v) => new DnState(v),
  destroy: (s) => s.flush(),
  sysctls: [
    intKnob(
      'net.inet.ip.dummynet.hash_size',
      'Default hash table size',
      dummynet,
      'hashSize',
      range(16, 65536),
    ),
    intKnob(
      'net.inet.ip.dummynet.pipe_slot_limit',
      'Upper limit in slots for pipe queue.',
      dummynet,
      'pipeSlotLimit',
      range(1, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.dummynet.pipe_byte_limit',
      'Upper limit in bytes for pipe queue.',
      dummynet,
      'pipeByteLimit',
      range(1, 0x7fffffff),
    ),
    intKnob('net.inet.ip.dummynet.io_fast', 'Enable fast dummynet io.', dummynet, 'ioFast', range(0, 1)),
    intKnob('net.inet.ip.dummynet.debug', 'Dummynet debug level', dummynet, 'debug', range(0, 0x7fffffff)),
    intKnob('net.inet.ip.dummynet.expire', 'Expire empty queues/pipes', dummynet, 'expire', range(0, 1)),
    intKnob(
      'net.inet.ip.dummynet.red_lookup_depth',
      'Depth of RED lookup table',
      dummynet,
      'redLookupDepth',
      range(1, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.dummynet.red_avg_pkt_size',
      'RED Medium packet size',
      dummynet,
      'redAvgPktSize',
      range(1, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.dummynet.red_max_pkt_size',
      'RED Max packet size',
      dummynet,
      'redMaxPktSize',
      range(1, 0x7fffffff),
    ),
    counter('net.inet.ip.dummynet.io_pkt', 'Number of packets passed to dummynet.', (s) => s.stats.ioPkt),
    counter(
      'net.inet.ip.dummynet.io_pkt_fast',
      'Number of packets bypassed dummynet scheduler.',
      (s) => s.stats.ioPktFast,
    ),
    counter(
      'net.inet.ip.dummynet.io_pkt_drop',
      'Number of packets dropped by dummynet.',
      (s) => s.stats.ioPktDrop,
    ),
    counter('net.inet.ip.dummynet.schk_count', 'Number of schedulers', (s) => s.schk.size),
    counter('net.inet.ip.dummynet.si_count', 'Number of scheduler instances', (s) => s.siCount),
    counter('net.inet.ip.dummynet.fsk_count', 'Number of flowsets', (s) => s.fsk.size),
    counter('net.inet.ip.dummynet.queue_count', 'Number of queues', (s) => s.queueCount),
  ],
}

export function dummynet(v: Vnet): DnState {
  return vstate(v, dummynetModule)
}
