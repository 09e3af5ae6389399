/**
 * The programs against a real kernel (a virtual-clock Host): build two vnet jails around the host
 * as a router, then configure, ping, traceroute, list and tear down exactly as a FreeBSD script
 * would, checking output, exit statuses and that isolation and privileges hold.
 */

import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { Host } from '../host/host.js'
import type { Syscalls } from '../host/syscalls.js'
import { nodeClockDriver } from '../platform/node/clock_driver.js'
import { startProcess } from './process.js'
import { programs } from './programs.js'
import { capture, type RunResult } from './testkit.js'

function runner(sys: Syscalls) {
  return async (line: string | readonly string[]): Promise<RunResult> => {
    const argv = typeof line === 'string' ? line.split(' ') : line
    const io = capture()
    const status = await startProcess(sys, argv, io, { programs }).done
    return { status, out: io.out(), err: io.err() }
  }
}

/** Runs `line` and insists on success, returning stdout. */
async function ok(run: ReturnType<typeof runner>, line: string): Promise<string> {
  const r = await run(line)
  assert.deepEqual([r.status, r.err], [0, ''], `${line}\n${r.out}`)
  return r.out
}

describe('a host routing between two vnet jails', () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const sys = host.syscalls()
  const run = runner(sys)

  before(async () => {
    assert.equal(await ok(run, 'ifconfig epair create'), 'epair0a\n')
    assert.equal(await ok(run, 'ifconfig epair create'), 'epair1a\n')
    assert.equal(await ok(run, 'jail -c name=j1 vnet persist vnet.interface=epair0b'), 'j1: created\n')
    await ok(run, 'jail -c name=j2 vnet persist')
    await ok(run, 'ifconfig epair1b vnet j2')
    await ok(run, 'ifconfig epair0a 192.0.2.1/24 up')
    await ok(run, 'ifconfig epair1a 198.51.100.1/24 up')
    await ok(run, 'jexec j1 ifconfig epair0b 192.0.2.2/24 up')
    await ok(run, 'jexec j2 ifconfig epair1b 198.51.100.2/24 up')
    await ok(run, 'jexec j1 route add default 192.0.2.1')
    await ok(run, 'jexec j2 route add default 198.51.100.1')
    assert.equal(await ok(run, 'sysctl net.inet.ip.forwarding=1'), 'net.inet.ip.forwarding: 0 -> 1\n')
  })

  test('ping a neighbour: three replies in two seconds of virtual time', async () => {
    const t0 = sys.now()
    const r = await run('ping -c 3 192.0.2.2')
    assert.equal(r.status, 0, r.err)
    const lines = r.out.split('\n')
    assert.equal(lines[0], 'PING 192.0.2.2 (192.0.2.2): 56 data bytes')
    for (let i = 0; i < 3; i++)
      assert.match(
        lines[i + 1]!,
        new RegExp(`^64 bytes from 192\\.0\\.2\\.2: icmp_seq=${i} ttl=64 time=\\d+\\.\\d{3} ms$`),
      )
    assert.deepEqual(lines.slice(4, 7), [
      '',
      '--- 192.0.2.2 ping statistics ---',
      '3 packets transmitted, 3 packets received, 0.0% packet loss',
    ])
    assert.match(lines[7]!, /^round-trip min\/avg\/max\/stddev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms$/)
    const took = (sys.now() - t0) / 1e9
    assert.ok(took >= 2 && took < 3, `took ${took} s`)
  })

  test('ping across the router: one hop less TTL', async () => {
    const ttl = await run('jexec j1 ping -c 1 198.51.100.2')
    assert.match(ttl.out, /icmp_seq=0 ttl=63 /)
  })

  test('ping as an unprivileged user (ping is setuid)', async () => {
    const r = await run('jexec -U nobody j1 ping -c 1 -q 198.51.100.2')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /1 packets transmitted, 1 packets received, 0\.0% packet loss/)
  })

  test('no answer: exit 2 and 100% loss', async () => {
    const r = await run('jexec j1 ping -c 2 -t 4 203.0.113.9')
    assert.equal(r.status, 2)
    assert.match(r.out, /2 packets transmitted, 0 packets received, 100\.0% packet loss\n$/)
  })

  test('ping usage and unknown hosts', async () => {
    assert.equal((await run('ping -c 0 192.0.2.2')).status, 64)
    assert.deepEqual(await run('ping -c x 192.0.2.2'), {
      status: 64,
      out: '',
      err: "ping: invalid count of packets to transmit: `x'\n",
    })
    assert.deepEqual(await run('ping nosuch.example'), {
      status: 68,
      out: '',
      err: 'ping: cannot resolve nosuch.example: Unknown host\n',
    })
  })

  test('traceroute with UDP probes and with ICMP echoes', async () => {
    for (const flags of ['-n', '-n -I']) {
      const r = await run(`jexec j1 traceroute ${flags} -q 2 198.51.100.2`)
      assert.equal(r.status, 0, r.err)
      assert.equal(r.err, 'traceroute to 198.51.100.2 (198.51.100.2), 64 hops max, 40 byte packets\n')
      const lines = r.out.split('\n')
      assert.match(lines[0]!, /^ 1 {2}192\.0\.2\.1 {2}\d+\.\d{3} ms {2}\d+\.\d{3} ms$/, flags)
      assert.match(lines[1]!, /^ 2 {2}198\.51\.100\.2 {2}\d+\.\d{3} ms {2}\d+\.\d{3} ms$/, flags)
      assert.equal(lines.length, 3, r.out)
    }
  })

  test('traceroute: the router has no route (!H ends it); a silent host gives stars', async () => {
    const r = await run('jexec j1 traceroute -n -q 1 -w 1 -m 3 203.0.113.9')
    assert.equal(r.status, 0)
    assert.match(r.out, /^ 1 {2}192\.0\.2\.1 {2}[\d.]+ ms\n 2 {2}192\.0\.2\.1 {2}[\d.]+ ms !H\n$/)
    const t0 = sys.now()
    const s = await run('jexec j1 traceroute -n -q 2 -w 2 -m 2 192.0.2.77')
    // Once ARP has given up, sends fail until it retries: traceroute says so mid-line, as FreeBSD's does.
    assert.match(s.out, /^ 1 {2}\* \*\n 2 {2}\*(traceroute: wrote 192\.0\.2\.77 40 chars, ret=-1\n)? \*\n$/)
    assert.ok(sys.now() - t0 >= 8e9)
  })

  test('netstat, arp, ifconfig and route get show the configuration', async () => {
    const rt = await ok(run, 'jexec j1 netstat -rn')
    assert.match(rt, /\ndefault {12}192\.0\.2\.1 {10}UGS {5}epair0b\n/)
    assert.match(rt, /\n192\.0\.2\.0\/24 {7}link#\d+ {13}U {7}epair0b\n/)
    const arp = await ok(run, 'jexec j1 arp -an')
    assert.match(
      arp,
      /\? \(192\.0\.2\.1\) at ([0-9a-f]{2}:){5}[0-9a-f]{2} on epair0b expires in \d+ seconds \[ethernet\]/,
    )
    const ifc = await ok(run, 'jexec j1 ifconfig epair0b')
    assert.match(
      ifc,
      /^epair0b: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500\n/,
    )
    assert.match(ifc, /\n\tinet 192\.0\.2\.2 netmask 0xffffff00 broadcast 192\.0\.2\.255\n/)
    const get = await ok(run, 'jexec j1 route get 198.51.100.2')
    assert.match(
      get,
      /destination: default\n {7}mask: default\n {4}gateway: 192\.0\.2\.1\n {8}fib: 0\n {2}interface: epair0b\n/,
    )
    assert.match(
      (await ok(run, 'netstat -i')).split('\n')[0]!,
      /^Name +Mtu Network +Address +Ipkts Ierrs Idrop +Opkts Oerrs +Coll$/,
    )
    assert.match(await ok(run, 'netstat -s -p icmp'), /^icmp:\n/)
    assert.match(
      await run('jls').then((x) => x.out),
      /^ {3}JID {2}IP Address {6}Hostname {22}Path\n {5}1 {18}virtnet {23}\/\n/,
    )
    assert.match(await ok(run, 'jls -N'), /\n j1 {14}/)
  })

  test('isolation: a jail sees only its own interfaces and cannot touch the host', async () => {
    const l = await ok(run, 'jexec j1 ifconfig -l')
    assert.deepEqual(l.trim().split(' ').sort(), ['epair0b', 'lo0'])
    const r = await run('jexec j1 ifconfig epair0a')
    assert.deepEqual([r.status, r.err], [1, 'ifconfig: interface epair0a does not exist\n'])
    const j = await run('jexec j1 jexec j2 hostname')
    assert.deepEqual([j.status, j.err], [1, 'jexec: jail "j2" not found\n'])
  })

  test('privileges: no vnet means no network configuration; users cannot configure', async () => {
    await ok(run, 'jail -c name=nv persist')
    const r = await run('jexec nv ifconfig lo0 10.9.9.9/32 alias')
    assert.deepEqual([r.status, r.err], [1, 'ifconfig: ioctl (SIOCAIFADDR): Operation not permitted\n'])
    const u = await run('jexec -U nobody j1 route add 10.0.0.0/8 192.0.2.1')
    assert.deepEqual([u.status, u.err], [77, 'route: must be root to alter routing table\n'])
    const s = await run('jexec j1 sysctl kern.hostname=x')
    assert.equal(s.status, 1)
    await ok(run, 'jail -r nv')
  })

  test('bad input: `tool: reason` on stderr, the documented status, and nothing changes', async () => {
    const state = async (): Promise<string> =>
      (
        await Promise.all(
          ['ifconfig -a', 'netstat -rn', 'arp -an', 'jls -n', 'sysctl -a', 'ngctl list'].map((l) =>
            ok(run, l),
          ),
        )
      )
        .join('')
        // ngctl lists its own socket node, a new one each run.
        .replace(/^.*Type: socket.*\n/gm, '')
    const before = await state()
    const cases: ReadonlyArray<readonly [string, number, string]> = [
      ['sysctl net.nosuch', 1, "sysctl: unknown oid 'net.nosuch'\n"],
      ['sysctl -d nosuch', 1, "sysctl: unknown oid 'nosuch'\n"],
      ['sysctl nosuch=1', 1, "sysctl: unknown oid 'nosuch'\n"],
      ['ifconfig nosuch0 up', 1, 'ifconfig: interface nosuch0 does not exist\n'],
      ['ifconfig epair0a mtu abc', 1, 'ifconfig: ioctl SIOCSIFMTU (set mtu): Invalid argument\n'],
      ['ifconfig epair0a inet 10.0.0.1/33', 1, 'ifconfig: 10.0.0.1/33: bad value (width too large)\n'],
      ['route add bogus 192.0.2.2', 68, 'route: bad address: bogus\n'],
      ['route get 203.0.113.1', 1, 'route: route has not been found\n'],
      ['arp -s 192.0.2.9 zz', 1, "arp: invalid Ethernet address 'zz'\n"],
      ['netstat -s -p bogus', 1, 'netstat: bogus: unknown or uninstrumented protocol\n'],
      ['ping -c abc 192.0.2.2', 64, "ping: invalid count of packets to transmit: `abc'\n"],
      ['ping -c 1 nosuchhost', 68, 'ping: cannot resolve nosuchhost: Unknown host\n'],
      ['traceroute -m 0 192.0.2.2', 1, 'traceroute: max ttl must be > 0\n'],
      ['jail -c name=x bogusparam=1', 1, 'jail: x: unknown parameter: bogusparam\n'],
      [`jail -c name=${'n'.repeat(256)}`, 1, `jail: ${'n'.repeat(256)}: jail_set: File name too long\n`],
      [`jail -c name=h host.hostname=${'h'.repeat(256)}`, 1, 'jail: h: jail_set: File name too long\n'],
      ['jexec nosuch true', 1, 'jexec: jail "nosuch" not found\n'],
      ['jls -j nosuch', 1, 'jls: jail "nosuch" not found\n'],
      ['ngctl bogus', 71, 'ngctl: "bogus": unknown command\n'],
    ]
    for (const [line, status, err] of cases) {
      const r = await run(line)
      assert.deepEqual([r.status, r.err], [status, err], line)
    }
    assert.equal(await state(), before)
  })

  test("sysctl in a jail is the jail vnet's own", async () => {
    assert.equal(await ok(run, 'jexec j1 sysctl -n net.inet.ip.forwarding'), '0\n')
    assert.equal(await ok(run, 'sysctl -n net.inet.ip.forwarding'), '1\n')
  })

  test('removing a jail returns its borrowed interface', async () => {
    await ok(run, 'jail -c name=tmp vnet persist')
    await ok(run, 'ifconfig epair create')
    await ok(run, 'ifconfig epair2b vnet tmp')
    assert.doesNotMatch(await ok(run, 'ifconfig -l'), /epair2b/)
    await ok(run, 'ifconfig epair2b -vnet tmp')
    assert.match(await ok(run, 'ifconfig -l'), /epair2b/)
    await ok(run, 'ifconfig epair2b vnet tmp')
    await ok(run, 'jail -r tmp')
    assert.match(await ok(run, 'ifconfig -l'), /epair2b/)
    assert.deepEqual(await run('jail -r tmp'), { status: 1, out: '', err: 'jail: "tmp" not found\n' })
  })
})

describe('a jail on the host’s stack sees only what concerns its own addresses', () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const run = runner(host.syscalls())

  before(async () => {
    await ok(run, 'ifconfig epair create')
    await ok(run, 'ifconfig epair0a 10.0.0.1/24 up')
    await ok(run, 'ifconfig epair0a 10.0.0.5/32 alias')
    await ok(run, 'jail -c name=n persist ip4.addr=10.0.0.5')
    await ok(run, 'jail -c name=bare persist')
    await ok(run, 'route add 172.16.0.0/12 127.0.0.1')
    await ok(run, 'arp -s 10.0.0.9 02:00:00:00:00:09')
    await ok(run, 'jail -c name=peer vnet persist vnet.interface=epair0b')
    await ok(run, 'jexec peer ifconfig epair0b 10.0.0.2/24 up')
  })

  test('netstat -rn, arp -an and route get show nothing of the host', async () => {
    assert.equal(await ok(run, 'jexec -U nobody bare netstat -rn'), 'Routing tables\n')
    assert.equal(
      await ok(run, 'jexec -U nobody n netstat -rn'),
      [
        'Routing tables',
        '',
        'Internet:',
        'Destination        Gateway            Flags     Netif Expire',
        '10.0.0.5           link#2             UHS         lo0',
        '',
      ].join('\n'),
    )
    assert.match(await ok(run, 'netstat -rn'), /172\.16\.0\.0\/12/)
    assert.equal(await ok(run, 'jexec -U nobody bare arp -an'), '')
    assert.match(
      await ok(run, 'jexec -U nobody n arp -an'),
      /^\? \(10\.0\.0\.5\) at \S+ on epair0a permanent \[ethernet\]\n$/,
    )
    for (const dst of ['172.16.1.1', '10.0.0.9', '127.0.0.1'])
      assert.deepEqual(await run(`jexec -U nobody n route get ${dst}`), {
        status: 1,
        out: '',
        err: 'route: route has not been found\n',
      })
    assert.match(await ok(run, 'jexec -U nobody n route get 10.0.0.5'), /interface: lo0\n/)
    const a = await run('jexec -U nobody n arp 10.0.0.9')
    assert.deepEqual([a.status, a.out], [1, '10.0.0.9 (10.0.0.9) -- no entry\n'])
  })

  test('netstat -i lists every interface but only the jail’s addresses; netstat -s is shared', async () => {
    const i = await ok(run, 'jexec -U nobody n netstat -in')
    // FreeBSD 14 cuts names to five characters without -W.
    assert.match(i, /^epair +1500 <Link#2>/m)
    assert.match(i, /10\.0\.0\.5/)
    assert.doesNotMatch(i, /10\.0\.0\.1 |127\.0\.0\.1|10\.0\.0\.0\/24/)
    assert.equal(await ok(run, 'jexec -U nobody n netstat -s -p ip'), await ok(run, 'netstat -s -p ip'))
  })
  test('traceroute from the jail probes from the jail’s address', async () => {
    await ok(run, 'jail -m name=n allow.raw_sockets')
    const t = await run('jexec -U nobody n traceroute -n -q 1 -m 2 10.0.0.2')
    assert.deepEqual(
      [t.status, t.err],
      [0, 'traceroute to 10.0.0.2 (10.0.0.2), 2 hops max, 40 byte packets\n'],
    )
    assert.match(t.out, /^ 1 {2}10\.0\.0\.2 {2}[0-9.]+ ms\n$/)
  })
})
