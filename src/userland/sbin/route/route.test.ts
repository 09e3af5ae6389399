/**
 * route: FreeBSD's destination rules (default, NET/LEN, classful guesses, -host/-net), its
 * messages on success and failure, the `route get` block and `route flush` lines, and no change
 * at all when the arguments are bad.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SysError } from '../../../util/errno.js'
import { epairIf, fakeSys, ip4, routeInfo, runCmd } from '../../testkit.js'
import { formatFlushed, formatRouteGet, parseRoute, route } from './route.js'

function kernel(extra: Record<string, unknown> = {}) {
  return fakeSys({
    ifGet: (n: string) => {
      if (n !== 'epair0a') throw new SysError('ENXIO', 'x')
      return epairIf('epair0a', 2)
    },
    routeAdd: () => {},
    routeDelete: () => {},
    routeChange: () => {},
    ...extra,
  })
}

describe('route argument rules', () => {
  const k = kernel()
  const spec = (args: string) => parseRoute(k.sys, 'add', args.split(' '))
  test('default, NET/LEN and the classful guesses', () => {
    assert.deepEqual(spec('default 192.0.2.254').spec, { dst: 0, prefixLen: 0, gateway: ip4('192.0.2.254') })
    assert.deepEqual(spec('-net 10.1.2.0/24 192.0.2.1').spec, {
      dst: ip4('10.1.2.0'),
      prefixLen: 24,
      gateway: ip4('192.0.2.1'),
    })
    assert.deepEqual(spec('10.0.0.0 192.0.2.1').spec.prefixLen, 8)
    assert.deepEqual(spec('172.16.0.0 192.0.2.1').spec.prefixLen, 16)
    const h = spec('198.51.100.7 192.0.2.1')
    assert.equal(h.host, true)
    assert.equal(h.spec.prefixLen, 32)
    assert.equal(spec('-net 10.1 192.0.2.1').spec.prefixLen, 16)
    assert.deepEqual(spec('-net 10.0.0.0 192.0.2.1 -netmask 255.255.0.0').spec.prefixLen, 16)
    assert.equal(spec('-host 10.0.0.0 192.0.2.1').host, true)
  })

  test('-interface, -blackhole, -reject, -mtu', () => {
    assert.deepEqual(spec('-net 10.0.0.0/8 -interface epair0a').spec, {
      dst: ip4('10.0.0.0'),
      prefixLen: 8,
      ifName: 'epair0a',
    })
    const b = spec('10.0.0.0/8 127.0.0.1 -blackhole -mtu 1400').spec
    assert.equal(b.blackhole, true)
    assert.equal(b.mtu, 1400)
  })
})

describe('route modifiers of route.8', () => {
  const k = kernel({ now: () => 1000e9 })
  const spec = (args: string) => parseRoute(k.sys, 'add', args.split(' ')).spec

  test('flags: -xresolve, -sticky then -nostick, -proxy', () => {
    const s = spec('-net 10.0.0.0/8 192.0.2.1 -xresolve -sticky -proxy')
    assert.deepEqual([s.xresolve, s.sticky, s.proxy], [true, true, true])
    assert.equal(spec('10.0.0.0/8 192.0.2.1 -sticky -nostick').sticky, false)
  })

  test('metrics: strtol base 0; only mtu, weight and expire reach the kernel', () => {
    const s = spec(
      '10.0.0.0/8 192.0.2.1 -mtu 0x500 -weight 010 -hopcount 3 -rtt 5 -rttvar 1 -sendpipe 9 -recvpipe 9 -ssthresh 7',
    )
    assert.deepEqual([s.mtu, s.weight], [1280, 8])
    assert.equal(Object.hasOwn(s, 'hopcount'), false)
    assert.equal(spec('10.0.0.0/8 192.0.2.1 -expire 1234').expire, 1234)
    // A signed -expire counts from now (time_second 1000 here).
    assert.equal(spec('10.0.0.0/8 192.0.2.1 -expire +30').expire, 1030)
    assert.equal(spec('10.0.0.0/8 192.0.2.1 -expire -5').expire, 995)
    // Locks apply to metrics; FreeBSD 14 keeps none, so they change nothing sent.
    assert.deepEqual(spec('10.0.0.0/8 192.0.2.1 -lock -mtu 1400 -lockrest -rtt 3').mtu, 1400)
  })

  test('-ifa, -ifp, -genmask', () => {
    const s = spec('10.0.0.0/8 192.0.2.1 -ifa 192.0.2.7 -ifp epair0a -genmask 255.255.0.0')
    assert.deepEqual([s.ifa, s.ifp], [ip4('192.0.2.7'), 'epair0a'])
  })

  test('bad values: err(EX_USAGE) with the value, bad addresses EX_NOHOST, a missing value the usage', async () => {
    const cases = [
      ['route add 10.0.0.0/8 192.0.2.1 -hopcount x', 64, 'route: x: Invalid argument\n'],
      ['route add 10.0.0.0/8 192.0.2.1 -expire 12abc', 64, 'route: 12abc: Invalid argument\n'],
      [
        'route add 10.0.0.0/8 192.0.2.1 -rtt 99999999999999999999',
        64,
        'route: 99999999999999999999: Result too large\n',
      ],
      ['route add 10.0.0.0/8 192.0.2.1 -ifa nowhere', 68, 'route: bad address: nowhere\n'],
      ['route add 10.0.0.0/8 192.0.2.1 -genmask 255.x', 68, 'route: bad address: 255.x\n'],
      [
        'route add 10.0.0.0/8 192.0.2.1 -ssthresh',
        64,
        'route: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]\n',
      ],
    ] as const
    for (const [line, status, err] of cases) {
      const kk = kernel()
      const r = await runCmd(route, line, kk.sys)
      assert.deepEqual([r.status, r.err], [status, err], line)
      assert.deepEqual(kk.mutations(), [], line)
    }
  })
})

describe('route add/delete/change', () => {
  test('success messages echo the operands as typed', async () => {
    const k = kernel()
    assert.deepEqual(await runCmd(route, 'route add default 192.0.2.254', k.sys), {
      status: 0,
      out: 'add net default: gateway 192.0.2.254\n',
      err: '',
    })
    assert.equal(
      (await runCmd(route, 'route add -net 10.0.0.0/24 192.0.2.1', k.sys)).out,
      'add net 10.0.0.0/24: gateway 192.0.2.1\n',
    )
    assert.equal(
      (await runCmd(route, 'route add 1.2.3.4 192.0.2.1', k.sys)).out,
      'add host 1.2.3.4: gateway 192.0.2.1\n',
    )
    assert.equal((await runCmd(route, 'route delete 1.2.3.4', k.sys)).out, 'delete host 1.2.3.4\n')
    assert.equal((await runCmd(route, 'route -q add 1.2.3.5 192.0.2.1', k.sys)).out, '')
    assert.deepEqual(k.calls.find(([n]) => n === 'routeDelete')?.[1], [ip4('1.2.3.4'), 32, undefined])
  })

  test('kernel refusals as route prints them', async () => {
    const fail = (code: 'EEXIST' | 'ENETUNREACH' | 'ESRCH' | 'EPERM') => () => {
      throw new SysError(code, 'RTM')
    }
    let k = kernel({ routeAdd: fail('EEXIST') })
    assert.deepEqual(await runCmd(route, 'route add -net 10.0.0.0/24 192.0.2.1', k.sys), {
      status: 1,
      out: 'add net 10.0.0.0/24: gateway 192.0.2.1 fib 0: route already in table\n',
      err: '',
    })
    k = kernel({ routeAdd: fail('ENETUNREACH') })
    assert.deepEqual(await runCmd(route, 'route add default 192.0.2.254', k.sys), {
      status: 1,
      out: 'add net default: gateway 192.0.2.254 fib 0: Network is unreachable\n',
      err: 'route: writing to routing socket: Network is unreachable\n',
    })
    k = kernel({ routeDelete: fail('ESRCH') })
    assert.deepEqual(await runCmd(route, 'route delete 10.9.0.0/16', k.sys), {
      status: 1,
      out: 'delete net 10.9.0.0/16 fib 0: not in table\n',
      err: 'route: route has not been found\n',
    })
    k = kernel({ routeAdd: fail('EPERM') })
    assert.deepEqual(await runCmd(route, 'route add default 192.0.2.254', k.sys), {
      status: 1,
      out: '',
      err: 'route: writing to routing socket: Operation not permitted\n',
    })
  })

  test('bad arguments and non-root change nothing', async () => {
    const cases = [
      ['route add default 192.0.2.x', 68, 'route: bad address: 192.0.2.x\n'],
      ['route add 10.0.0.0/40 192.0.2.1', 68, 'route: bad address: 10.0.0.0/40\n'],
      ['route add -net 10.0.0.0/8 -interface nosuch0', 65, "route: interface 'nosuch0' does not exist\n"],
      [
        'route add -frob 10.0.0.0/8 192.0.2.1',
        64,
        'route: bad keyword: frob\nroute: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]\n',
      ],
      [
        'route add',
        64,
        'route: destination parameter required\nroute: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]\n',
      ],
      [
        'route frob',
        64,
        'route: bad keyword: frob\nroute: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]\n',
      ],
    ] as const
    for (const [line, status, err] of cases) {
      const k = kernel()
      const r = await runCmd(route, line, k.sys)
      assert.deepEqual([r.status, r.err], [status, err], line)
      assert.deepEqual(k.mutations(), [], line)
    }
    const user = kernel({ uid: 1001 })
    assert.deepEqual(await runCmd(route, 'route add default 192.0.2.254', user.sys), {
      status: 77,
      out: '',
      err: 'route: must be root to alter routing table\n',
    })
    assert.deepEqual(user.mutations(), [])
  })
})

describe('route get and flush', () => {
  test('the route get block', () => {
    const r = routeInfo('0.0.0.0', 0, '192.0.2.254', 'epair0a', 0x803)
    assert.equal(
      formatRouteGet(ip4('198.51.100.1'), r, 1500, false),
      [
        '   route to: 198.51.100.1',
        'destination: default',
        '       mask: default',
        '    gateway: 192.0.2.254',
        '        fib: 0',
        '  interface: epair0a',
        '      flags: <UP,GATEWAY,DONE,STATIC>',
        ' recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire',
        '       0         0         0         0      1500         1         0 ',
        '',
      ].join('\n'),
    )
    const host = routeInfo('192.0.2.1', 32, 2, 'lo0', 0x805)
    const text = formatRouteGet(ip4('192.0.2.1'), host, 16384, true)
    assert.doesNotMatch(text, /mask:|gateway:/)
    assert.match(text, /flags: <UP,HOST,DONE,STATIC>/)
  })

  test('route get without a route', async () => {
    const k = kernel({
      routeGet: () => {
        throw new SysError('ESRCH', 'RTM_GET')
      },
    })
    assert.deepEqual(await runCmd(route, 'route get 203.0.113.1', k.sys), {
      status: 1,
      out: '',
      err: 'route: route has not been found\n',
    })
  })

  test('flush deletes and lists the gateway routes only', async () => {
    const routes = [
      routeInfo('0.0.0.0', 0, '192.0.2.254', 'epair0a', 0x803),
      routeInfo('10.1.0.0', 16, '192.0.2.1', 'epair0a', 0x803),
      routeInfo('192.0.2.0', 24, 2, 'epair0a', 0x1),
    ]
    const k = kernel({ routeList: () => routes })
    const r = await runCmd(route, 'route -n flush', k.sys)
    assert.equal(r.out, formatFlushed(routes[0]!) + formatFlushed(routes[1]!))
    assert.equal(formatFlushed(routes[0]!), 'default              192.0.2.254          -fib 0   done\n')
    assert.equal(formatFlushed(routes[1]!), '10.1                 192.0.2.1            -fib 0   done\n')
    assert.deepEqual(k.mutations(), ['routeDelete', 'routeDelete'])
  })
})
