/**
 * tun(4): `ifconfig tun create`, point-to-point addresses (`ifconfig tun0 A B up`, shown as
 * `inet A --> B`), the peer's host route, and the device end through the syscall boundary: what the
 * stack routes out of tun0 is read there, what is written there is received on tun0 (UDP to a socket,
 * ICMP echo answered back out of the tun). Root only; one opener; a bounded queue; EAGAIN on timeout.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { SOCK, type Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { IpProto, icmpEcho, ipv4, udp } from '../../../testing/frames.js'
import { errnoOf, ip } from '../../../testing/net.js'
import { ifconfig } from '../../../userland/sbin/ifconfig/ifconfig.js'
import { runCmd } from '../../../userland/testkit.js'
import { MS } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { readU16, readU32 } from '../../../wire/addr.js'
import { TUN_IFQ_MAXLEN } from './if_tun.js'

const LOCAL = ip('192.168.0.1')
const REMOTE = ip('192.0.2.1')

/** A host with tun0 at 192.168.0.1 --> 192.0.2.1, up, set up with ifconfig as a user would. */
async function tunHost(): Promise<{ host: Host; sys: Syscalls }> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 3 })
  const sys = host.syscalls()
  const created = await runCmd(ifconfig, 'ifconfig tun create', sys)
  assert.deepEqual(created, { status: 0, out: 'tun0\n', err: '' })
  const set = await runCmd(ifconfig, 'ifconfig tun0 192.168.0.1 192.0.2.1 up', sys)
  assert.deepEqual(set, { status: 0, out: '', err: '' }, 'no mask warning on a point-to-point link')
  return { host, sys }
}

async function errnoOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    if (isSysError(e)) return e.code
    throw e
  }
  return 'no error'
}

const ND6_IFF_IFDISABLED = 0x8

describe('tun(4) interface', () => {
  test('ifconfig shows a point-to-point interface with its peer; the peer has a host route', async () => {
    const { sys } = await tunHost()
    const fd = sys.tunOpen('tun0')
    // IPv6 starts disabled on the new interface; enabled, the up tun gets its link-local at once.
    sys.inet6.setNdFlags('tun0', 0, ND6_IFF_IFDISABLED)
    const shown = await runCmd(ifconfig, 'ifconfig tun0', sys)
    assert.equal(
      shown.out,
      [
        'tun0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1500',
        '\toptions=80000<LINKSTATE>',
        '\tinet 192.168.0.1 --> 192.0.2.1 netmask 0xffffff00',
        // No Ethernet interface to borrow an identifier from: a random one, drawn from the seed.
        '\tinet6 fe80::7fff:fe7d:f500%tun0 prefixlen 64 scopeid 0x2',
        '\tgroups: tun',
        '\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>',
        '',
      ].join('\n'),
    )
    const rt = sys.routeGet(REMOTE)
    assert.equal(rt.ifName, 'tun0')
    assert.equal(rt.prefixLen, 32)
    assert.equal(rt.ifAddr, LOCAL)
    assert.equal(sys.routeGet(LOCAL).ifName, 'lo0')
    // A tun carries packets up to TUNMRU: its MTU may go that high (an epair's stops at 9000).
    sys.ifSetMtu('tun0', 65535)
    assert.equal(sys.ifGet('tun0').mtu, 65535)
    assert.equal(
      errnoOf(() => sys.ifSetMtu('tun0', 65536)),
      'EINVAL',
    )
    fd.close()
  })

  test('a destination address is refused on a broadcast interface, required on tun', async () => {
    const { sys } = await tunHost()
    sys.ifCreate('epair')
    const r = await runCmd(ifconfig, 'ifconfig epair0a 10.0.0.1/24 10.0.0.2', sys)
    assert.equal(r.status, 1)
    assert.equal(r.err, 'ifconfig: 10.0.0.2: bad value\n')
    assert.equal(
      errnoOf(() => sys.ifAddAddr('epair0a', ip('10.0.0.1'), 24, { dst: ip('10.0.0.2') })),
      'EINVAL',
    )
    assert.equal(
      errnoOf(() => sys.ifAddAddr('tun0', ip('10.0.0.1'), 24)),
      'EDESTADDRREQ',
    )
  })

  test('what the stack sends to the peer is read from the device, a copy of the IP packet', async () => {
    const { sys } = await tunHost()
    const fd = sys.tunOpen('tun0')
    const so = sys.socket(2, SOCK.DGRAM)
    so.sendto(new Uint8Array([1, 2, 3]), { addr: REMOTE, port: 9 })
    const p = await fd.read(0)
    assert.equal(p[0], 0x45)
    assert.equal(p[9], IpProto.UDP)
    assert.equal(readU16(p, 2), 20 + 8 + 3)
    assert.equal(readU32(p, 12), LOCAL)
    assert.equal(readU16(p, 22), 9)
    assert.deepEqual([...p.subarray(28)], [1, 2, 3])
    assert.equal(sys.ifGet('tun0').stats.opackets, 1)
    fd.close()
  })

  test('a packet written to the device is received on tun0: UDP reaches a socket, ping is answered', async () => {
    const { sys } = await tunHost()
    const fd = sys.tunOpen('tun0')
    const so = sys.socket(2, SOCK.DGRAM)
    so.bind({ addr: 0, port: 7000 })
    fd.write(
      ipv4({
        src: REMOTE,
        dst: LOCAL,
        proto: IpProto.UDP,
        payload: udp(REMOTE, LOCAL, 5555, 7000, new Uint8Array([42])),
      }),
    )
    const got = await so.recvfrom(100, 0, 0)
    assert.deepEqual([...got.data], [42])
    assert.deepEqual(got.from, { addr: REMOTE, port: 5555 })
    fd.write(ipv4({ src: REMOTE, dst: LOCAL, proto: IpProto.ICMP, payload: icmpEcho(77, 1) }))
    const reply = await fd.read(0)
    assert.equal(reply[9], IpProto.ICMP)
    assert.equal(reply[20], 0, 'an echo reply')
    assert.equal(readU16(reply, 24), 77)
    assert.equal(sys.ifGet('tun0').stats.ipackets, 2)
    fd.close()
  })

  test('read waits on the host clock and fails with EAGAIN when nothing comes', async () => {
    const { sys } = await tunHost()
    const fd = sys.tunOpen('tun0')
    const t0 = sys.now()
    assert.equal(await errnoOfAsync(fd.read(5 * MS)), 'EAGAIN')
    assert.equal(sys.now() - t0, 5 * MS)
    // A packet sent while the reader waits wakes it at that instant.
    const pending = fd.read(100 * MS)
    await sys.nanosleep(2 * MS)
    sys.socket(2, SOCK.DGRAM).sendto(new Uint8Array(1), { addr: REMOTE, port: 9 })
    const p = await pending
    assert.equal(p[9], IpProto.UDP)
    assert.equal(sys.now() - t0, 7 * MS)
    // A signal (the `until` promise) interrupts a read that waits forever: EINTR, at that instant.
    const signal = sys.nanosleep(3 * MS)
    assert.equal(await errnoOfAsync(fd.read(undefined, signal)), 'EINTR')
    assert.equal(sys.now() - t0, 10 * MS)
    fd.close()
  })

  test('root only, one opener, ENOENT for no such tun; closing takes the interface down', async () => {
    const { sys } = await tunHost()
    assert.equal(
      errnoOf(() => sys.withUid(1001).tunOpen('tun0')),
      'EACCES',
    )
    assert.equal(
      errnoOf(() => sys.tunOpen('tun7')),
      'ENOENT',
    )
    assert.equal(
      errnoOf(() => sys.tunOpen('lo0')),
      'ENOENT',
    )
    const fd = sys.tunOpen('tun0')
    assert.equal(
      errnoOf(() => sys.tunOpen('tun0')),
      'EBUSY',
    )
    fd.close()
    assert.equal(sys.ifGet('tun0').flags & 0x41, 0, 'neither UP nor RUNNING')
    assert.equal(
      errnoOf(() => fd.write(new Uint8Array(20))),
      'EBADF',
    )
    sys.tunOpen('tun0').close()
  })

  test('nothing is queued without a reader; the queue holds ifqmaxlen packets, the rest are dropped', async () => {
    const { sys } = await tunHost()
    const so = sys.socket(2, SOCK.DGRAM)
    so.sendto(new Uint8Array(1), { addr: REMOTE, port: 9 })
    assert.equal(sys.ifGet('tun0').stats.odrops, 1, 'not open: dropped')
    const fd = sys.tunOpen('tun0')
    for (let i = 0; i < TUN_IFQ_MAXLEN + 10; i++) so.sendto(new Uint8Array([i]), { addr: REMOTE, port: 9 })
    assert.equal(sys.ifGet('tun0').stats.odrops, 11)
    let n = 0
    for (;;) {
      const p = await fd.read(0).catch(() => null)
      if (p === null) break
      assert.equal(p[28], n, 'in order')
      n++
    }
    assert.equal(n, TUN_IFQ_MAXLEN)
    fd.close()
  })
})
