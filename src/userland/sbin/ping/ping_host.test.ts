/**
 * ping against a real kernel (a virtual-clock Host): the options only root may use, flood-mode
 * accounting on loopback, and SIGINT/SIGINFO — by `kill`, through jexec and as Ctrl-C at the
 * shell prompt — ending the run with the statistics and FreeBSD's status instead of 130.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import type { Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { ShellSession } from '../../bin/sh/shell.js'
import { startProcess } from '../../process.js'
import { makePrograms } from '../../programs.js'
import { capture, type RunResult } from '../../testkit.js'
import type { Command } from '../../types.js'

/** Ctrl-C at an interactive prompt: run `line`, interrupt it after `ns` of virtual time. */
function ctrlC(line: string, ns: number): Command {
  return async (_argv, io, proc) => {
    const session = new ShellSession(io, proc)
    const done = session.runLine(line)
    await proc.sleep(ns)
    session.interrupt()
    const status = await done
    io.stdout.write(`status=${status}\n`)
    return status
  }
}

const programs = makePrograms([['ctrlc-ping', { run: ctrlC('ping 127.0.0.1', 2.5e9) }]])

function world(): { sys: Syscalls; run: (argv: readonly string[]) => Promise<RunResult> } {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const sys = host.syscalls()
  const run = async (argv: readonly string[]): Promise<RunResult> => {
    const io = capture()
    const status = await startProcess(sys, argv, io, { programs }).done
    return { status, out: io.out(), err: io.err() }
  }
  return { sys, run }
}

const sh = (script: string): string[] => ['sh', '-c', script]

describe('ping: options only root may use', () => {
  test('refused to a user with EX_NOPERM and FreeBSD’s messages, before anything is sent', async () => {
    const { run } = world()
    assert.equal((await run(['jail', '-c', 'name=a', 'vnet', 'persist'])).status, 0)
    const cases: Array<[string, string]> = [
      ['-f -c 3', '-f flag: Operation not permitted'],
      ['-i 0.001 -c 1', '-i interval too short: Operation not permitted'],
      ['-i 0.999 -c 1', '-i interval too short: Operation not permitted'],
      ['-l 5 -c 1', '-l flag: Operation not permitted'],
      ['-s 4000 -c 1', 'packet size too large: 4000 > 56: Operation not permitted'],
      ['-s 57 -c 1', 'packet size too large: 57 > 56: Operation not permitted'],
    ]
    for (const [opts, msg] of cases) {
      const r = await run(['jexec', '-U', 'nobody', 'a', 'ping', ...opts.split(' '), '127.0.0.1'])
      assert.deepEqual(r, { status: 77, out: '', err: `ping: ${msg}\n` }, opts)
    }
    const sent = await run(['jexec', 'a', 'netstat', '-s', '-p', 'icmp'])
    assert.doesNotMatch(sent.out, /echo:/, 'no echo request went out')
  })

  test('allowed to a user within the limits, and to root (ping is setuid: the real uid decides)', async () => {
    const { run } = world()
    await run(['jail', '-c', 'name=a', 'vnet', 'persist'])
    // A new vnet's lo0 is down and bare: configure it as rc(8) would.
    await run(['jexec', 'a', 'ifconfig', 'lo0', 'inet', '127.0.0.1/8'])
    for (const args of [
      ['jexec', '-U', 'nobody', 'a', 'ping', '-q', '-c', '1', '-s', '56', '-i', '1', '127.0.0.1'],
      ['jexec', 'a', 'ping', '-q', '-f', '-c', '3', '-s', '4000', '127.0.0.1'],
      ['jexec', 'a', 'ping', '-q', '-l', '2', '-c', '2', '-i', '0.01', '127.0.0.1'],
    ]) {
      const r = await run(args)
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.err}`)
      assert.match(r.out, /(\d) packets transmitted, \1 packets received, 0\.0% packet loss/)
    }
  })
})

describe('ping -f', () => {
  test('counts every reply on loopback: 10 of 10, as netstat -s does', async () => {
    const { run } = world()
    const r = await run(['ping', '-f', '-c', '10', '127.0.0.1'])
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /\n10 packets transmitted, 10 packets received, 0\.0% packet loss\n/)
    // Ten dots for the requests, each taken back by a backspace for its reply.
    assert.equal(r.out.split('\n')[1], '.\b'.repeat(10))
    const s = await run(['netstat', '-s', '-p', 'icmp'])
    assert.match(s.out, /Input histogram:\n\t\techo reply: 10\n\t\techo: 10\n/)
  })
})

describe('ping and SIGINT', () => {
  const summary =
    '\n--- 127.0.0.1 ping statistics ---\n3 packets transmitted, 3 packets received, 0.0% packet loss\n'

  test('kill -INT: the statistics, then exit 0 with replies', async () => {
    const { run } = world()
    const r = await run(sh('ping 127.0.0.1 & sleep 2.5; kill -INT $!; wait $!; echo "rc=$?"'))
    assert.equal(r.err, '')
    assert.ok(r.out.includes(`${summary}round-trip min/avg/max/stddev = `), r.out)
    assert.match(r.out, /\nrc=0\n$/)
  })

  test('kill -INT without any reply: the statistics, then exit 2; SIGINFO prints them to stderr', async () => {
    const { run } = world()
    const r = await run(
      sh(
        'ping -n 192.0.2.1 2>/dev/null & sleep 1.5; kill -INFO $!; sleep 1; kill -INT $!; wait $!; echo "rc=$?"',
      ),
    )
    assert.match(r.out, /\n3 packets transmitted, 0 packets received, 100\.0% packet loss\nrc=2\n$/)
    const info = await run(
      sh('ping 127.0.0.1 >/dev/null & sleep 1.5; kill -INFO $!; sleep 1; kill -INT $!; wait $!'),
    )
    assert.equal(
      info.err,
      '\n--- 127.0.0.1 ping statistics ---\n2 packets transmitted, 2 packets received, 0.0% packet loss\nround-trip min/avg/max/stddev = 0.000/0.000/0.000/0.000 ms\n',
    )
    assert.equal(info.status, 0)
  })

  test('through jexec, which passes the signal on', async () => {
    const { run } = world()
    await run(['jail', '-c', 'name=a', 'vnet', 'persist'])
    await run(['jexec', 'a', 'ifconfig', 'lo0', 'inet', '127.0.0.1/8'])
    const r = await run(sh('jexec a ping 127.0.0.1 & sleep 2.5; kill -INT $!; wait $!; echo "rc=$?"'))
    assert.ok(r.out.includes(summary), r.out)
    assert.match(r.out, /\nrc=0\n$/)
  })

  test('Ctrl-C at the prompt: the shell waits for the statistics and takes ping’s status', async () => {
    const { run } = world()
    const r = await run(['ctrlc-ping'])
    assert.equal(r.err, '')
    assert.ok(r.out.includes(summary), r.out)
    assert.match(r.out, /ms\nstatus=0\n$/)
    assert.equal(r.status, 0)
  })

  test('other signals still kill it, without statistics; traceroute dies of SIGINT', async () => {
    const { run } = world()
    const r = await run(sh('ping 127.0.0.1 & sleep 1.5; kill $!; wait $!; echo "rc=$?"'))
    assert.doesNotMatch(r.out, /statistics/)
    assert.match(r.out, /\nrc=143\n$/)
    const t = await run(
      sh(`ifconfig epair create >/dev/null; ifconfig epair0a 192.0.2.1/24 up
        traceroute -n 192.0.2.9 & sleep 1; kill -INT $!; wait $!; echo "rc=$?"`),
    )
    assert.match(t.out, /^ 1 +rc=130\n$/)
  })
})

describe('ping -R', () => {
  test('prints the recorded route as FreeBSD does, then "(same route)" while it holds', async () => {
    const { run } = world()
    const r = await run(
      sh(`jail -c name=r vnet persist >/dev/null; jail -c name=b vnet persist >/dev/null
        ifconfig epair create >/dev/null; ifconfig epair create >/dev/null
        ifconfig epair0b vnet r; ifconfig epair1a vnet r; ifconfig epair1b vnet b
        ifconfig epair0a 192.0.2.1/24 up
        jexec r ifconfig epair0b 192.0.2.254/24 up; jexec r ifconfig epair1a 198.51.100.254/24 up
        jexec b ifconfig epair1b 198.51.100.1/24 up
        route add default 192.0.2.254 >/dev/null; jexec b route add default 198.51.100.254 >/dev/null
        jexec r sysctl net.inet.ip.forwarding=1 >/dev/null
        ping -R -c 2 198.51.100.1`),
    )
    assert.equal(r.err, '')
    assert.equal(r.status, 0)
    const lines = r.out.split('\n')
    assert.equal(lines[0], 'PING 198.51.100.1 (198.51.100.1): 56 data bytes')
    assert.match(lines[1]!, /^64 bytes from 198\.51\.100\.1: icmp_seq=0 ttl=63 time=\d+\.\d{3} ms$/)
    assert.deepEqual(lines.slice(2, 6), [
      'RR: \t198.51.100.254',
      '\t198.51.100.1',
      '\t192.0.2.254',
      '\t192.0.2.1',
    ])
    assert.match(
      lines[6]!,
      /^64 bytes from 198\.51\.100\.1: icmp_seq=1 ttl=63 time=\d+\.\d{3} ms\t\(same route\)$/,
    )
    // No "wrong total length": the reply measures the request's 20 + 40 + 8 + 56 bytes.
    assert.equal(lines[7], '')
  })
})
