/**
 * The privilege matrix at the syscall boundary, after FreeBSD's prison_priv_check and
 * shared/FREEBSD.md "Privileges". One row per case: an actor (host root, host user, vnet-jail root,
 * vnet-jail user, non-vnet-jail root, root of a vnet jail's child) calls one mutating Syscalls
 * method on its own state or on its parent's, a sibling's or a child's, and gets `ok`, EPERM (lacks
 * the privilege) or ENXIO / ENOENT / ESRCH (the target is invisible from where it stands: a jail can
 * never name its parent's or sibling's interfaces, routes, ARP entries or jails). Every row starts
 * from a fresh, identical world; a denied call must leave a deep snapshot of all state (every vnet's
 * interfaces, addresses, flags, MTUs, names, routes, ARP entries and sysctls; every jail's
 * parameters and hostname) exactly as it was, and an allowed mutating call must change it.
 *
 * The world:
 *   host (vnet0): hostif0 10.0.0.1/24 (epair with lent0), hostonly0 10.2.0.1/24 + hostonly1,
 *                 hostsib (epair with sib0); route 192.0.2.0/24 via 10.0.0.2; ARP 10.0.0.9 static
 *   v   (vnet, children.max=2): lent0 10.0.0.2/24 (lent by the host), vown0 10.1.0.1/24 (created in
 *                 v, epair with vkid0); route 198.51.100.0/24 via 10.1.0.2; ARP 10.1.0.9 static
 *   v.c (vnet, child of v): vkid0 10.1.0.2/24 (lent by v); route 203.0.113.0/24 via 10.1.0.1;
 *                 ARP 10.1.0.8 static
 *   s   (vnet, sibling of v): sib0 10.3.0.2/24 (lent by the host)
 *   p   (no vnet: shares the host's stack)
 * plus a writable global (non-vnet) sysctl registered for this test, since the host's real global
 * knobs are all read-only and could not tell "no privilege" from "read-only".
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import type { SysctlDecl } from '../stack/net/sysctl.js'
import { ND6_IFF } from '../stack/netinet6/in6_var.js'
import { errnoOf, ip, snapshot } from '../testing/net.js'
import { ip6 } from '../testing/net6.js'
import { Host } from './host.js'
import type { Syscalls } from './syscalls.js'

const GLOBAL_KNOB = 'kern.test.writable_global'
const MAC = 0x02000000beef

type Actor = 'host root' | 'host user' | 'vnet root' | 'vnet user' | 'plain root' | 'child root'

function world(): { host: Host; as: Record<Actor, Syscalls> } {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 41, hostname: 'host' })
  let globalValue = 0
  const knob: SysctlDecl = {
    name: GLOBAL_KNOB,
    descr: 'a writable host-wide knob (test only)',
    kind: 'int',
    scope: 'global',
    get: () => globalValue,
    set: (_v, x) => {
      globalValue = x as number
    },
  }
  ;(host.sysctls as Map<string, SysctlDecl>).set(GLOBAL_KNOB, knob)
  const root = host.syscalls()
  // host
  root.ifCreate('epair')
  root.ifRename('epair0a', 'hostif0')
  root.ifRename('epair0b', 'lent0')
  root.ifAddAddr('hostif0', ip('10.0.0.1'), 24)
  root.ifCreate('epair')
  root.ifRename('epair1a', 'hostonly0')
  root.ifRename('epair1b', 'hostonly1')
  root.ifAddAddr('hostonly0', ip('10.2.0.1'), 24)
  root.inet6.addAddr('hostonly0', ip6('2001:db8:2::1'), 64)
  root.ifCreate('epair')
  root.ifRename('epair2a', 'hostsib')
  root.ifRename('epair2b', 'sib0')
  // v and its child c
  root.jailCreate([
    ['name', 'v'],
    ['vnet', true],
    ['persist', true],
    ['children.max', '2'],
    ['host.hostname', 'vee'],
    ['vnet.interface', 'lent0'],
  ])
  const v = root.attach('v')
  v.ifAddAddr('lent0', ip('10.0.0.2'), 24)
  root.routeAdd({ dst: ip('192.0.2.0'), prefixLen: 24, gateway: ip('10.0.0.2') })
  root.arpSet(ip('10.0.0.9'), MAC)
  v.ifCreate('epair')
  v.ifRename(v.ifList().find((i) => i.name.endsWith('a') && i.name.startsWith('epair'))!.name, 'vown0')
  v.ifRename(v.ifList().find((i) => i.name.endsWith('b') && i.name.startsWith('epair'))!.name, 'vkid0')
  v.jailCreate([
    ['name', 'c'],
    ['vnet', true],
    ['persist', true],
    ['host.hostname', 'cee'],
  ])
  v.ifMoveToJail('vkid0', 'c')
  v.ifAddAddr('vown0', ip('10.1.0.1'), 24)
  v.inet6.addAddr('vown0', ip6('2001:db8:1::1'), 64)
  const c = root.attach('v.c')
  c.ifAddAddr('vkid0', ip('10.1.0.2'), 24)
  v.routeAdd({ dst: ip('198.51.100.0'), prefixLen: 24, gateway: ip('10.1.0.2') })
  v.arpSet(ip('10.1.0.9'), MAC)
  c.routeAdd({ dst: ip('203.0.113.0'), prefixLen: 24, gateway: ip('10.1.0.1') })
  c.arpSet(ip('10.1.0.8'), MAC)
  // s, the sibling
  root.jailCreate([
    ['name', 's'],
    ['vnet', true],
    ['persist', true],
    ['host.hostname', 'ess'],
  ])
  root.ifMoveToJail('sib0', 's')
  root.attach('s').ifAddAddr('sib0', ip('10.3.0.2'), 24)
  // p, without a vnet
  root.jailCreate([
    ['name', 'p'],
    ['persist', true],
    ['host.hostname', 'pee'],
  ])
  return {
    host,
    as: {
      'host root': root,
      'host user': root.withUid(1001),
      'vnet root': v,
      'vnet user': root.attach('v', 1001),
      'plain root': root.attach('p'),
      'child root': c,
    },
  }
}

type Target = 'own' | 'parent' | 'sibling' | 'child'
type Expect = 'ok' | 'EPERM' | 'ENXIO' | 'ENOENT' | 'ESRCH' | 'EINVAL' | 'ENETUNREACH' | 'EPROTONOSUPPORT'

interface Row {
  actor: Actor
  op: string
  target: Target
  expect: Expect
  call: (s: Syscalls) => unknown
  /** Calls that change no configuration when allowed (open a socket, get another credential). */
  readOnly?: boolean
  /** Adjust the world before the call (e.g. grant a jail permission). */
  setup?: (root: Syscalls) => void
}

const row = (
  actor: Actor,
  op: string,
  target: Target,
  expect: Expect,
  call: (s: Syscalls) => unknown,
  extra: Partial<Row> = {},
): Row => ({ actor, op, target, expect, call, ...extra })

const A = (s: string) => ip(s)
const ro = { readOnly: true }

/** Every mutating method, as a non-root user in its own jail: all EPERM, whatever the target. */
function userRows(actor: Actor, iface: string, addr: string, child: string): Row[] {
  return [
    row(actor, 'ifCreate', 'own', 'EPERM', (s) => s.ifCreate('epair')),
    row(actor, 'ifDestroy', 'own', 'EPERM', (s) => s.ifDestroy(iface)),
    row(actor, 'ifSetUp', 'own', 'EPERM', (s) => s.ifSetUp(iface, false)),
    row(actor, 'ifSetMtu', 'own', 'EPERM', (s) => s.ifSetMtu(iface, 1400)),
    row(actor, 'ifRename', 'own', 'EPERM', (s) => s.ifRename(iface, 'x0')),
    row(actor, 'ifSetMac', 'own', 'EPERM', (s) => s.ifSetMac(iface, MAC)),
    row(actor, 'ifSetDescription', 'own', 'EPERM', (s) => s.ifSetDescription(iface, 'mine')),
    row(actor, 'ifAddAddr', 'own', 'EPERM', (s) => s.ifAddAddr(iface, A('10.9.0.1'), 24, { alias: true })),
    row(actor, 'ifDelAddr', 'own', 'EPERM', (s) => s.ifDelAddr(iface, A(addr))),
    row(actor, 'ifMoveToJail', 'child', 'EPERM', (s) => s.ifMoveToJail(iface, child)),
    row(actor, 'ifReclaimFromJail', 'child', 'EPERM', (s) => s.ifReclaimFromJail('lent0', child)),
    row(actor, 'ifSetMtu', 'parent', 'EPERM', (s) => s.ifSetMtu('nosuch0', 1400)),
    row(actor, 'routeAdd', 'own', 'EPERM', (s) =>
      s.routeAdd({ dst: A('10.8.0.0'), prefixLen: 16, reject: true }),
    ),
    row(actor, 'routeChange', 'own', 'EPERM', (s) => s.routeChange({ dst: 0, prefixLen: 0, reject: true })),
    row(actor, 'routeDelete', 'own', 'EPERM', (s) => s.routeDelete(A('127.0.0.1'), 32)),
    row(actor, 'routeFlush', 'own', 'EPERM', (s) => s.routeFlush()),
    row(actor, 'arpSet', 'own', 'EPERM', (s) => s.arpSet(A(addr) + 5, MAC)),
    row(actor, 'arpDelete', 'own', 'EPERM', (s) => s.arpDelete(A('10.0.0.9'))),
    row(actor, 'arpFlush', 'own', 'EPERM', (s) => s.arpFlush()),
    row(actor, 'sysctlSet (vnet knob)', 'own', 'EPERM', (s) => s.sysctlSet('net.inet.ip.forwarding', '1')),
    row(actor, 'sysctlSet (global knob)', 'parent', 'EPERM', (s) => s.sysctlSet(GLOBAL_KNOB, '1')),
    row(actor, 'setHostname', 'own', 'EPERM', (s) => s.setHostname('mine')),
    row(actor, 'rawSocket', 'own', 'EPERM', (s) => s.rawSocket(1)),
    row(actor, 'jailCreate', 'child', 'EPERM', (s) =>
      s.jailCreate([
        ['name', 'x'],
        ['persist', true],
      ]),
    ),
    row(actor, 'jailModify', 'child', 'EPERM', (s) => s.jailModify(child, [['host.hostname', 'x']])),
    row(actor, 'jailRemove', 'child', 'EPERM', (s) => s.jailRemove(child)),
    row(actor, 'attach', 'child', 'EPERM', (s) => s.attach(child)),
    row(actor, 'withUid(0)', 'own', 'EPERM', (s) => s.withUid(0)),
  ]
}

const A6 = (s: string) => ip6(s)
const rtReject6 = (dst: string) => ({ dst: A6(dst), prefixLen: 48, reject: true })

/**
 * The inet6 rows (SIOCAIFADDR_IN6, SIOCDIFADDR_IN6, SIOCSIFINFO_IN6, the inet6 routing socket, ndp,
 * raw ICMPv6 sockets): the same privileges as their IPv4 twins. A non-vnet jail's root changes
 * nothing (in6_control's priv_check fails in prison_priv_check: EPERM); a vnet jail's root owns
 * its stack's IPv6 and cannot name its parent's interfaces or routes.
 */
const inet6Rows: Row[] = [
  row('host root', 'inet6.addAddr', 'own', 'ok', (s) =>
    s.inet6.addAddr('hostonly0', A6('2001:db8:9::1'), 64),
  ),
  row('host root', 'inet6.addAddr', 'child', 'ENXIO', (s) =>
    s.inet6.addAddr('lent0', A6('2001:db8:9::1'), 64),
  ),
  row('host root', 'inet6.delAddr', 'own', 'ok', (s) => s.inet6.delAddr('hostonly0', A6('2001:db8:2::1'))),
  row('host root', 'inet6.routeAdd', 'own', 'ok', (s) => s.inet6.routeAdd(rtReject6('2001:db8:99::'))),
  row('host root', 'inet6.routeDelete', 'child', 'ESRCH', (s) => s.inet6.routeDelete(A6('2001:db8:1::'), 64)),
  row('host root', 'inet6.rawSocket', 'own', 'ok', (s) => s.inet6.rawSocket().close(), ro),
  ...(['host user', 'vnet user'] as const).flatMap((actor) => {
    const iface = actor === 'host user' ? 'hostonly0' : 'vown0'
    const net = actor === 'host user' ? '2001:db8:2::' : '2001:db8:1::'
    return [
      row(actor, 'inet6.addAddr', 'own', 'EPERM', (s) => s.inet6.addAddr(iface, A6('2001:db8:9::1'), 64)),
      row(actor, 'inet6.delAddr', 'own', 'EPERM', (s) => s.inet6.delAddr(iface, A6(`${net}1`))),
      row(actor, 'inet6.setNdFlags', 'own', 'EPERM', (s) => s.inet6.setNdFlags(iface, ND6_IFF.IFDISABLED, 0)),
      row(actor, 'inet6.routeAdd', 'own', 'EPERM', (s) => s.inet6.routeAdd(rtReject6('2001:db8:99::'))),
      row(actor, 'inet6.routeDelete', 'own', 'EPERM', (s) => s.inet6.routeDelete(A6(net), 64)),
      row(actor, 'inet6.ndpSet', 'own', 'EPERM', (s) => s.inet6.ndpSet(A6(`${net}9`), 0, MAC)),
      row(actor, 'inet6.rawSocket', 'own', 'EPERM', (s) => s.inet6.rawSocket()),
    ]
  }),
  row('vnet root', 'inet6.addAddr', 'own', 'ok', (s) => s.inet6.addAddr('lent0', A6('2001:db8:9::1'), 64)),
  row('vnet root', 'inet6.addAddr', 'parent', 'ENXIO', (s) =>
    s.inet6.addAddr('hostonly0', A6('2001:db8:9::1'), 64),
  ),
  row('vnet root', 'inet6.delAddr', 'own', 'ok', (s) => s.inet6.delAddr('vown0', A6('2001:db8:1::1'))),
  row('vnet root', 'inet6.setNdFlags', 'own', 'ok', (s) =>
    s.inet6.setNdFlags('vown0', ND6_IFF.IFDISABLED, 0),
  ),
  row('vnet root', 'inet6.routeAdd', 'own', 'ok', (s) => s.inet6.routeAdd(rtReject6('2001:db8:99::'))),
  row('vnet root', 'inet6.routeDelete', 'own', 'ok', (s) => s.inet6.routeDelete(A6('2001:db8:1::'), 64)),
  row('vnet root', 'inet6.routeDelete', 'parent', 'ESRCH', (s) =>
    s.inet6.routeDelete(A6('2001:db8:2::'), 64),
  ),
  row('vnet root', 'inet6.ndpSet', 'own', 'ok', (s) => s.inet6.ndpSet(A6('2001:db8:1::9'), 0, MAC)),
  row('vnet root', 'inet6.rawSocket', 'own', 'ok', (s) => s.inet6.rawSocket().close(), ro),
  row('child root', 'inet6.addAddr', 'own', 'ok', (s) => s.inet6.addAddr('vkid0', A6('2001:db8:1::2'), 64)),
  row('child root', 'inet6.addAddr', 'parent', 'ENXIO', (s) =>
    s.inet6.addAddr('vown0', A6('2001:db8:1::2'), 64),
  ),
  row('plain root', 'inet6.addAddr', 'parent', 'EPERM', (s) =>
    s.inet6.addAddr('hostonly0', A6('2001:db8:2::9'), 64),
  ),
  row('plain root', 'inet6.delAddr', 'parent', 'EPERM', (s) =>
    s.inet6.delAddr('hostonly0', A6('2001:db8:2::1')),
  ),
  row('plain root', 'inet6.setNdFlags', 'parent', 'EPERM', (s) =>
    s.inet6.setNdFlags('hostonly0', ND6_IFF.IFDISABLED, 0),
  ),
  row('plain root', 'inet6.routeAdd', 'parent', 'EPERM', (s) => s.inet6.routeAdd(rtReject6('2001:db8:99::'))),
  row('plain root', 'inet6.routeDelete', 'parent', 'EPERM', (s) =>
    s.inet6.routeDelete(A6('2001:db8:2::'), 64),
  ),
  row('plain root', 'inet6.ndpSet', 'parent', 'EPERM', (s) => s.inet6.ndpSet(A6('2001:db8:2::9'), 0, MAC)),
  row('plain root', 'inet6.ndpDelete', 'parent', 'EPERM', (s) => s.inet6.ndpDelete(A6('2001:db8:2::9'), 0)),
  row('plain root', 'inet6.rawSocket (not allowed)', 'own', 'EPERM', (s) => s.inet6.rawSocket()),
  row(
    'plain root',
    'inet6.rawSocket (allow.raw_sockets, ip6=disable)',
    'own',
    'EPROTONOSUPPORT',
    (s) => s.inet6.rawSocket(),
    {
      setup: (root) => root.jailModify('p', [['allow.raw_sockets', '1']]),
    },
  ),
  row(
    'plain root',
    'inet6.rawSocket (allow.raw_sockets, ip6.addr)',
    'own',
    'ok',
    (s) => s.inet6.rawSocket().close(),
    {
      ...ro,
      setup: (root) =>
        root.jailModify('p', [
          ['allow.raw_sockets', '1'],
          ['ip6.addr', '2001:db8:2::1'],
        ]),
    },
  ),
  row('plain root', 'jailModify (own ip6.addr)', 'own', 'ENOENT', (s) =>
    s.jailModify('p', [['ip6.addr', '2001:db8:2::1']]),
  ),
]

const rows: Row[] = [
  ...inet6Rows,
  // ---- host root: everything in its own vnet and over every jail; other vnets' objects are not nameable
  row('host root', 'ifCreate', 'own', 'ok', (s) => s.ifCreate('epair')),
  row('host root', 'ifDestroy', 'own', 'ok', (s) => s.ifDestroy('hostonly0')),
  row('host root', 'ifDestroy (partner in sibling jail)', 'own', 'ok', (s) => s.ifDestroy('hostsib')),
  row('host root', 'ifSetUp', 'own', 'ok', (s) => s.ifSetUp('hostonly0', false)),
  row('host root', 'ifSetMtu', 'own', 'ok', (s) => s.ifSetMtu('hostonly0', 1400)),
  row('host root', 'ifRename', 'own', 'ok', (s) => s.ifRename('hostonly0', 'x0')),
  row('host root', 'ifSetMac', 'own', 'ok', (s) => s.ifSetMac('hostonly0', MAC)),
  row('host root', 'ifSetDescription', 'own', 'ok', (s) => s.ifSetDescription('hostonly0', 'uplink')),
  row('host root', 'ifAddAddr', 'own', 'ok', (s) =>
    s.ifAddAddr('hostonly0', A('10.2.0.5'), 24, { alias: true }),
  ),
  row('host root', 'ifDelAddr', 'own', 'ok', (s) => s.ifDelAddr('hostonly0', A('10.2.0.1'))),
  row('host root', 'ifMoveToJail', 'child', 'ok', (s) => s.ifMoveToJail('hostonly0', 'v')),
  row('host root', 'ifMoveToJail (grandchild)', 'child', 'ok', (s) => s.ifMoveToJail('hostonly0', 'v.c')),
  row('host root', 'ifMoveToJail (non-vnet jail)', 'child', 'EINVAL', (s) =>
    s.ifMoveToJail('hostonly0', 'p'),
  ),
  row('host root', 'ifReclaimFromJail', 'child', 'ok', (s) => s.ifReclaimFromJail('lent0', 'v')),
  row('host root', 'ifReclaimFromJail (grandchild)', 'child', 'ok', (s) =>
    s.ifReclaimFromJail('vkid0', 'v.c'),
  ),
  row('host root', 'ifSetMtu', 'child', 'ENXIO', (s) => s.ifSetMtu('lent0', 1400)),
  row('host root', 'ifDestroy', 'child', 'ENXIO', (s) => s.ifDestroy('vown0')),
  row('host root', 'ifAddAddr', 'child', 'ENXIO', (s) => s.ifAddAddr('sib0', A('10.3.0.9'), 24)),
  row('host root', 'routeAdd', 'own', 'ok', (s) =>
    s.routeAdd({ dst: A('10.8.0.0'), prefixLen: 16, gateway: A('10.0.0.2') }),
  ),
  row('host root', 'routeChange', 'own', 'ok', (s) =>
    s.routeChange({ dst: A('192.0.2.0'), prefixLen: 24, reject: true }),
  ),
  row('host root', 'routeDelete', 'own', 'ok', (s) => s.routeDelete(A('192.0.2.0'), 24)),
  row('host root', 'routeDelete', 'child', 'ESRCH', (s) => s.routeDelete(A('198.51.100.0'), 24)),
  row('host root', 'routeFlush', 'own', 'ok', (s) => s.routeFlush()),
  row('host root', 'arpSet', 'own', 'ok', (s) => s.arpSet(A('10.0.0.10'), MAC)),
  row('host root', 'arpDelete', 'own', 'ok', (s) => s.arpDelete(A('10.0.0.9'))),
  row('host root', 'arpDelete', 'child', 'ENOENT', (s) => s.arpDelete(A('10.1.0.9'))),
  row('host root', 'arpFlush', 'own', 'ok', (s) => s.arpFlush()),
  row('host root', 'sysctlSet (vnet knob)', 'own', 'ok', (s) => s.sysctlSet('net.inet.ip.forwarding', '1')),
  row('host root', 'sysctlSet (global knob)', 'own', 'ok', (s) => s.sysctlSet(GLOBAL_KNOB, '1')),
  row('host root', 'sysctlSet (read-only global)', 'own', 'EPERM', (s) =>
    s.sysctlSet('kern.features.vimage', '0'),
  ),
  row('host root', 'setHostname', 'own', 'ok', (s) => s.setHostname('newhost')),
  row('host root', 'rawSocket', 'own', 'ok', (s) => s.rawSocket(1), ro),
  row('host root', 'jailCreate', 'child', 'ok', (s) =>
    s.jailCreate([
      ['name', 'x'],
      ['persist', true],
    ]),
  ),
  row('host root', 'jailCreate (grandchild)', 'child', 'ok', (s) =>
    s.jailCreate([
      ['name', 'v.x'],
      ['persist', true],
    ]),
  ),
  row('host root', 'jailModify', 'child', 'ok', (s) => s.jailModify('v', [['host.hostname', 'x']])),
  row('host root', 'jailModify (grandchild)', 'child', 'ok', (s) =>
    s.jailModify('v.c', [['host.hostname', 'x']]),
  ),
  row('host root', 'jailRemove', 'child', 'ok', (s) => s.jailRemove('s')),
  row('host root', 'attach', 'child', 'ok', (s) => s.attach('v.c'), ro),
  row('host root', 'withUid(1001)', 'own', 'ok', (s) => s.withUid(1001), ro),

  // ---- non-root users: nothing, whatever the target
  ...userRows('host user', 'hostonly0', '10.2.0.1', 'v'),
  ...userRows('vnet user', 'lent0', '10.0.0.2', 'c'),

  // ---- root of a vnet jail: its own stack and its descendants; nothing above or beside it
  row('vnet root', 'ifCreate', 'own', 'ok', (s) => s.ifCreate('epair')),
  row('vnet root', 'ifDestroy', 'own', 'ok', (s) => s.ifDestroy('vown0')),
  row('vnet root', 'ifDestroy (lent by the parent)', 'own', 'ok', (s) => s.ifDestroy('lent0')),
  row('vnet root', 'ifSetUp', 'own', 'ok', (s) => s.ifSetUp('lent0', false)),
  row('vnet root', 'ifSetMtu', 'own', 'ok', (s) => s.ifSetMtu('lent0', 1400)),
  row('vnet root', 'ifRename', 'own', 'ok', (s) => s.ifRename('lent0', 'x0')),
  row('vnet root', 'ifSetMac', 'own', 'ok', (s) => s.ifSetMac('lent0', MAC)),
  row('vnet root', 'ifSetDescription', 'own', 'ok', (s) => s.ifSetDescription('lent0', 'uplink')),
  row('vnet root', 'ifAddAddr', 'own', 'ok', (s) => s.ifAddAddr('lent0', A('10.0.0.5'), 24, { alias: true })),
  row('vnet root', 'ifDelAddr', 'own', 'ok', (s) => s.ifDelAddr('lent0', A('10.0.0.2'))),
  row('vnet root', 'ifMoveToJail', 'child', 'ok', (s) => s.ifMoveToJail('vown0', 'c')),
  row('vnet root', 'ifMoveToJail (lent one, onward)', 'child', 'ok', (s) => s.ifMoveToJail('lent0', 'c')),
  row('vnet root', 'ifReclaimFromJail', 'child', 'ok', (s) => s.ifReclaimFromJail('vkid0', 'c')),
  row('vnet root', 'ifSetMtu', 'parent', 'ENXIO', (s) => s.ifSetMtu('hostonly0', 1400)),
  row('vnet root', 'ifDestroy', 'parent', 'ENXIO', (s) => s.ifDestroy('hostif0')),
  row('vnet root', 'ifSetUp', 'parent', 'ENXIO', (s) => s.ifSetUp('hostif0', false)),
  row('vnet root', 'ifAddAddr', 'parent', 'ENXIO', (s) => s.ifAddAddr('hostonly0', A('10.2.0.9'), 24)),
  row('vnet root', 'ifRename', 'parent', 'ENXIO', (s) => s.ifRename('hostonly0', 'x0')),
  row('vnet root', 'ifMoveToJail', 'parent', 'ENXIO', (s) => s.ifMoveToJail('hostonly0', 'c')),
  row('vnet root', 'ifMoveToJail (to the parent)', 'parent', 'ENOENT', (s) => s.ifMoveToJail('vown0', '0')),
  row('vnet root', 'ifReclaimFromJail', 'parent', 'ENOENT', (s) => s.ifReclaimFromJail('hostonly0', '0')),
  row('vnet root', 'ifSetMtu', 'sibling', 'ENXIO', (s) => s.ifSetMtu('sib0', 1400)),
  row('vnet root', 'ifMoveToJail', 'sibling', 'ENOENT', (s) => s.ifMoveToJail('vown0', 's')),
  row('vnet root', 'ifReclaimFromJail', 'sibling', 'ENOENT', (s) => s.ifReclaimFromJail('sib0', 's')),
  row('vnet root', 'ifSetMtu', 'child', 'ENXIO', (s) => s.ifSetMtu('vkid0', 1400)),
  row('vnet root', 'ifDestroy', 'child', 'ENXIO', (s) => s.ifDestroy('vkid0')),
  row('vnet root', 'routeAdd', 'own', 'ok', (s) =>
    s.routeAdd({ dst: A('10.8.0.0'), prefixLen: 16, gateway: A('10.1.0.2') }),
  ),
  row('vnet root', 'routeChange', 'own', 'ok', (s) =>
    s.routeChange({ dst: A('198.51.100.0'), prefixLen: 24, blackhole: true }),
  ),
  row('vnet root', 'routeDelete', 'own', 'ok', (s) => s.routeDelete(A('198.51.100.0'), 24)),
  row('vnet root', 'routeDelete', 'parent', 'ESRCH', (s) => s.routeDelete(A('192.0.2.0'), 24)),
  row('vnet root', 'routeChange', 'parent', 'ESRCH', (s) =>
    s.routeChange({ dst: A('192.0.2.0'), prefixLen: 24, reject: true }),
  ),
  row('vnet root', 'routeDelete', 'child', 'ESRCH', (s) => s.routeDelete(A('203.0.113.0'), 24)),
  row('vnet root', 'routeFlush', 'own', 'ok', (s) => s.routeFlush()),
  row('vnet root', 'arpSet', 'own', 'ok', (s) => s.arpSet(A('10.1.0.10'), MAC)),
  row('vnet root', 'arpSet (on the parent’s subnet only)', 'parent', 'ENETUNREACH', (s) =>
    s.arpSet(A('10.2.0.10'), MAC),
  ),
  row('vnet root', 'arpDelete', 'own', 'ok', (s) => s.arpDelete(A('10.1.0.9'))),
  row('vnet root', 'arpDelete', 'parent', 'ENOENT', (s) => s.arpDelete(A('10.0.0.9'))),
  row('vnet root', 'arpDelete', 'child', 'ENOENT', (s) => s.arpDelete(A('10.1.0.8'))),
  row('vnet root', 'arpFlush', 'own', 'ok', (s) => s.arpFlush()),
  row('vnet root', 'sysctlSet (vnet knob)', 'own', 'ok', (s) => s.sysctlSet('net.inet.ip.forwarding', '1')),
  row('vnet root', 'sysctlSet (global knob)', 'parent', 'EPERM', (s) => s.sysctlSet(GLOBAL_KNOB, '1')),
  row('vnet root', 'setHostname (not allowed)', 'own', 'EPERM', (s) => s.setHostname('mine')),
  row('vnet root', 'setHostname (allow.set_hostname)', 'own', 'ok', (s) => s.setHostname('mine'), {
    setup: (root) => root.jailModify('v', [['allow.set_hostname', '1']]),
  }),
  row('vnet root', 'rawSocket', 'own', 'ok', (s) => s.rawSocket(1), ro),
  row('vnet root', 'jailCreate', 'child', 'ok', (s) =>
    s.jailCreate([
      ['name', 'x'],
      ['persist', true],
    ]),
  ),
  row('vnet root', 'jailCreate (vnet.interface)', 'child', 'ok', (s) =>
    s.jailCreate([
      ['name', 'x'],
      ['vnet', true],
      ['persist', true],
      ['vnet.interface', 'vown0'],
    ]),
  ),
  row('vnet root', 'jailCreate (parent’s vnet.interface)', 'parent', 'ENXIO', (s) =>
    s.jailCreate([
      ['name', 'x'],
      ['vnet', true],
      ['persist', true],
      ['vnet.interface', 'hostonly0'],
    ]),
  ),
  row('vnet root', 'jailCreate (more room than it has)', 'child', 'EPERM', (s) =>
    s.jailCreate([
      ['name', 'x'],
      ['persist', true],
      ['children.max', '2'],
    ]),
  ),
  row('vnet root', 'jailCreate (allow.set_hostname it lacks)', 'child', 'EPERM', (s) =>
    s.jailCreate([
      ['name', 'x'],
      ['persist', true],
      ['allow.set_hostname', '1'],
    ]),
  ),
  row('vnet root', 'jailModify (grant allow.set_hostname it lacks)', 'child', 'EPERM', (s) =>
    s.jailModify('c', [['allow.set_hostname', '1']]),
  ),
  row('vnet root', 'jailCreate (allow.raw_sockets in its own stack)', 'child', 'ok', (s) =>
    s.jailCreate([
      ['name', 'x'],
      ['persist', true],
      ['allow.raw_sockets', '1'],
    ]),
  ),
  row('vnet root', 'jailCreate (under the sibling)', 'sibling', 'ENOENT', (s) =>
    s.jailCreate([
      ['name', 's.x'],
      ['persist', true],
    ]),
  ),
  row('vnet root', 'jailModify', 'child', 'ok', (s) => s.jailModify('c', [['host.hostname', 'x']])),
  row('vnet root', 'jailModify', 'own', 'ENOENT', (s) => s.jailModify('v', [['children.max', '9']])),
  row('vnet root', 'jailModify (by jid)', 'parent', 'ENOENT', (s) =>
    s.jailModify('0', [['host.hostname', 'x']]),
  ),
  row('vnet root', 'jailModify', 'sibling', 'ENOENT', (s) => s.jailModify('s', [['host.hostname', 'x']])),
  row('vnet root', 'jailRemove', 'child', 'ok', (s) => s.jailRemove('c')),
  row('vnet root', 'jailRemove', 'own', 'ENOENT', (s) => s.jailRemove('v')),
  row('vnet root', 'jailRemove', 'sibling', 'ENOENT', (s) => s.jailRemove('s')),
  row('vnet root', 'attach', 'child', 'ok', (s) => s.attach('c'), ro),
  row('vnet root', 'attach', 'sibling', 'ENOENT', (s) => s.attach('s')),
  row('vnet root', 'attach', 'own', 'ENOENT', (s) => s.attach('v')),

  // ---- root of a jail without a vnet: no network configuration at all (it shares the host's stack)
  row('plain root', 'ifCreate', 'parent', 'EPERM', (s) => s.ifCreate('epair')),
  row('plain root', 'ifDestroy', 'parent', 'EPERM', (s) => s.ifDestroy('hostonly0')),
  row('plain root', 'ifSetUp', 'parent', 'EPERM', (s) => s.ifSetUp('hostonly0', false)),
  row('plain root', 'ifSetMtu', 'parent', 'EPERM', (s) => s.ifSetMtu('hostonly0', 1400)),
  row('plain root', 'ifRename', 'parent', 'EPERM', (s) => s.ifRename('hostonly0', 'x0')),
  row('plain root', 'ifSetMac', 'parent', 'EPERM', (s) => s.ifSetMac('hostonly0', MAC)),
  row('plain root', 'ifSetDescription', 'parent', 'EPERM', (s) => s.ifSetDescription('hostonly0', 'x')),
  row('plain root', 'ifAddAddr', 'parent', 'EPERM', (s) =>
    s.ifAddAddr('hostonly0', A('10.2.0.9'), 24, { alias: true }),
  ),
  row('plain root', 'ifDelAddr', 'parent', 'EPERM', (s) => s.ifDelAddr('hostonly0', A('10.2.0.1'))),
  row('plain root', 'ifMoveToJail', 'sibling', 'EPERM', (s) => s.ifMoveToJail('hostonly0', 'v')),
  row('plain root', 'ifReclaimFromJail', 'sibling', 'EPERM', (s) => s.ifReclaimFromJail('lent0', 'v')),
  row('plain root', 'routeAdd', 'parent', 'EPERM', (s) =>
    s.routeAdd({ dst: A('10.8.0.0'), prefixLen: 16, reject: true }),
  ),
  row('plain root', 'routeChange', 'parent', 'EPERM', (s) =>
    s.routeChange({ dst: A('192.0.2.0'), prefixLen: 24, reject: true }),
  ),
  row('plain root', 'routeDelete', 'parent', 'EPERM', (s) => s.routeDelete(A('192.0.2.0'), 24)),
  row('plain root', 'routeFlush', 'parent', 'EPERM', (s) => s.routeFlush()),
  row('plain root', 'arpSet', 'parent', 'EPERM', (s) => s.arpSet(A('10.0.0.10'), MAC)),
  row('plain root', 'arpDelete', 'parent', 'EPERM', (s) => s.arpDelete(A('10.0.0.9'))),
  row('plain root', 'arpFlush', 'parent', 'EPERM', (s) => s.arpFlush()),
  row('plain root', 'sysctlSet (vnet knob, shared vnet)', 'parent', 'EPERM', (s) =>
    s.sysctlSet('net.inet.ip.forwarding', '1'),
  ),
  row('plain root', 'sysctlSet (global knob)', 'parent', 'EPERM', (s) => s.sysctlSet(GLOBAL_KNOB, '1')),
  row('plain root', 'setHostname (not allowed)', 'own', 'EPERM', (s) => s.setHostname('mine')),
  row('plain root', 'rawSocket (not allowed)', 'own', 'EPERM', (s) => s.rawSocket(1)),
  row('plain root', 'rawSocket (allow.raw_sockets)', 'own', 'ok', (s) => s.rawSocket(1), {
    ...ro,
    setup: (root) => root.jailModify('p', [['allow.raw_sockets', '1']]),
  }),
  row('plain root', 'jailCreate (children.max 0)', 'child', 'EPERM', (s) =>
    s.jailCreate([
      ['name', 'x'],
      ['persist', true],
    ]),
  ),
  row(
    'plain root',
    'jailCreate (allow.raw_sockets it lacks)',
    'child',
    'EPERM',
    (s) =>
      s.jailCreate([
        ['name', 'q'],
        ['persist', true],
        ['allow.raw_sockets', '1'],
      ]),
    {
      setup: (root) => root.jailModify('p', [['children.max', '1']]),
    },
  ),
  row(
    'plain root',
    'jailModify (grant allow.raw_sockets it lacks)',
    'child',
    'EPERM',
    (s) => s.jailModify('q', [['allow.raw_sockets', '1']]),
    {
      setup: (root) => {
        root.jailModify('p', [['children.max', '1']])
        root.attach('p').jailCreate([
          ['name', 'q'],
          ['persist', true],
        ])
      },
    },
  ),
  row('plain root', 'jailModify', 'own', 'ENOENT', (s) => s.jailModify('p', [['host.hostname', 'x']])),
  row('plain root', 'jailModify', 'sibling', 'ENOENT', (s) => s.jailModify('v', [['host.hostname', 'x']])),
  row('plain root', 'jailRemove', 'sibling', 'ENOENT', (s) => s.jailRemove('v')),
  row('plain root', 'attach', 'sibling', 'ENOENT', (s) => s.attach('v')),
  row('plain root', 'withUid(1001)', 'own', 'ok', (s) => s.withUid(1001), ro),

  // ---- root of a vnet jail's child: its own stack only; its parent (v) is as invisible as the host
  row('child root', 'ifCreate', 'own', 'ok', (s) => s.ifCreate('epair')),
  row('child root', 'ifDestroy (lent by the parent)', 'own', 'ok', (s) => s.ifDestroy('vkid0')),
  row('child root', 'ifSetMtu', 'own', 'ok', (s) => s.ifSetMtu('vkid0', 1400)),
  row('child root', 'ifSetUp', 'own', 'ok', (s) => s.ifSetUp('vkid0', false)),
  row('child root', 'ifRename', 'own', 'ok', (s) => s.ifRename('vkid0', 'x0')),
  row('child root', 'ifSetMac', 'own', 'ok', (s) => s.ifSetMac('vkid0', MAC)),
  row('child root', 'ifSetDescription', 'own', 'ok', (s) => s.ifSetDescription('vkid0', 'x')),
  row('child root', 'ifAddAddr', 'own', 'ok', (s) =>
    s.ifAddAddr('vkid0', A('10.1.0.5'), 24, { alias: true }),
  ),
  row('child root', 'ifDelAddr', 'own', 'ok', (s) => s.ifDelAddr('vkid0', A('10.1.0.2'))),
  row('child root', 'ifSetMtu', 'parent', 'ENXIO', (s) => s.ifSetMtu('vown0', 1400)),
  row('child root', 'ifSetMtu (grandparent)', 'parent', 'ENXIO', (s) => s.ifSetMtu('hostonly0', 1400)),
  row('child root', 'ifDestroy', 'parent', 'ENXIO', (s) => s.ifDestroy('vown0')),
  row('child root', 'ifSetMtu', 'sibling', 'ENXIO', (s) => s.ifSetMtu('sib0', 1400)),
  row('child root', 'ifMoveToJail (to the parent)', 'parent', 'ENOENT', (s) => s.ifMoveToJail('vkid0', 'v')),
  row('child root', 'ifReclaimFromJail', 'parent', 'ENOENT', (s) => s.ifReclaimFromJail('vown0', 'v')),
  row('child root', 'routeAdd', 'own', 'ok', (s) =>
    s.routeAdd({ dst: A('10.8.0.0'), prefixLen: 16, gateway: A('10.1.0.1') }),
  ),
  row('child root', 'routeChange', 'own', 'ok', (s) =>
    s.routeChange({ dst: A('203.0.113.0'), prefixLen: 24, reject: true }),
  ),
  row('child root', 'routeDelete', 'own', 'ok', (s) => s.routeDelete(A('203.0.113.0'), 24)),
  row('child root', 'routeDelete', 'parent', 'ESRCH', (s) => s.routeDelete(A('198.51.100.0'), 24)),
  row('child root', 'routeFlush', 'own', 'ok', (s) => s.routeFlush()),
  row('child root', 'arpSet', 'own', 'ok', (s) => s.arpSet(A('10.1.0.11'), MAC)),
  row('child root', 'arpDelete', 'own', 'ok', (s) => s.arpDelete(A('10.1.0.8'))),
  row('child root', 'arpDelete', 'parent', 'ENOENT', (s) => s.arpDelete(A('10.1.0.9'))),
  row('child root', 'arpFlush', 'own', 'ok', (s) => s.arpFlush()),
  row('child root', 'sysctlSet (vnet knob)', 'own', 'ok', (s) => s.sysctlSet('net.inet.ip.forwarding', '1')),
  row('child root', 'sysctlSet (global knob)', 'parent', 'EPERM', (s) => s.sysctlSet(GLOBAL_KNOB, '1')),
  row('child root', 'setHostname (not allowed)', 'own', 'EPERM', (s) => s.setHostname('mine')),
  row('child root', 'rawSocket', 'own', 'ok', (s) => s.rawSocket(1), ro),
  row('child root', 'jailCreate (children.max 0)', 'child', 'EPERM', (s) =>
    s.jailCreate([
      ['name', 'x'],
      ['persist', true],
    ]),
  ),
  row('child root', 'jailModify', 'parent', 'ENOENT', (s) => s.jailModify('v', [['host.hostname', 'x']])),
  row('child root', 'jailModify', 'own', 'ENOENT', (s) => s.jailModify('c', [['host.hostname', 'x']])),
  row('child root', 'jailRemove', 'parent', 'ENOENT', (s) => s.jailRemove('v')),
  row('child root', 'jailRemove (the parent’s sibling)', 'sibling', 'ENOENT', (s) => s.jailRemove('s')),
  row('child root', 'attach', 'parent', 'ENOENT', (s) => s.attach('v')),
]

describe('privilege matrix', () => {
  test('the world is what the table assumes', () => {
    const { host, as } = world()
    const names = (s: Syscalls) => s.ifList().map((i) => i.name)
    assert.deepEqual(names(as['host root']), ['lo0', 'hostif0', 'hostonly0', 'hostonly1', 'hostsib'])
    assert.deepEqual(names(as['vnet root']), ['lo0', 'lent0', 'vown0'])
    assert.deepEqual(names(as['child root']), ['lo0', 'vkid0'])
    assert.deepEqual(names(host.syscalls().attach('s')), ['lo0', 'sib0'])
    assert.deepEqual(names(as['plain root']), names(as['host root']))
    assert.deepEqual(
      host.allJails().map((p) => p.nameFrom(host.prison0)),
      ['v', 'v.c', 's', 'p'],
    )
    assert.equal(as['host user'].uid, 1001)
    assert.equal(as['vnet user'].jailName, 'v')
  })

  for (const r of rows)
    test(`${r.actor} | ${r.op} | ${r.target} → ${r.expect}`, () => {
      const { host, as } = world()
      r.setup?.(host.syscalls())
      const before = snapshot(host)
      const got = errnoOf(() => r.call(as[r.actor]))
      assert.equal(got, r.expect)
      if (r.expect === 'ok') {
        if (!r.readOnly) assert.notDeepEqual(snapshot(host), before, 'an allowed call changed something')
      } else assert.deepEqual(snapshot(host), before, 'a refused call changed nothing')
      assert.equal(host.env.netisr.errors, 0)
    })
})
