/**
 * A SYN flood against one listener, in virtual time: spoofed SYNs from all over 198.18.0.0/15 are
 * handed to the server's interface as if they came off the wire, in bursts, and the rate at which
 * the stack takes them (IP and TCP input, the syncache or, once it overflowed, a SYN cookie, and the
 * SYN-ACK out through IP, Ethernet and the link) is reported per CPU-second of this process. The
 * syncache's peak size is noted beside it: it must stay within net.inet.tcp.syncache.cachelimit.
 */

import { Host } from '../src/host/host.js'
import { AF_INET, SOCK } from '../src/host/syscalls.js'
import { nodeClockDriver } from '../src/platform/node/clock_driver.js'
import { EtherType, ether, fixIpv4Checksum, IpProto, ipv4 } from '../src/testing/frames.js'
import { counter, ip, Net } from '../src/testing/net.js'
import { MS } from '../src/util/clock.js'
import { TcpOptions, TH, TOF, tcpFinish, writeTcpHeader } from '../src/wire/inet/tcp.js'
import { type BenchConfig, progress } from './harness.js'
import type { Metric } from './report.js'

const BURST = 500
/** A SYN costs about what a forwarded packet costs plus a socket lookup: aim for 200k a second. */
const TARGET_KSYNS = 200

function cpuNs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) * 1e3
}

export async function syncacheMetrics(cfg: BenchConfig): Promise<Metric[]> {
  const n = cfg.quick ? 5_000 : 300_000
  progress(`SYN flood: ${n} spoofed SYNs at one listener`)
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 3 })
  const net = new Net(host, {
    jails: ['a', 'b'],
    links: [['a', '10.0.0.1/24', 'b', '10.0.0.2/24']],
    routes: { b: [['default', '10.0.0.1']] },
  })
  const b = net.sys('b')
  const lsn = b.socket(AF_INET, SOCK.STREAM)
  lsn.bind({ addr: 0, port: 80 })
  lsn.listen(128)
  const dst = ip('10.0.0.2')
  // One frame, patched per SYN: source address and port, sequence number, both checksums.
  const to = new TcpOptions()
  to.flags = TOF.MSS
  to.mss = 1460
  const tcp = new Uint8Array(24)
  writeTcpHeader(tcp, 0, 1024, 80, 0, 0, TH.SYN, 65535, 0, to)
  const frame = ether(
    b.ifGet('epair0b').mac!,
    net.sys('a').ifGet('epair0a').mac!,
    EtherType.IPV4,
    ipv4({ src: 0, dst, proto: IpProto.TCP, payload: tcp }),
  )
  const ifp = net.ifp('b', 'epair0b')
  let x = 0x2c1b3c6d
  let peak = 0
  const cpu0 = cpuNs()
  for (let i = 0; i < n; i += BURST) {
    for (let j = 0; j < BURST; j++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      const src = (0xc6120000 | (x >>> 15)) >>> 0
      frame[26] = src >>> 24
      frame[27] = src >>> 16
      frame[28] = src >>> 8
      frame[29] = src
      frame[34] = 4 | ((x >>> 8) & 0x3f)
      frame[35] = x
      frame[38] = x >>> 24
      frame[39] = x >>> 16
      fixIpv4Checksum(frame, 14)
      tcpFinish(frame, 34, 24, src, dst)
      net.inject(ifp, frame)
    }
    await net.sleep(1 * MS)
    peak = Math.max(peak, Number(b.sysctlGet('net.inet.tcp.syncache.count').value))
  }
  const cpu = cpuNs() - cpu0
  const taken = counter(b, 'tcp', 'tcps_rcvtotal')
  const limit = Number(b.sysctlGet('net.inet.tcp.syncache.cachelimit').value)
  const cookies = counter(b, 'tcp', 'tcps_sc_sendcookie')
  host.clock.stop()
  return [
    {
      key: 'tcp.syn_flood.ksyns',
      name: 'SYN flood: spoofed SYNs answered (syncache, then cookies)',
      value: (taken / cpu) * 1e6,
      unit: 'k SYN/s/core',
      target: { kind: 'min', value: TARGET_KSYNS },
      note: `${taken} of ${n} taken, ${cookies} cookies sent; syncache peak ${peak} of cachelimit ${limit}`,
    },
  ]
}
