/**
 * The interpreter end to end, with scripts written here, against a real host in virtual time:
 * system calls with results, errno and written-back values; backquoted commands through sh;
 * segments injected into the tun (a closed port answers RST); segments the stack sends (from TCP,
 * and from a raw socket of a helper process, to send exactly what a test needs) checked field by
 * field and in time, TS ecr against what the script sent; blocking calls spanning time (`...`);
 * unexpected packets; tcp_info assertions; and the failure lines the program prints.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { SOCK, type Syscalls } from '../../../host/syscalls.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { MS } from '../../../util/clock.js'
import { writeU16, writeU32 } from '../../../wire/addr.js'
import { checksum } from '../../../wire/checksum.js'
import { IpProto, ipv4PseudoHeaderSum } from '../../../wire/inet/ipv4.js'
import { MemFs } from '../../bin/sh/streams.js'
import { startProcess } from '../../process.js'
import { makePrograms } from '../../programs.js'
import { capture } from '../../testkit.js'
import type { Command } from '../../types.js'
import { REMOTE_EPHEMERAL_PORT } from './packet.js'
import { type RunResult, runText } from './run.js'

const LOCAL = 0xc0a80001 // 192.168.0.1
const REMOTE = 0xc00002_01 // 192.0.2.1

/**
 * Runs script `text` in a fresh host; `alongside` runs at the same time in the same host (as root),
 * to make the stack send what the script expects.
 */
async function run(text: string, alongside?: (sys: Syscalls) => Promise<void>): Promise<RunResult> {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
  let result: RunResult | null = null
  const main: Command = async (_argv, _io, proc) => {
    result = await runText(proc, 't.pkt', text, {})
    return 0
  }
  const programs = makePrograms([['pd', { run: main }]])
  const done = startProcess(host.syscalls(), ['pd'], capture(), { programs, fs: new MemFs() }).done
  await Promise.all([done, alongside?.(host.syscalls())])
  host.clock.stop()
  return result!
}

/** A TCP segment from the stack's address to the script's peer, checksummed (header + options). */
function segment(o: {
  sport?: number
  seq: number
  ack?: number
  flags: number
  win: number
  options?: number[]
  len?: number
}): Uint8Array {
  const opts = o.options ?? []
  const hl = 20 + opts.length
  const b = new Uint8Array(hl + (o.len ?? 0))
  writeU16(b, 0, o.sport ?? 8080)
  writeU16(b, 2, REMOTE_EPHEMERAL_PORT)
  writeU32(b, 4, o.seq)
  writeU32(b, 8, o.ack ?? 0)
  b[12] = (hl >> 2) << 4
  b[13] = o.flags
  writeU16(b, 14, o.win)
  b.set(opts, 20)
  writeU16(b, 16, checksum(b, 0, b.length, ipv4PseudoHeaderSum(LOCAL, REMOTE, IpProto.TCP, b.length)))
  return b
}

/** Send `seg` out of the stack towards the peer after `ms` (a raw socket: the stack's own output path). */
function sendAt(ms: number, seg: Uint8Array): (sys: Syscalls) => Promise<void> {
  return async (sys) => {
    const raw = sys.rawSocket(IpProto.TCP)
    await sys.nanosleep(ms * MS)
    // After a script has failed its tun is gone: then there is no route any more, and no one to tell.
    if (sys.ifList().some((i) => i.name === 'tun0')) raw.send(REMOTE, seg)
    raw.close()
  }
}

const SYN = 0x02
const ACK = 0x10
const RST = 0x04
/** mss 1460, nop, wscale 6, sackOK, TS val 5000 ecr 700 */
const SYNACK_OPTS = [2, 4, 5, 180, 1, 3, 3, 6, 4, 2, 8, 10, 0, 0, 0x13, 0x88, 0, 0, 2, 188]

describe('system calls and commands', () => {
  test('socket, fcntl, bind, getsockopt/setsockopt, read, close: values, errno and EWOULDBLOCK', async () => {
    const r = await run(`--tolerance_usecs=10000
0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3
+0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 fcntl(3, F_GETFL) = 0x06
+0 bind(3, ..., ...) = 0
+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [42080], [4]) = 0
+0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [8192], 4) = 0
+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [8192], [4]) = 0
+0 read(3, ..., 100) = -1 EWOULDBLOCK (Operation would block)
+0.1 \`sysctl -w net.inet.ip.ttl=33\`
+0 close(3) = 0
+0 close(3) = -1 EBADF (Bad file descriptor)
`)
    assert.deepEqual(r, { ok: true, line: 0, message: '' })
  })

  test('a wrong value, result or errno fails at its line saying what came back', async () => {
    const pre = '0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n'
    assert.deepEqual(await run(`${pre}+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [1234], [4]) = 0\n`), {
      ok: false,
      line: 2,
      message: 'expected getsockopt() = 0 got 0 with value 42080',
    })
    assert.deepEqual(await run(`${pre}+0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n`), {
      ok: false,
      line: 2,
      message: 'expected socket() = 3 got 4',
    })
    assert.deepEqual(await run(`${pre}+0 recv(3, ..., 1, MSG_DONTWAIT) = -1 ECONNRESET\n`), {
      ok: false,
      line: 2,
      message: 'expected recv() = -1 ECONNRESET got -1 EAGAIN',
    })
    // A blocking socket's read waits: a call that should have returned and did not is named.
    assert.deepEqual(await run(`${pre}+0 read(3, ..., 1) = -1 EAGAIN\n+1 close(3) = 0\n`), {
      ok: false,
      line: 2,
      message: 'expected read() = -1 EAGAIN to return by 0.004000 got it still blocked',
    })
  })

  test('a failing backquoted command fails the script with its status and message', async () => {
    const r = await run('0 `sysctl -w net.inet.tcp.nosuch=1`\n')
    assert.deepEqual(r, {
      ok: false,
      line: 1,
      message:
        "expected `sysctl -w net.inet.tcp.nosuch=1` to succeed got exit status 1: sysctl: unknown oid 'net.inet.tcp.nosuch'",
    })
  })

  test('a blocking call spans time while later lines run; it must return at its end time', async () => {
    const sendTo = (ms: number) => async (sys: Syscalls) => {
      await sys.nanosleep(ms * MS)
      if (sys.ifList().some((i) => i.name === 'tun0'))
        sys.socket(2, SOCK.DGRAM).sendto(new Uint8Array(5), { addr: LOCAL, port: 8080 })
    }
    const script = `--tolerance_usecs=10000
0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3
+0 bind(3, ..., ...) = 0
0.1...0.3 read(3, ..., 10) = 5
0.4 close(3) = 0
`
    assert.deepEqual(await run(script, sendTo(300)), { ok: true, line: 0, message: '' })
    assert.deepEqual(await run(script, sendTo(250)), {
      ok: false,
      line: 4,
      message: 'expected read() to return at 0.300000 (±0.010000) got it at 0.250000',
    })
    assert.deepEqual(await run(script, sendTo(350)), {
      ok: false,
      line: 4,
      message: 'expected read() = 5 to return by 0.310000 got it still blocked',
    })
  })
})

describe('over TCP', () => {
  const ACTIVE = `--tolerance_usecs=10000
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0.1 < S. 0:0(0) ack 1 win 32767 <mss 1460,sackOK,eol,eol>
+0 > . 1:1(0) ack 1
+0 %{ assert tcpi_state == TCPI_ESTABLISHED }%
+0 poll([{fd=3, events=POLLOUT, revents=POLLOUT}], 1, 0) = 1
+0 write(3, ..., 10) = 10
+0 > P. 1:11(10) ack 1
+0.05 < P. 1:6(5) ack 11 win 32767
+0 read(3, ..., 100) = 5
+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
+0 close(3) = 0
+0 > R. 11:11(0) ack 6
`

  test('an active open: connect, handshake, poll, write, read, SO_LINGER {onoff=1, linger=0}, tcp_info', async () => {
    assert.deepEqual(await run(ACTIVE), { ok: true, line: 0, message: '' })
  })

  test('a %{ }% assertion on tcp_info fails with the value it saw', async () => {
    assert.deepEqual(await run(ACTIVE.replace('TCPI_ESTABLISHED', 'TCPI_CLOSE_WAIT')), {
      ok: false,
      line: 8,
      message: 'expected assert tcpi_state == TCPI_CLOSE_WAIT got tcpi_state == 4',
    })
  })
})

describe('the packetdrill program', () => {
  test('reads scripts from the file system, one line each and a total; exit 1 when one fails', async () => {
    const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 })
    const fs = new MemFs()
    fs.append('a.pkt', '0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0 close(3) = 0\n')
    fs.append('b.pkt', '0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n+0 close(3) = 0\n+0 close(3) = 0\n')
    const io = capture()
    const status = await startProcess(host.syscalls(), ['packetdrill', 'a.pkt', 'b.pkt', 'c.pkt'], io, {
      programs: makePrograms(),
      fs,
    }).done
    assert.equal(status, 1)
    assert.equal(
      io.out(),
      [
        'a.pkt: ok',
        'b.pkt: FAILED line 3: expected close() = 0 got -1 EBADF',
        'c.pkt: FAILED: No such file or directory',
        '3 scripts: 1 passed, 2 failed',
        '',
      ].join('\n'),
    )
    // Each script cleaned up after itself: its tun is gone, the next one got tun0 again.
    assert.deepEqual(
      host
        .syscalls()
        .ifList()
        .map((i) => i.name),
      ['lo0'],
    )
  })
})

describe('packets', () => {
  test('an injected SYN reaches the stack: a closed port answers RST+ACK, checked field by field', async () => {
    const script = `--tolerance_usecs=10000
0.1 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > R. 0:0(0) ack 1 win 0
`
    assert.deepEqual(await run(script), { ok: true, line: 0, message: '' })
    assert.deepEqual(await run(script.replace('ack 1', 'ack 2')), {
      ok: false,
      line: 3,
      message: 'expected > R. 0:0(0) ack 2 win 0 got > R. 0:0(0) ack 1 win 0 (ack 1)',
    })
  })

  test('a packet nobody expected is what the next > line sees; after the last line nothing is checked', async () => {
    assert.deepEqual(await run('0.1 < S 0:0(0) win 1000\n0.2 > R 0:0(0) win 0\n'), {
      ok: false,
      line: 2,
      message: 'expected > R 0:0(0) win 0 got > R. 0:0(0) ack 1 win 0 (flags R.)',
    })
    // The script ends with its last line (packetdrill's rule): a final close() may send a FIN unasked.
    assert.deepEqual(await run('0.1 < S 0:0(0) win 1000\n'), { ok: true, line: 0, message: '' })
  })

  test('a segment the stack sends matches field by field: ISN learnt, TS val free, TS ecr echoed', async () => {
    const seg = segment({
      seq: 0x8000_0000,
      ack: 0x1d5c0001,
      flags: SYN | ACK,
      win: 65535,
      options: SYNACK_OPTS,
    })
    const script = `--tolerance_usecs=10000
0.1 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 700>
`
    assert.deepEqual(await run(script, sendAt(100, seg)), { ok: true, line: 0, message: '' })
  })

  test('what differs is named: window, ack, the TS ecr, options, flags', async () => {
    const seg = segment({ seq: 7, ack: 0x1d5c0001, flags: SYN | ACK, win: 65535, options: SYNACK_OPTS })
    const cases: Array<[string, string]> = [
      ['> S. 0:0(0) ack 1 win 1000 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 700>', 'window 65535'],
      ['> S. 0:0(0) ack 2 win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 700>', 'ack 1'],
      [
        '> S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>',
        'TS ecr 700 (the peer sent 0)',
      ],
      [
        '> S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK>',
        'options <mss 1460,nop,wscale 6,sackOK,TS val 5000 ecr 700>',
      ],
      ['> S 0:0(0) win 65535 <...>', 'flags S.'],
    ]
    for (const [line, why] of cases) {
      const r = await run(`--tolerance_usecs=10000\n0.1 ${line}\n`, sendAt(100, seg))
      assert.equal(r.ok, false, line)
      assert.equal(r.line, 2)
      assert.ok(r.message.endsWith(`(${why})`), `${line}: ${r.message}`)
      assert.ok(
        r.message.startsWith(`expected ${line.replace(/ +/g, ' ')} got > S. 0:0(0) ack 1 win 65535`),
        r.message,
      )
    }
  })

  test('a segment must come within the tolerance of its time; none at all is reported too', async () => {
    const rst = segment({ seq: 34, flags: RST, win: 0 })
    const script = '--tolerance_usecs=10000\n0.1 > R 34:34(0) win 0\n'
    assert.deepEqual(await run(script, sendAt(109, rst)), { ok: true, line: 0, message: '' })
    assert.deepEqual(await run(script, sendAt(120, rst)), {
      ok: false,
      line: 2,
      message: 'expected > R 34:34(0) win 0 by 0.110000 got no packet',
    })
    assert.deepEqual(await run(script, sendAt(80, rst)), {
      ok: false,
      line: 2,
      message: 'expected > R 34:34(0) win 0 at 0.100000 (±0.010000) got it at 0.080000',
    })
    // The default tolerance is packetdrill's 4 ms; `*` takes the packet whenever it comes.
    assert.equal((await run('0.1 > R 34:34(0) win 0\n', sendAt(105, rst))).ok, false)
    assert.equal((await run('* > R 34:34(0) win 0\n', sendAt(5000, rst))).ok, true)
    assert.equal((await run('0.1~0.2 > R 34:34(0) win 0\n', sendAt(170, rst))).ok, true)
  })

  test('relative times count from when the previous packet was really seen', async () => {
    const syn = segment({ seq: 1000, flags: SYN, win: 65535 })
    const both = async (sys: Syscalls) => {
      await sendAt(104, syn)(sys)
      await sendAt(1004, syn)(sys)
    }
    // 1.108 is 1 s after the first SYN (0.104) but outside 5 ms of 1.1 (1 s after its script time).
    const r = await run('--tolerance_usecs=5000\n0.1 > S 0:0(0) win 65535\n+1 > S 0:0(0) win 65535\n', both)
    assert.deepEqual(r, { ok: true, line: 0, message: '' })
  })
})
