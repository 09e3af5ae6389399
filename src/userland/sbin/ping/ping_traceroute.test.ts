/**
 * ping and traceroute without a kernel: option checks and messages, the summary and header-dump
 * formats, and a scripted raw socket (fake clock, canned replies) driving ping's main loop through
 * an echo reply and an ICMP error quoting our request.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { RawPacket, RawSocket } from '../../../host/syscalls.js'
import { readU16, writeU16, writeU32 } from '../../../wire/addr.js'
import { IcmpType, icmpFinish } from '../../../wire/inet/icmp.js'
import { fakeSys, ip4, runCmd } from '../../testkit.js'
import { parseTracerouteArgs, traceroute, unreachNote } from '../../usr.sbin/traceroute/traceroute.js'
import { ping } from './ping.js'
import { parsePingArgs } from './ping_args.js'
import { formatIpHeaderDump, formatPingSummary, icmpDescription } from './ping_print.js'

const PING_USAGE_HEAD = 'usage: ping [-4AaDdfHnoQqRrv] [-C pcp] [-c count] [-G sweepmaxsize]'

describe('ping options', () => {
  test("FreeBSD's messages and EX_USAGE", () => {
    const cases: Array<[string, string]> = [
      ['-c 0 h', "invalid count of packets to transmit: `0'"],
      ['-c 2x h', "invalid count of packets to transmit: `2x'"],
      ['-m 256 h', "invalid TTL: `256'"],
      ['-i x h', "invalid timing interval: `x'"],
      ['-W x h', "invalid timing interval: `x'"],
      ['-t 0 h', "invalid timeout: `0'"],
      ['-t 4000 h', "invalid timeout: `4000' > 3600"],
      ['-s x h', "invalid packet size: `x'"],
      ['-s 70000 h', 'packet size too large: 70000 > 65507'],
      ['-z 300 h', "invalid TOS: `300'"],
      ['-p zz h', 'patterns must be specified as hex digits'],
      ['-C 8 h', "invalid PCP: `8'"],
      ['-C -2 h', "invalid PCP: `-2'"],
    ]
    for (const [args, msg] of cases) {
      assert.throws(
        () => parsePingArgs(args.split(' ')),
        (e: Error & { status?: number }) => e.message.replace(/^ping: /, '') === msg && e.status === 64,
        args,
      )
    }
    assert.throws(
      () => parsePingArgs(['-x', 'h']),
      (e: Error) => e.message.startsWith(`ping: illegal option -- x\n${PING_USAGE_HEAD}`),
    )
    assert.throws(
      () => parsePingArgs([]),
      (e: Error) => e.message.startsWith(PING_USAGE_HEAD),
    )
    assert.equal(parsePingArgs(['-t', '5s', 'h']).opts.alarm, 5) // strtoul without an end check
    assert.equal(parsePingArgs(['-i', '0.2', 'h']).opts.intervalMs, 200)
    assert.equal(parsePingArgs(['-C5', 'h']).opts.pcp, 5)
    assert.equal(parsePingArgs(['-C', '-1', 'h']).opts.pcp, -1)
  })

  test('-f with -i, -S not ours, an unknown host', async () => {
    const k = fakeSys({ ifList: () => [] })
    assert.deepEqual(await runCmd(ping, 'ping -f -i 1 192.0.2.1', k.sys), {
      status: 64,
      out: '',
      err: 'ping: -f and -i: incompatible options\n',
    })
    assert.deepEqual(await runCmd(ping, 'ping -S 192.0.2.9 192.0.2.1', k.sys), {
      status: 1,
      out: '',
      err: "ping: bind: Can't assign requested address\n",
    })
    assert.equal((await runCmd(ping, 'ping -S x 192.0.2.1', k.sys)).status, 68)
  })
})

describe('ping output pieces', () => {
  test('summary with duplicates and late replies', () => {
    const s = {
      transmitted: 4,
      received: 3,
      repeats: 1,
      rcvTimeout: 1,
      timing: true,
      tmin: 1,
      tmax: 3,
      tsum: 8,
      tsumsq: 18,
    }
    assert.equal(
      formatPingSummary('h', s),
      '\n--- h ping statistics ---\n4 packets transmitted, 3 packets received, +1 duplicates, 25.0% packet loss, ' +
        '1 packets out of wait time\nround-trip min/avg/max/stddev = 1.000/2.000/3.000/0.707 ms\n',
    )
    assert.equal(
      formatPingSummary('h', { ...s, received: 0, repeats: 0, rcvTimeout: 0 }),
      '\n--- h ping statistics ---\n4 packets transmitted, 0 packets received, 100.0% packet loss\n',
    )
  })

  test('ICMP texts', () => {
    assert.equal(icmpDescription(3, 1, 0), 'Destination Host Unreachable')
    assert.equal(icmpDescription(3, 4, 1400), 'frag needed and DF set (MTU 1400)')
    assert.equal(icmpDescription(11, 0, 0), 'Time to live exceeded')
    assert.equal(icmpDescription(5, 1, ip4('192.0.2.9')), 'Redirect Host(New addr: 192.0.2.9)')
    assert.equal(icmpDescription(42, 0, 0), 'Bad ICMP type: 42')
  })
})

/** A raw socket on a fake clock: `reply` answers each request the program sends. */
function scripted(reply: (req: Uint8Array, now: number) => RawPacket | null) {
  let now = 1_000_000_000_000
  const queue: RawPacket[] = []
  const sent: Uint8Array[] = []
  const sock: RawSocket = {
    send: (_dst, payload) => {
      sent.push(payload.slice())
      const r = reply(payload, now)
      if (r !== null) queue.push(r)
      return ip4('192.0.2.1')
    },
    recv: async (timeout) => {
      const p = queue.shift()
      if (p !== undefined) {
        now = Math.max(now, p.time)
        return p
      }
      now += timeout
      return null
    },
    setsockopt: () => {
      throw new Error('ping sets no socket options')
    },
    getsockopt: () => {
      throw new Error('ping reads no socket options')
    },
    close: () => {},
  }
  const k = fakeSys({ rawSocket: () => sock, now: () => now, ifList: () => [] })
  return { k, sent }
}

function ipPacket(src: string, dst: string, ttl: number, icmp: Uint8Array): Uint8Array {
  const b = new Uint8Array(20 + icmp.length)
  b[0] = 0x45
  writeU16(b, 2, b.length)
  b[8] = ttl
  b[9] = 1
  writeU32(b, 12, ip4(src))
  writeU32(b, 16, ip4(dst))
  b.set(icmp, 20)
  return b
}

describe('ping against a scripted socket', () => {
  test('a reply, then an ICMP error quoting our request, then the wait and the summary', async () => {
    const { k, sent } = scripted((req, now) => {
      const seq = readU16(req, 6)
      if (seq === 0) {
        const rep = req.slice()
        rep[0] = IcmpType.ECHO_REPLY
        icmpFinish(rep, 0, rep.length)
        return {
          data: ipPacket('198.51.100.1', '192.0.2.1', 63, rep),
          src: ip4('198.51.100.1'),
          dst: ip4('192.0.2.1'),
          ttl: 63,
          time: now + 1.5e6,
          ifName: 'epair0a',
        }
      }
      const quoted = ipPacket('192.0.2.1', '198.51.100.1', 0x3f, req)
      const err = new Uint8Array(8 + quoted.length)
      err[0] = IcmpType.UNREACH
      err[1] = 1
      err.set(quoted, 8)
      icmpFinish(err, 0, err.length)
      return {
        data: ipPacket('192.0.2.254', '192.0.2.1', 64, err),
        src: ip4('192.0.2.254'),
        dst: ip4('192.0.2.1'),
        ttl: 64,
        time: now + 5e5,
        ifName: 'epair0a',
      }
    })
    const r = await runCmd(ping, 'ping -c 2 198.51.100.1', k.sys)
    assert.equal(r.err, '')
    assert.equal(
      r.out,
      [
        'PING 198.51.100.1 (198.51.100.1): 56 data bytes',
        '64 bytes from 198.51.100.1: icmp_seq=0 ttl=63 time=1.500 ms',
        '92 bytes from 192.0.2.254: Destination Host Unreachable',
        'Vr HL TOS  Len   ID Flg  off TTL Pro  cks       Src          Dst',
        ' 4  5  00 0054 0000   0 0000  3f  01 0000 192.0.2.1 198.51.100.1',
        '',
        '',
        '--- 198.51.100.1 ping statistics ---',
        '2 packets transmitted, 1 packets received, 50.0% packet loss',
        'round-trip min/avg/max/stddev = 1.500/1.500/1.500/0.000 ms',
        '',
      ].join('\n'),
    )
    assert.equal(r.status, 0)
    // Echo requests as ping.c builds them: id = pid & 0xffff, seq from 0, the pattern after the stamp.
    assert.deepEqual(
      sent.map((p) => [p[0], readU16(p, 4), readU16(p, 6), p.length, p[16], p[63]]),
      [
        [8, 4242, 0, 64, 8, 55],
        [8, 4242, 1, 64, 8, 55],
      ],
    )
  })

  test('the IP header dump with options', () => {
    const h = new Uint8Array(24)
    h[0] = 0x46
    writeU32(h, 12, ip4('10.0.0.1'))
    writeU32(h, 16, ip4('10.0.0.2'))
    h.set([1, 1, 1, 0], 20)
    assert.equal(
      formatIpHeaderDump(h, 0),
      'Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst Opts\n 4  6  00 0000 0000   0 0000  00  00 0000 10.0.0.1 10.0.0.2 01010100\n',
    )
  })

  test('no reply at all: exit 2 after waiting 10 s past the last request', async () => {
    const { k } = scripted(() => null)
    const r = await runCmd(ping, 'ping -c 1 192.0.2.99', k.sys)
    assert.equal(r.status, 2)
    assert.match(r.out, /1 packets transmitted, 0 packets received, 100\.0% packet loss\n$/)
  })
})

describe('traceroute options', () => {
  test("str2val's messages", () => {
    const cases: Array<[string, string]> = [
      ['-m 0 h', 'max ttl must be > 0'],
      ['-m 300 h', 'max ttl must be <= 255'],
      ['-q x h', '"x" bad value for nprobes '],
      ['-w 0 h', 'wait time must be > 0'],
      ['-f 5 -m 3 h', 'first ttl (5) may not be greater than max ttl (3)'],
      ['-P sctp h', 'unknown protocol sctp'],
    ]
    for (const [args, msg] of cases)
      assert.throws(
        () => parseTracerouteArgs(args.split(' '), 64),
        (e: Error) => e.message === msg,
        args,
      )
    const { o } = parseTracerouteArgs(['-I', '-q', '0x2', 'h', '60'], 64)
    assert.deepEqual([o.icmp, o.nprobes, o.packlen, o.maxTtl], [true, 2, 60, 64])
  })

  test('unknown hosts and annotations', async () => {
    const k = fakeSys({ sysctlGet: () => ({ value: 64 }) })
    assert.deepEqual(await runCmd(traceroute, 'traceroute nosuch', k.sys), {
      status: 1,
      out: '',
      err: 'traceroute: unknown host nosuch\n',
    })
    assert.deepEqual(unreachNote(1, 0), { note: ' !H', arrived: false })
    assert.deepEqual(unreachNote(3, 0), { note: '', arrived: true })
    assert.deepEqual(unreachNote(4, 1400), { note: ' !F-1400', arrived: false })
  })
})
