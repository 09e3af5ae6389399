/**
 * Routes per table are bounded (issue: a million routes were accepted): net.route.max_routes, per
 * vnet, default ROUTE_MAX_DEFAULT (a 64 MiB budget). Beyond it route(8) fails as FreeBSD's does on
 * ENOBUFS and nothing changes; an address whose connected routes would not fit is refused whole; a
 * jail's root may lower its cap but never raise it past what its parent allowed; and the memory
 * accounting hook (racct's memoryuse, later) is asked for every route and paid back on removal.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { errnoOf, ip } from '../../../testing/net.js'
import { route } from '../../../userland/sbin/route/route.js'
import { runCmd } from '../../../userland/testkit.js'
import { ROUTE_MAX_DEFAULT } from './route.js'

/** A host and its vnet jail `a` with epair0b at 10.0.0.1/24. */
function world(): { host: Host; root: Syscalls; a: Syscalls } {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
  const root = host.syscalls()
  root.jailCreate([
    ['name', 'a'],
    ['vnet', true],
    ['persist', true],
    ['children.max', '2'],
  ])
  root.ifCreate('epair')
  root.ifMoveToJail('epair0b', 'a')
  const a = root.attach('a')
  a.ifAddAddr('epair0b', ip('10.0.0.1'), 24)
  return { host, root, a }
}

describe('net.route.max_routes', () => {
  test('the default is the same in the host and in a new jail', () => {
    const { root, a } = world()
    assert.equal(ROUTE_MAX_DEFAULT, 262144)
    assert.equal(root.sysctlGet('net.route.max_routes').value, ROUTE_MAX_DEFAULT)
    assert.equal(a.sysctlGet('net.route.max_routes').value, ROUTE_MAX_DEFAULT)
  })

  test('route add beyond the cap: ENOBUFS as route(8) reports it, and the table is unchanged', async () => {
    const { a } = world()
    const n = a.routeList().length
    a.sysctlSet('net.route.max_routes', String(n + 2))
    assert.equal((await runCmd(route, 'route add -net 10.9.0.0/16 10.0.0.2', a)).status, 0)
    assert.equal((await runCmd(route, 'route add -net 10.8.0.0/16 10.0.0.2', a)).status, 0)
    const before = a.routeList()
    assert.deepEqual(await runCmd(route, 'route add -net 10.7.0.0/16 10.0.0.2', a), {
      status: 1,
      out: 'add net 10.7.0.0/16: gateway 10.0.0.2 fib 0: not enough memory\n',
      err: 'route: writing to routing socket: No buffer space available\n',
    })
    assert.deepEqual(a.routeList(), before)
    // Deleting one makes room again.
    assert.equal((await runCmd(route, 'route delete -net 10.9.0.0/16', a)).status, 0)
    assert.equal((await runCmd(route, 'route add -net 10.7.0.0/16 10.0.0.2', a)).status, 0)
  })

  test('an address whose connected routes would not fit is refused whole', () => {
    const { a } = world()
    a.sysctlSet('net.route.max_routes', String(a.routeList().length + 1))
    const before = [a.ifGet('epair0b'), a.routeList()]
    assert.equal(
      errnoOf(() => a.ifAddAddr('epair0b', ip('10.5.0.1'), 24, { alias: true })),
      'ENOBUFS',
    )
    assert.deepEqual([a.ifGet('epair0b'), a.routeList()], before)
  })

  test("a jail's root may lower its cap and raise it back, never past its parent's", () => {
    const { root, a } = world()
    root.sysctlSet('net.route.max_routes', '1000')
    // Jails made after the change inherit it; `a` was made before and keeps the default.
    root.jailCreate([
      ['name', 'b'],
      ['vnet', true],
      ['persist', true],
    ])
    const b = root.attach('b')
    assert.equal(b.sysctlGet('net.route.max_routes').value, 1000)
    assert.equal(
      errnoOf(() => b.sysctlSet('net.route.max_routes', '1001')),
      'EPERM',
    )
    b.sysctlSet('net.route.max_routes', '10')
    b.sysctlSet('net.route.max_routes', '1000')
    assert.equal(b.sysctlGet('net.route.max_routes').value, 1000)
    // A grandchild gets what its parent allows at the time.
    a.sysctlSet('net.route.max_routes', '50')
    a.jailCreate([
      ['name', 'c'],
      ['vnet', true],
      ['persist', true],
    ])
    const c = a.attach('c')
    assert.equal(c.sysctlGet('net.route.max_routes').value, 50)
    assert.equal(
      errnoOf(() => c.sysctlSet('net.route.max_routes', '51')),
      'EPERM',
    )
    // The host's own cap has no ceiling but the sysctl's range.
    root.sysctlSet('net.route.max_routes', String(2 * ROUTE_MAX_DEFAULT))
    assert.equal(root.sysctlGet('net.route.max_routes').value, 2 * ROUTE_MAX_DEFAULT)
  })
})
