/**
 * Random command lines for the isolation fuzzers, from the real command vocabulary: ifconfig,
 * route, arp, netstat, sysctl, jail, jls, jexec, ngctl, ping, traceroute, hostname and the shell's
 * kill, with plausible arguments (the names of the world's interfaces, jails, addresses, netgraph
 * nodes and sysctls, whoever they belong to) and garbage. A command is drawn from a list of numbers
 * (`Choices`): the same numbers give the same command, and smaller numbers give plainer commands
 * (the first entry of every list is the ordinary one), so a property-test library shrinking the
 * numbers toward 0 shrinks the command too.
 *
 * Commands that could run for long are bounded here (ping and traceroute get a small count and
 * wait); it must not make anything else "safe": finding what breaks is the point.
 */

/** Draws from a list of numbers; past its end every draw is 0. */
export class Choices {
  private i = 0
  /**
   * @param ifaces the interface names in use anywhere right now (every vnet's), so that commands
   *   name other contexts' interfaces as often as their own
   */
  constructor(
    private readonly xs: readonly number[],
    readonly ifaces: readonly string[] = [],
  ) {}

  int(n: number): number {
    const x = this.xs[this.i++] ?? 0
    return n <= 1 ? 0 : x % n
  }

  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!
  }

  /** True with probability about 1/n (never for draws past the end). */
  one(n: number): boolean {
    return this.int(n) === n - 1
  }

  /** 0..max items made by f. */
  many<T>(max: number, f: () => T): T[] {
    const out: T[] = []
    for (let k = this.int(max + 1); k > 0; k--) out.push(f())
    return out
  }
}

const IFACES = [
  'epair0a',
  'epair0b',
  'epair1a',
  'epair1b',
  'epair2a',
  'epair2b',
  'epair3a',
  'epair3b',
  'epair4a',
  'lo0',
  'bridge0',
  'lo1',
  'bridge1',
  'epair9a',
] as const
const GARBAGE = [
  '',
  '-',
  '--',
  'x',
  'epair',
  'epair0',
  'lo',
  'a'.repeat(20),
  'lo0.',
  'epair0a:',
  '%s%n',
  '../',
  'é',
  ' ',
  '-1',
  '0x10',
  '4294967296',
  '1e999',
] as const
const CLONERS = ['epair', 'lo', 'bridge', 'epair7', 'lo5', 'bridge3', 'vxlan', 'tun', 'epair32768'] as const
const JAIL_NAMES = [
  'v',
  's',
  'p',
  'g',
  'v.g',
  'n',
  '1',
  '2',
  '3',
  '4',
  '5',
  '0',
  'v.g.x',
  's.x',
  'p.x',
  '*',
] as const
const ADDRS = [
  '10.0.0.1',
  '10.0.0.2',
  '10.1.0.1',
  '10.1.0.2',
  '10.2.0.1',
  '10.3.0.1',
  '10.3.0.2',
  '127.0.0.1',
  '10.0.0.9',
  '10.1.0.9',
  '192.0.2.1',
  '198.51.100.7',
  '10.0.0.255',
  '0.0.0.0',
  '255.255.255.255',
  '224.0.0.1',
  '10.9.9.9',
] as const
const BAD_ADDRS = [
  '1.2.3',
  '999.1.1.1',
  'abc',
  '10.0.0.1/33',
  '/24',
  '10.0.0.1/-1',
  '::1',
  'default',
  '10',
] as const
const PREFIXES = ['24', '32', '8', '16', '0', '30', '31'] as const
const MACS = [
  '02:00:00:00:00:01',
  '02:aa:bb:cc:dd:ee',
  'ff:ff:ff:ff:ff:ff',
  '01:00:5e:00:00:01',
  'zz:00',
  '0',
] as const
const NUMBERS = [
  '1',
  '0',
  '64',
  '1500',
  '9000',
  '65535',
  '65536',
  '-1',
  '4294967296',
  '0x10',
  '08',
  'NaN',
  '1.5',
] as const
const USERS = ['nobody', 'root', '0', '65534', '1001', 'nosuchuser'] as const
const SYSCTLS = [
  'net.inet.ip.forwarding',
  'net.inet.ip.ttl',
  'net.link.ether.inet.max_age',
  'net.inet.icmp.icmplim',
  'net.inet.icmp.bmcastecho',
  'net.inet.ip.redirect',
  'net.inet.ip.portrange.first',
  'kern.hostname',
  'kern.features.vimage',
  'kern.ostype',
  'security.jail.jailed',
  'security.jail.vnet',
  'net.inet',
  'kern',
  'security',
  'net.inet.ip.maxfragpackets',
  'nosuch.sysctl',
] as const
const NG_PATHS = [
  'hosthub:',
  'vhub:',
  'shub:',
  '.',
  '[1]:',
  '[2]:',
  '[3]:',
  'epair0a:',
  'epair0b:',
  'epair2b:',
  'x:',
] as const
const NG_TYPES = ['hub', 'bridge', 'eiface', 'pipe', 'tee', 'one2many', 'socket', 'ether', 'nosuch'] as const
const NG_HOOKS = ['link0', 'link1', 'lower', 'upper', 'left', 'right', 'ether0', 'x'] as const
const NG_MSGS = [
  'getstats',
  'clrstats',
  'setpersistent',
  'getifname',
  'setconfig { bandwidth=1000 }',
  'nosuch',
] as const
const PIDS = ['100', '101', '102', '103', '104', '105', '1', '0', '-1', '99999', '%1'] as const

/** A command line (argv) drawn from `c`; nested `jexec` goes at most `depth` deep. */
export function genCommand(c: Choices, depth = 1): string[] {
  const kinds = [
    ifconfig,
    route,
    arp,
    netstat,
    sysctl,
    jail,
    jls,
    jexec,
    ngctl,
    ping,
    traceroute,
    hostname,
    kill,
  ]
  let argv = c.pick(kinds)(c, depth)
  // Now and then, garbage anywhere.
  if (c.one(6)) {
    const at = 1 + c.int(argv.length)
    argv = [...argv.slice(0, at), c.pick([...GARBAGE, ...IFACES, ...ADDRS]), ...argv.slice(at)]
  }
  return argv
}

const iface = (c: Choices) =>
  c.one(8) ? c.pick(GARBAGE) : c.ifaces.length > 0 && c.one(2) ? c.pick(c.ifaces) : c.pick(IFACES)
const addr = (c: Choices) => (c.one(8) ? c.pick(BAD_ADDRS) : c.pick(ADDRS))
const cidr = (c: Choices) => (c.one(3) ? addr(c) : `${addr(c)}/${c.pick(PREFIXES)}`)
const jname = (c: Choices) => (c.one(8) ? c.pick(GARBAGE) : c.pick(JAIL_NAMES))

function ifconfig(c: Choices): string[] {
  const forms: Array<() => string[]> = [
    () => [],
    () => [iface(c)],
    () => [c.pick(['-a', '-l', '-C', '-g', '-lu', '-ad', '-m'])],
    () => [c.pick(CLONERS), 'create'],
    () => [iface(c), 'destroy'],
    () => [
      iface(c),
      ...(c.one(2) ? ['inet'] : []),
      cidr(c),
      ...c.many(2, () => c.pick(['up', 'alias', 'down'])),
    ],
    () => [iface(c), 'inet', addr(c), 'netmask', c.pick(['255.255.255.0', '0xffffff00', '255.0.255.0', 'x'])],
    () => [iface(c), addr(c), c.pick(['-alias', 'delete', 'remove'])],
    () => [iface(c), c.pick(['up', 'down'])],
    () => [iface(c), 'mtu', c.pick(NUMBERS)],
    () => [iface(c), 'name', c.one(2) ? iface(c) : c.pick(['new0', 'a'.repeat(16), 'lo0', 'x y', '0'])],
    () => [iface(c), c.pick(['ether', 'lladdr', 'link']), c.pick(MACS)],
    () => [
      iface(c),
      c.pick(['description', 'descr', '-description']),
      c.pick(['hello', '', 'x'.repeat(300)]),
    ],
    () => [iface(c), c.pick(['vnet', '-vnet']), jname(c)],
    () => [iface(c), c.pick(['addm', 'deletem']), iface(c)],
    () => [
      iface(c),
      ...c.many(4, () => c.pick(['up', 'down', 'mtu', 'alias', 'vnet', 'name', 'addm', '1500', 'v'])),
    ],
  ]
  return ['ifconfig', ...c.pick(forms)()]
}

function route(c: Choices): string[] {
  const dst = () => (c.one(4) ? 'default' : cidr(c))
  const flags = () =>
    c.many(2, () => c.pick(['-blackhole', '-reject', '-net', '-host', '-interface', '-inet', '-mtu']))
  const forms: Array<() => string[]> = [
    () => ['-n', 'get', addr(c)],
    () => ['add', ...flags(), dst(), addr(c)],
    () => ['delete', ...flags(), dst(), ...(c.one(2) ? [addr(c)] : [])],
    () => ['change', dst(), addr(c)],
    () => ['add', dst(), '-interface', iface(c)],
    () => ['get', dst()],
    () => ['flush'],
    () => ['-n', 'flush'],
    () => [c.pick(['monitor', 'show', '-q', '-d', 'x'])],
  ]
  return ['route', ...c.pick(forms)()]
}

function arp(c: Choices): string[] {
  const forms: Array<() => string[]> = [
    () => ['-an'],
    () => ['-a'],
    () => [addr(c)],
    () => ['-d', addr(c)],
    () => ['-d', '-a'],
    () => [
      '-s',
      addr(c),
      c.pick(MACS),
      ...c.many(2, () => c.pick(['temp', 'pub', 'permanent', 'blackhole'])),
    ],
    () => ['-S', addr(c), c.pick(MACS)],
    () => ['-i', iface(c), '-an'],
  ]
  return ['arp', ...c.pick(forms)()]
}

function netstat(c: Choices): string[] {
  const forms: Array<() => string[]> = [
    () => ['-rn'],
    () => ['-i'],
    () => ['-s'],
    () => ['-an'],
    () => ['-rn', '-f', c.pick(['inet', 'inet6', 'link', 'x'])],
    () => ['-s', '-p', c.pick(['ip', 'icmp', 'udp', 'arp', 'tcp', 'x'])],
    () => ['-ibn'],
    () => ['-I', iface(c)],
    () => ['-r'],
  ]
  return ['netstat', ...c.pick(forms)()]
}

function sysctl(c: Choices): string[] {
  const name = () => (c.one(8) ? c.pick(GARBAGE) : c.pick(SYSCTLS))
  const forms: Array<() => string[]> = [
    () => [name()],
    () => ['-n', name()],
    () => [`${name()}=${c.pick([...NUMBERS, 'vnet', ''])}`],
    () => ['-a'],
    () => ['-d', name()],
    () => [`${name()}=${c.pick(NUMBERS)}`, `${name()}=${c.pick(NUMBERS)}`],
  ]
  return ['sysctl', ...c.pick(forms)()]
}

function jailParam(c: Choices): string {
  const ps: Array<() => string> = [
    () => 'persist',
    () => 'vnet',
    () => `children.max=${c.pick(NUMBERS)}`,
    () => `host.hostname=${c.pick(['h', 'vee', 'x'.repeat(300), ''])}`,
    () => `vnet.interface=${iface(c)}`,
    () => `ip4.addr=${c.pick([...ADDRS, ...BAD_ADDRS])}`,
    () =>
      c.pick(['vnet=new', 'vnet=inherit', 'novnet', 'nopersist', 'allow.raw_sockets', 'allow.set_hostname']),
    () => c.pick(['path=/tmp', 'securelevel=3', 'parent=1', 'jid=1', 'children.cur=5', 'nosuch=1']),
  ]
  return c.pick(ps)()
}

function jail(c: Choices): string[] {
  const forms: Array<() => string[]> = [
    () => [
      '-c',
      `name=${c.one(2) ? c.pick(['n', 'n.m', 'v.n', 'g.n']) : jname(c)}`,
      ...c.many(4, () => jailParam(c)),
    ],
    () => ['-r', jname(c)],
    () => ['-m', `name=${jname(c)}`, ...c.many(3, () => jailParam(c))],
    () => ['-m', `jid=${c.pick(['1', '2', '3', '4', '5'])}`, jailParam(c)],
    () => ['-cm', `name=${jname(c)}`, jailParam(c)],
    () => ['-r', '*'],
  ]
  return ['jail', ...c.pick(forms)()]
}

function jls(c: Choices): string[] {
  return [
    'jls',
    ...c.pick([[], ['-v'], ['-n'], ['-N'], ['-j', jname(c)], ['-d'], ['-s'], ['-n', 'name', 'vnet']]),
  ]
}

function jexec(c: Choices, depth: number): string[] {
  const user = c.one(2) ? ['-U', c.pick(USERS)] : c.one(4) ? ['-u', c.pick(USERS)] : []
  const cmd = depth > 0 ? genCommand(c, depth - 1) : ['hostname']
  return ['jexec', ...user, jname(c), ...cmd]
}

function ngctl(c: Choices): string[] {
  const path = () => (c.one(6) ? c.pick(GARBAGE) : c.pick(NG_PATHS))
  const hook = () => c.pick(NG_HOOKS)
  const forms: Array<() => string[]> = [
    () => ['list'],
    () => ['mkpeer', path(), c.pick(NG_TYPES), hook(), hook()],
    () => ['show', path()],
    () => ['types'],
    () => ['name', path(), c.pick(['hosthub', 'vhub', 'shub', 'new', 'a'.repeat(40), 'a:b'])],
    () => ['connect', path(), path(), hook(), hook()],
    () => ['rmhook', path(), hook()],
    () => ['shutdown', path()],
    () => ['msg', path(), ...c.pick(NG_MSGS).split(' ')],
    () => ['status', path()],
    () => ['ls', '-l'],
  ]
  return ['ngctl', ...c.pick(forms)()]
}

function ping(c: Choices): string[] {
  const opt = () =>
    c.pick([
      ['-n'],
      ['-q'],
      ['-s', c.pick(['56', '0', '1472', '8000', '65507', '-1'])],
      ['-t', '2'],
      ['-m', c.pick(['1', '64', '255', '0'])],
      ['-S', addr(c)],
      ['-D'],
      ['-f'],
      ['-i', c.pick(['0.1', '0.001', '2'])],
      ['-l', '3'],
      ['-W', '500'],
      ['-x'],
    ])
  return ['ping', ...c.many(3, opt).flat(), '-c', c.pick(['1', '2', '3']), addr(c)]
}

function traceroute(c: Choices): string[] {
  const extra = c.many(2, () => c.pick([['-I'], ['-m', '40'], ['-f', '2'], ['-s', addr(c)], ['-z']]))
  return ['traceroute', '-n', ...extra.flat(), '-q', '1', '-w', '1', '-m', c.pick(['3', '1']), addr(c)]
}

function hostname(c: Choices): string[] {
  return [
    'hostname',
    ...c.pick([[], [c.pick(['newname', '', 'x'.repeat(300), 'a b'])], ['-s'], ['-f'], ['-x']]),
  ]
}

function kill(c: Choices): string[] {
  const sig = c.pick([[], ['-9'], ['-s', 'TERM'], ['-HUP'], ['-0'], ['-l']])
  return ['sh', '-c', ['kill', ...sig, c.pick(PIDS)].join(' ')]
}

/** The world's interface names, the ones every vnet uses (epair1a is both the host's and v's). */
const WORLD_IFACES = [
  'epair0a',
  'epair0b',
  'epair1a',
  'epair1b',
  'epair2a',
  'epair2b',
  'epair3a',
  'lo1',
] as const

/**
 * The moves that decide what a jail's removal must give back: clone, rename (onto names its parent
 * uses, too), lend to a child, take back, create and remove jails. `own` names the interfaces of
 * the context's own vnet, the ones it can rename.
 */
export function genTeardown(c: Choices, own: readonly string[]): string[] {
  const ifn = () => c.pick(c.ifaces.length > 0 ? c.ifaces : WORLD_IFACES)
  const mine = () => (own.length > 0 ? c.pick(own) : ifn())
  const forms: Array<() => string[]> = [
    () => ['ifconfig', mine(), 'name', ifn()],
    () => ['jail', '-r', c.pick(['v', 'g', 'v.g', 's', 'n', 'v.n'])],
    () => ['ifconfig', mine(), 'name', ifn()],
    () => ['jail', '-r', c.pick(['v', 'g', 'v.g', 's', 'n', 'v.n'])],
    () => ['ifconfig', c.pick(['epair', 'lo', 'bridge']), 'create'],
    () => ['ifconfig', ifn(), 'vnet', c.pick(['v', 's', 'g', 'n'])],
    () => ['ifconfig', ifn(), '-vnet', c.pick(['v', 's', 'g', 'n'])],
    () => ['jail', '-c', `name=${c.pick(['n', 'g', 'v', 's'])}`, 'vnet', 'persist', 'children.max=2'],
    () => ['ifconfig', ifn(), 'destroy'],
  ]
  return c.pick(forms)()
}

/** Commands that only read: what a context can learn about the system, for the leak checks. */
export function genRead(c: Choices): string[] {
  const forms: Array<() => string[]> = [
    () => ['netstat', '-rn'],
    () => ['arp', '-an'],
    () => ['route', '-n', 'get', addr(c)],
    () => ['netstat', c.pick(['-r', '-i', '-in', '-ibn', '-an', '-s'])],
    () => ['arp', c.pick(['-a', addr(c)])],
    () => ['route', 'get', c.pick(['default', ...ADDRS])],
    () => ['ifconfig', ...c.pick([[], ['-a'], ['-l'], [iface(c)]])],
    () => ['jls', ...c.pick([[], ['-v'], ['-n'], ['-N']])],
    () => ['sysctl', c.pick(['-a', 'net', 'kern', 'security'])],
    () => ['hostname'],
    () => ['netstat', '-rn', '-f', 'inet'],
  ]
  return c.pick(forms)()
}
