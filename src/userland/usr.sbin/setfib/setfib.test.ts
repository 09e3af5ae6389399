/**
 * Multiple FIBs end to end on a virtual-clock host: two FIBs with different default routes, a
 * process under `setfib 1` using FIB 1 (and its children inheriting it), an interface with `fib 1`
 * forwarding by FIB 1, ipfw's `setfib` steering forwarded packets, and FreeBSD's refusals of FIB
 * numbers past net.fibs (setfib(1), ifconfig, route, sysctl, SO_SETFIB).
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { Syscalls } from '../../../host/syscalls.js'
import { SO, SOCK, SOL_SOCKET } from '../../../kern/socket.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import type { SysError } from '../../../util/errno.js'
import { startProcess } from '../../process.js'
import { programs } from '../../programs.js'
import { capture, type RunResult } from '../../testkit.js'

function runner(sys: Syscalls) {
  return async (line: string): Promise<RunResult> => {
    const io = capture()
    const status = await startProcess(sys, line.split(' '), io, { programs }).done
    return { status, out: io.out(), err: io.err() }
  }
}

async function ok(run: ReturnType<typeof runner>, line: string): Promise<string> {
  const r = await run(line)
  assert.deepEqual([r.status, r.err], [0, ''], `${line}\n${r.out}`)
  return r.out
}

/** ICMP echo requests a jail has received (netstat -s -p icmp's input histogram). */
async function echoesIn(run: ReturnType<typeof runner>, jail: string): Promise<number> {
  const out = await ok(run, `jexec ${jail} netstat -s -p icmp`)
  const hist = out.slice(out.indexOf('Input histogram:'))
  return Number(/\techo: (\d+)/.exec(hist)?.[1] ?? 0)
}

/**
 * The host with two gateways: jail g0 on epair0 and g1 on epair1; only g1 has 203.0.113.1. The
 * host's FIB 0 default goes to g0, FIB 1's to g1 (epair1a is in FIB 1, net.add_addr_allfibs=0).
 */
async function twoGateways() {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 3 })
  const run = runner(host.syscalls())
  await ok(run, 'sysctl net.fibs=2')
  for (const [i, g] of [
    [0, 'g0'],
    [1, 'g1'],
  ] as const) {
    await ok(run, 'ifconfig epair create')
    await ok(run, `jail -c name=${g} vnet persist vnet.interface=epair${i}b`)
    await ok(run, `ifconfig epair${i}a 192.0.${2 + i}.1/24 fib ${i} up`)
    await ok(run, `jexec ${g} ifconfig epair${i}b 192.0.${2 + i}.2/24 up`)
  }
  await ok(run, 'jexec g1 ifconfig lo0 inet 203.0.113.1/32 alias')
  await ok(run, 'route add default 192.0.2.2')
  await ok(run, 'setfib 1 route add default 192.0.3.2')
  return { host, run }
}

describe('multiple FIBs', () => {
  test('two FIBs with different default routes; setfib 1 uses FIB 1, and its children too', async () => {
    const { run } = await twoGateways()
    assert.match(await ok(run, 'netstat -rn -f inet'), /^default +192\.0\.2\.2 +UGS +epair0a$/m)
    const f1 = await ok(run, 'setfib 1 netstat -rn -f inet')
    assert.match(f1, /^Routing tables \(fib: 1\)/)
    assert.match(f1, /^default +192\.0\.3\.2 +UGS +epair1a$/m)
    assert.doesNotMatch(f1, /192\.0\.2\.0\/24/)
    assert.match(await ok(run, 'netstat -rn -F 1 -f inet'), /^default +192\.0\.3\.2/m)
    // FIB 0 sends to g0, which has no such address and does not forward.
    assert.notEqual((await run('ping -c 1 -t 2 203.0.113.1')).status, 0)
    assert.equal(await echoesIn(run, 'g1'), 0)
    await ok(run, 'setfib 1 ping -c 1 203.0.113.1')
    assert.equal(await echoesIn(run, 'g1'), 1)
    // A child of a process in FIB 1 is in FIB 1 (p_fibnum is inherited).
    await ok(run, 'setfib -F 1 nohup ping -c 1 203.0.113.1')
    assert.equal(await echoesIn(run, 'g1'), 2)
    assert.match(await ok(run, 'setfib 1 route get 203.0.113.1'), /fib: 1\n {2}interface: epair1a/)
    // net.my_fibnum answers each reader with its own FIB, and cannot be written.
    assert.equal(await ok(run, 'sysctl -n net.my_fibnum'), '0\n')
    assert.equal(await ok(run, 'setfib 1 sysctl -n net.my_fibnum'), '1\n')
    assert.notEqual((await run('sysctl net.my_fibnum=1')).status, 0)
    assert.match(await ok(run, 'ifconfig epair1a'), /\tfib: 1\n/)
    assert.doesNotMatch(await ok(run, 'ifconfig epair0a'), /fib:/)
  })

  test('SO_SETFIB: a socket takes the FIB given, and refuses one past net.fibs', async () => {
    const { host } = await twoGateways()
    const sys = host.syscalls()
    const fd = sys.socket(2, SOCK.DGRAM, 0)
    assert.equal(fd.getsockopt(SOL_SOCKET, SO.SETFIB), 0)
    // FIB 0's default goes to g0, which is reachable: connect works in either FIB.
    fd.setsockopt(SOL_SOCKET, SO.SETFIB, 1)
    assert.equal(fd.getsockopt(SOL_SOCKET, SO.SETFIB), 1)
    assert.throws(
      () => fd.setsockopt(SOL_SOCKET, SO.SETFIB, 2),
      (e: SysError) => e.code === 'EINVAL',
    )
    await fd.connect({ addr: 0xcb007101, port: 9 })
    // The source address is FIB 1's route's: epair1a's.
    assert.equal(fd.getsockname().addr, 0xc0000301)
    fd.close()
  })

  test('bad FIB numbers: setfib(1), route, netstat, ifconfig, sysctl and setfib(2)', async () => {
    const { host, run } = await twoGateways()
    assert.deepEqual(await run('setfib 2 true'), {
      status: 1,
      out: '',
      err: 'setfib: 2: invalid FIB (max 1)\n',
    })
    assert.deepEqual(await run('setfib -F x true'), {
      status: 1,
      out: '',
      err: 'setfib: x: invalid FIB (max 1)\n',
    })
    assert.equal((await run('setfib 1 nosuchprogram')).status, 127)
    const r = await run('route -F 5 add default 192.0.2.2')
    assert.deepEqual([r.status, r.err], [64, 'route: invalid fib number: 5\n'])
    assert.equal((await run('route add -net 10.0.0.0/8 192.0.2.2 -fib 7')).status, 64)
    assert.deepEqual(await run('netstat -rn -F 9'), { status: 1, out: '', err: 'netstat: 9: invalid fib\n' })
    // ifconfig warns and goes on (iffib.c), as FreeBSD's does.
    assert.deepEqual(await run('ifconfig epair0a fib 2'), {
      status: 0,
      out: '',
      err: 'ifconfig: ioctl (SIOCSIFFIB): Invalid argument\n',
    })
    const s = await run('sysctl net.fibs=1')
    assert.equal(s.status, 1)
    assert.throws(
      () => host.syscalls().setfib(2),
      (e: SysError) => e.code === 'EINVAL',
    )
    assert.throws(
      () => host.syscalls().setfib(-1),
      (e: SysError) => e.code === 'EINVAL',
    )
  })
})

/**
 * A router jail r between a source jail s and two destination jails d0 and d1, both of which own
 * 203.0.113.1. r's FIB 0 sends 203.0.113.0/24 to d0, FIB 1 to d1.
 */
async function router() {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
  const run = runner(host.syscalls())
  for (const j of ['r', 's', 'd0', 'd1']) await ok(run, `jail -c name=${j} vnet persist`)
  await ok(run, 'jexec r sysctl net.fibs=2 net.add_addr_allfibs=1 net.inet.ip.forwarding=1')
  const link = async (n: number, j: string, net: string) => {
    await ok(run, 'ifconfig epair create')
    await ok(run, `ifconfig epair${n}a vnet r`)
    await ok(run, `ifconfig epair${n}b vnet ${j}`)
    await ok(run, `jexec r ifconfig epair${n}a ${net}.1/24 up`)
    await ok(run, `jexec ${j} ifconfig epair${n}b ${net}.2/24 up`)
    await ok(run, `jexec ${j} route add default ${net}.1`)
  }
  await link(0, 's', '10.0.0')
  await link(1, 'd0', '10.0.1')
  await link(2, 'd1', '10.0.2')
  for (const d of ['d0', 'd1']) await ok(run, `jexec ${d} ifconfig lo0 inet 203.0.113.1/32 alias`)
  await ok(run, 'jexec r route add -net 203.0.113.0/24 10.0.1.2')
  await ok(run, 'jexec r route -F 1 add -net 203.0.113.0/24 10.0.2.2')
  return run
}

describe('jail exec.fib', () => {
  test('commands inside the jail run under setfib with that FIB (a new vnet has one FIB)', async () => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 7 })
    const run = runner(host.syscalls())
    const bad = await run('jail -c name=j vnet persist exec.fib=1 exec.start=true')
    assert.equal(bad.status, 1)
    assert.match(bad.err, /setfib: 1: invalid FIB \(max 0\)\njail: j: exec.start: failed\n/)
    const good = await run('jail -c name=k vnet persist exec.fib=0 command=sysctl net.my_fibnum')
    assert.match(good.out, /net.my_fibnum: 0/)
  })
})

describe('forwarding by FIB', () => {
  test('an interface with fib 1 forwards what it receives by FIB 1', async () => {
    const run = await router()
    await ok(run, 'jexec s ping -c 1 203.0.113.1')
    assert.deepEqual([await echoesIn(run, 'd0'), await echoesIn(run, 'd1')], [1, 0])
    await ok(run, 'jexec r ifconfig epair0a fib 1')
    await ok(run, 'jexec s ping -c 1 203.0.113.1')
    assert.deepEqual([await echoesIn(run, 'd0'), await echoesIn(run, 'd1')], [1, 1])
  })

  test('ipfw setfib steers forwarded packets; a rule past net.fibs is refused', async () => {
    const run = await router()
    await ok(run, 'kenv net.inet.ip.fw.default_to_accept=1')
    await ok(run, 'kldload ipfw')
    const bad = await run('jexec r ipfw add setfib 2 ip from any to any')
    assert.equal(bad.status, 65)
    await ok(run, 'jexec r ipfw -q add 100 setfib 1 ip from 10.0.0.0/24 to 203.0.113.0/24 in')
    await ok(run, 'jexec s ping -c 2 203.0.113.1')
    assert.deepEqual([await echoesIn(run, 'd0'), await echoesIn(run, 'd1')], [0, 2])
    await ok(run, 'jexec r ipfw delete 100')
    await ok(run, 'jexec s ping -c 1 203.0.113.1')
    assert.deepEqual([await echoesIn(run, 'd0'), await echoesIn(run, 'd1')], [1, 2])
  })
})
