/**
 * tap(4) backed by the machine (real_link.ts), with an in-memory provider standing in for the relay:
 * host root's `ifconfig tap create` opens the machine's device of the same name and frames cross in
 * both directions; a jail's tap keeps its device inside VirtNet; a refusal prints ifconfig's error
 * with the machine's reason, exit 1, and leaves no interface; a relay that dies takes the interface
 * down with a message in the log, `up` opens the device again, destroying the interface closes it.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { arpRequestFrame } from '../../../testing/frames.js'
import { startProcess } from '../../../userland/process.js'
import { programs } from '../../../userland/programs.js'
import { capture } from '../../../userland/testkit.js'
import { SysError } from '../../../util/errno.js'
import { parseIpv4 } from '../../../wire/addr.js'
import type { FrameReceive, RealLink, RealLinkKind, RealLinkProvider } from '../real_link.js'

interface Opened {
  kind: RealLinkKind
  name: string
  sent: Uint8Array[]
  input: FrameReceive
  down: (why: string) => void
  closed: boolean
}

/** A provider that records what the stack sends and lets the test play the machine. */
function fakeMachine(refuse?: SysError) {
  const opened: Opened[] = []
  const provider: RealLinkProvider = {
    kind: 'memory',
    open(kind, name, onFrame, onDown) {
      if (refuse !== undefined) throw refuse
      const o: Opened = { kind, name, sent: [], input: onFrame, down: onDown, closed: false }
      opened.push(o)
      const link: RealLink = {
        drops: 0,
        send: (buf, off, len) => void o.sent.push(buf.slice(off, off + len)),
        close: () => {
          o.closed = true
        },
      }
      return link
    },
  }
  return { provider, opened }
}

function world(provider: RealLinkProvider) {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 3, realLinks: provider })
  const run = async (script: string) => {
    const io = capture()
    const status = await startProcess(host.syscalls(), ['sh', '-c', script], io, { programs }).done
    return { status, out: io.out(), err: io.err() }
  }
  return { host, run }
}

describe('tap(4) on the machine', () => {
  test("host root's tap opens the machine's device of its name; frames cross both ways", async () => {
    const m = fakeMachine()
    const w = world(m.provider)
    let r = await w.run('ifconfig tap create; ifconfig tap0 inet 198.18.5.1/24 up')
    assert.equal(r.status, 0, r.err)
    assert.equal(r.out, 'tap0\n')
    assert.equal(m.opened.length, 1)
    assert.deepEqual([m.opened[0]!.kind, m.opened[0]!.name], ['tap', 'tap0'])
    // The machine asks who has our address: the stack answers on the same link.
    const before = m.opened[0]!.sent.length
    const req = arpRequestFrame(0x0200000000aa, parseIpv4('198.18.5.2')!, parseIpv4('198.18.5.1')!)
    m.opened[0]!.input(req, 0, req.length)
    await w.host.syscalls().nanosleep(1e6)
    const replies = m.opened[0]!.sent.slice(before).filter(
      (f) => f[12] === 0x08 && f[13] === 0x06 && f[21] === 2,
    )
    assert.equal(replies.length, 1, 'one ARP reply went to the machine')
    // Runts are dropped and counted, not delivered.
    m.opened[0]!.input(new Uint8Array(10), 0, 10)
    r = await w.run('netstat -I tap0 -n')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /tap0\s+1500\s+<Link#\d+>\s+\S+\s+\d+\s+1\s/)
    w.host.clock.stop()
  })

  test("a jail's tap keeps its device inside VirtNet (the machine's network is the host's)", async () => {
    const m = fakeMachine()
    const w = world(m.provider)
    const r = await w.run('jail -c name=j vnet persist; jexec j ifconfig tap create')
    assert.equal(r.status, 0, r.err)
    assert.equal(m.opened.length, 0)
    w.host.clock.stop()
  })

  test('a refusal: ifconfig says why, exits 1, and no interface is left', async () => {
    const m = fakeMachine(
      new SysError('EPERM', 'open', 'TUNSETIFF tap0: Operation not permitted (TAP devices need root)'),
    )
    const w = world(m.provider)
    let r = await w.run('ifconfig tap create')
    assert.equal(r.status, 1)
    assert.equal(
      r.err,
      'ifconfig: SIOCIFCREATE2 (tap): Operation not permitted: TUNSETIFF tap0: Operation not permitted (TAP devices need root)\n',
    )
    r = await w.run('ifconfig -l')
    assert.equal(r.out, 'lo0\n')
    assert.throws(() => w.host.syscalls().ifCreatePacket('eth1'), /Operation not permitted/)
    r = await w.run('ifconfig -l')
    assert.equal(r.out, 'lo0\n')
    w.host.clock.stop()
  })

  test('the relay dies: the interface goes down with the reason logged; up reopens; destroy closes', async () => {
    const m = fakeMachine()
    const w = world(m.provider)
    let r = await w.run('ifconfig tap5 create up')
    assert.equal(r.status, 0, r.err)
    m.opened[0]!.down('the relay exited with status 1')
    r = await w.run('ifconfig tap5; dmesg')
    assert.match(r.out, /^tap5: flags=[0-9a-f]+<BROADCAST,SIMPLEX,MULTICAST>/)
    assert.match(r.out, /status: no carrier/)
    assert.match(r.out, /tap5: lost the machine's tap5: the relay exited with status 1/)
    r = await w.run('ifconfig tap5 up; ifconfig tap5')
    assert.match(r.out, /status: active/)
    assert.equal(m.opened.length, 2)
    r = await w.run('ifconfig tap5 destroy')
    assert.equal(r.status, 0, r.err)
    assert.equal(m.opened[1]!.closed, true)
    assert.equal(m.opened[0]!.closed, false, 'the dead link is not closed again')
    w.host.clock.stop()
  })

  test("rj45: ifCreatePacket is host root's only; a jail gets EPERM", async () => {
    const m = fakeMachine()
    const w = world(m.provider)
    const name = w.host.syscalls().ifCreatePacket('eth1')
    assert.equal(name, 'tap0')
    assert.deepEqual([m.opened[0]!.kind, m.opened[0]!.name], ['packet', 'eth1'])
    const r = await w.run('jail -c name=j vnet persist')
    assert.equal(r.status, 0, r.err)
    const jail = w.host.syscalls().attach('j')
    assert.throws(
      () => jail.ifCreatePacket('eth2'),
      (e: SysError) => e.code === 'EPERM',
    )
    assert.equal(m.opened.length, 1)
    w.host.clock.stop()
  })
})
