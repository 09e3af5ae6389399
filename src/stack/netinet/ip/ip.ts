/**
 * IPv4's per-vnet state: struct ipstat counters (FreeBSD's names and order, shown by netstat -s) and
 * the net.inet.ip.* knobs. Input and output live in ip_input.ts / ip_output.ts.
 */

import { SysError } from '../../../util/errno.js'
import { ROUTE_MAX_DEFAULT, RT_MAXFIBS } from '../../net/route/route.js'
import { intKnob } from '../../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../net/vnet.js'

/** struct ipstat (netinet/ip_var.h). */
export class IpStats {
  ips_total = 0
  ips_badsum = 0
  ips_tooshort = 0
  ips_toosmall = 0
  ips_badhlen = 0
  ips_badlen = 0
  ips_fragments = 0
  ips_fragdropped = 0
  ips_fragtimeout = 0
  ips_forward = 0
  ips_fastforward = 0
  ips_cantforward = 0
  ips_redirectsent = 0
  ips_noproto = 0
  ips_delivered = 0
  ips_localout = 0
  ips_odropped = 0
  ips_reassembled = 0
  ips_fragmented = 0
  ips_ofragments = 0
  ips_cantfrag = 0
  ips_badoptions = 0
  ips_noroute = 0
  ips_badvers = 0
  ips_rawout = 0
  ips_toolong = 0
  ips_notmember = 0
  ips_nogif = 0
  ips_badaddr = 0
}

export class IpVnet {
  readonly stats = new IpStats()
  forwarding = 0
  defaultTtl = 64
  redirect = 1
  /** net.inet.ip.process_options: 0 ignore IP options, 1 process them, 2 refuse datagrams carrying any. */
  doopts = 1
  /** Next IP identification value; starts at a random point per vnet. */
  ident: number
  /** net.inet.ip.portrange.first / last: the ephemeral ports UDP and TCP pick from. */
  readonly portRange = { first: 10000, last: 65535 }

  constructor(v: Vnet) {
    // A stream per vnet, so one vnet's traffic never shifts another's IP ids.
    this.ident = v.env.rng.stream(`ipid:${v.id}`).u32() & 0xffff
  }
}

export const ipModule: VnetModule<IpVnet> = {
  name: 'ip',
  slot: Slot.IP,
  create: (v) => new IpVnet(v),
  sysctls: [
    intKnob('net.inet.ip.forwarding', 'Enable IP forwarding between interfaces', (v) => ip(v), 'forwarding', {
      min: 0,
      max: 1,
    }),
    intKnob('net.inet.ip.ttl', 'Maximum TTL on IP packets', (v) => ip(v), 'defaultTtl', { min: 1, max: 255 }),
    intKnob('net.inet.ip.redirect', 'Enable sending IP redirects', (v) => ip(v), 'redirect', {
      min: 0,
      max: 1,
    }),
    intKnob(
      'net.inet.ip.process_options',
      'Enable IP options processing ([LS]SRR, RR, TS)',
      (v) => ip(v),
      'doopts',
      { min: 0, max: 2 },
    ),
    intKnob(
      'net.inet.ip.portrange.first',
      'First port of the ephemeral range',
      (v) => ip(v).portRange,
      'first',
      {
        min: 1,
        max: 65535,
      },
    ),
    intKnob(
      'net.inet.ip.portrange.last',
      'Last port of the ephemeral range',
      (v) => ip(v).portRange,
      'last',
      {
        min: 1,
        max: 65535,
      },
    ),
    // Not in FreeBSD (its bound is kernel memory): the vnet's one IPv4 FIB holds at most this many
    // routes; more are refused with ENOBUFS. Default ROUTE_MAX_DEFAULT (a 64 MiB budget).
    {
      name: 'net.route.max_routes',
      descr: `Maximum number of routes in this vnet's routing table (VirtNet; default ${ROUTE_MAX_DEFAULT})`,
      kind: 'int',
      scope: 'vnet',
      min: 1,
      max: 0x7fffffff,
      get: (v) => v.routes.maxRoutes,
      set: (v, n) => {
        for (const t of v.rtables) t.setMaxRoutes(n as number)
      },
    },
    {
      name: 'net.route.multipath',
      descr: 'Enable route multipath',
      kind: 'int',
      ctype: 'uint',
      scope: 'vnet',
      get: (v) => v.routes.multipath,
      set: (v, n) => {
        for (const t of v.rtables) t.multipath = n === 0 ? 0 : 1
      },
    },
    // net.fibs (route_tables.c, CTLFLAG_VNET | CTLFLAG_RWTUN): each vnet's count of FIBs, 1 in a new
    // vnet; raising it adds tables, lowering it is ENOTCAPABLE; 0 means 1, past RT_MAXFIBS is cut.
    {
      name: 'net.fibs',
      descr: 'set number of fibs',
      kind: 'int',
      ctype: 'uint',
      scope: 'vnet',
      get: (v) => v.numFibs,
      set: (v, n) => {
        const want = Math.min(Math.max(n as number, 1), RT_MAXFIBS)
        if (want < v.numFibs) throw new SysError('ENOTCAPABLE', 'sysctl')
        v.growFibs(want)
      },
    },
    // net.my_fibnum (route_tables.c, sysctl_my_fibnum): the reading process's FIB, read only.
    {
      name: 'net.my_fibnum',
      descr: 'default FIB of caller',
      kind: 'int',
      scope: 'global',
      get: (_v, who) => who?.fib ?? 0,
    },
    {
      name: 'net.add_addr_allfibs',
      descr: 'Add new addresses to all fibs',
      kind: 'int',
      ctype: 'uint',
      scope: 'vnet',
      get: (v) => v.addAddrAllFibs,
      set: (v, n) => {
        v.addAddrAllFibs = n as number
      },
    },
  ],
}

export function ip(v: Vnet): IpVnet {
  return vstate(v, ipModule)
}
