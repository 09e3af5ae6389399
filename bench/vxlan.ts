/**
 * VXLAN against Linux: ping RTT and TCP throughput (both ways) between a Linux network namespace and a VirtNet
 * jail over VXLAN (our vxlan interface on a real UDP socket of this process), next to the same
 * figures between two Linux namespaces over the same kind of VXLAN link (Linux vxlan on a veth), so
 * the ratio compares like with like on this machine now. Real time. Needs root, `ip`, `ping`,
 * `iperf3` and `ethtool`; without them the rows are skipped with the reason. Namespaces are made
 * and removed by netns_peer.ts (also on exit).
 *
 * The Linux end toward VirtNet checksums in software (`ethtool -K vxlan0 tx off`): over a veth,
 * Linux hands the inner checksum to an offload that never computes it, and our stack checks it.
 */

import { type NetnsPeer, NetnsPeers, netnsUnavailable } from '../src/platform/node/interop/netns_peer.js'
import { createLab } from '../src/platform/node/lab_api.js'
import { formatIpv4 } from '../src/wire/addr.js'
import { type BenchConfig, progress } from './harness.js'
import type { Metric } from './report.js'

const LAB = `
name: bench-vxlan
nodes:
  pc: { kind: pc }
links: []
`

export interface VxlanResult {
  readonly metrics: Metric[]
  readonly skipped: string[]
}

function ip(s: string): number {
  const p = s.split('.').map(Number)
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0
}

/** `rtt min/avg/max/mdev = …` of Linux ping -q: the average, µs. */
async function pingAvgUs(p: NetnsPeer, dst: string, count: number): Promise<number> {
  const r = await p.exec(['ping', '-q', '-c', String(count), '-i', '0.005', '-W', '2', dst], 120_000)
  const m = /= [\d.]+\/([\d.]+)\//.exec(r.stdout)
  if (r.code !== 0 || m === null) throw new Error(`ping ${dst}: ${r.stdout}${r.stderr}`.split('\n')[0])
  return Number(m[1]) * 1000
}

/**
 * Linux iperf3 client in p to dst for `seconds` (with `-R` the server sends): bits per second
 * received, and the CPU time this process (VirtNet's whole stack) spent meanwhile, ns.
 */
async function iperf(
  p: NetnsPeer,
  dst: string,
  seconds: number,
  reverse: boolean,
): Promise<{ bps: number; cpuNs: number }> {
  const u = process.cpuUsage()
  const args = ['iperf3', '-J', '-c', dst, '-t', String(seconds), ...(reverse ? ['-R'] : [])]
  const r = await p.exec(args, (seconds + 30) * 1000)
  const d = process.cpuUsage(u)
  const bps = (JSON.parse(r.stdout || '{}') as { end?: { sum_received?: { bits_per_second?: number } } }).end
    ?.sum_received?.bits_per_second
  if (typeof bps !== 'number') throw new Error(`iperf3 -c ${dst}: ${r.stderr || r.stdout.slice(0, 200)}`)
  return { bps, cpuNs: (d.user + d.system) * 1e3 }
}

export async function vxlanMetrics(cfg: BenchConfig): Promise<VxlanResult> {
  if (!cfg.linux) return { metrics: [], skipped: ['--no-linux (vxlan Linux rows)'] }
  // The smoke test's --quick run has a fixed time budget; these rows set up namespaces, a lab and
  // four real-time transfers (about 10 s on a loaded machine), so they run in full runs only.
  if (cfg.quick) return { metrics: [], skipped: ['--quick (vxlan Linux rows: real-time, about 10 s)'] }
  const why = netnsUnavailable(['ping', 'iperf3', 'ethtool'])
  if (why !== undefined) return { metrics: [], skipped: [`vxlan Linux rows: ${why}`] }
  const count = 1000
  const seconds = 5
  const peers = new NetnsPeers('b')
  let lab: Awaited<ReturnType<typeof createLab>> | undefined
  try {
    progress('vxlan: Linux <-> VirtNet and Linux <-> Linux over VXLAN')
    const p = peers.create()
    const q = peers.create()
    // Linux <-> VirtNet: vxlan0 (VNI 42) in p toward our socket on p's veth to us.
    p.vxlanToHost()
    p.ip(['addr', 'add', '10.42.0.2/24', 'dev', 'vxlan0'])
    await p.exec(['ethtool', '-K', 'vxlan0', 'tx', 'off'])
    p.ip(['link', 'set', 'vxlan0', 'up'])
    lab = await createLab({ text: LAB }, { clock: 'real' })
    const sys = lab.host.syscalls()
    const name = sys.ifCreate('vxlan')
    sys.ifVxlanSet(name, { vni: 42, local: ip(p.hostAddr), remote: ip(p.nsAddr) })
    sys.ifMoveToJail(name, 'pc')
    const pc = lab.node('pc')
    await pc.sh(`ifconfig ${name} inet 10.42.0.1/24 up`)
    // Linux <-> Linux: a veth between p and q (q's underlay), vxlan1 (VNI 43) on each end.
    // q's /30 with the 198.18/198.19 bit flipped: still in 198.18.0.0/15, not q's own.
    const base = ((ip(q.nsAddr) & ~3) ^ 0x10000) >>> 0
    const [pu, qu] = [formatIpv4(base + 1), formatIpv4(base + 2)]
    const pv = `vnu${process.pid % 100000}`.slice(0, 15)
    p.ip(['link', 'add', pv, 'type', 'veth', 'peer', 'name', 'u0', 'netns', q.ns])
    p.ip(['addr', 'add', `${pu}/30`, 'dev', pv])
    p.ip(['link', 'set', pv, 'up'])
    q.ip(['addr', 'add', `${qu}/30`, 'dev', 'u0'])
    q.ip(['link', 'set', 'u0', 'up'])
    p.ip(['link', 'add', 'vxlan1', 'type', 'vxlan', 'id', '43', 'remote', qu, 'local', pu, 'dstport', '4789'])
    q.ip(['link', 'add', 'vxlan1', 'type', 'vxlan', 'id', '43', 'remote', pu, 'local', qu, 'dstport', '4789'])
    p.ip(['addr', 'add', '10.43.0.1/24', 'dev', 'vxlan1'])
    q.ip(['addr', 'add', '10.43.0.2/24', 'dev', 'vxlan1'])
    p.ip(['link', 'set', 'vxlan1', 'up'])
    q.ip(['link', 'set', 'vxlan1', 'up'])

    // Warm ARP on both links, then measure.
    await pingAvgUs(p, '10.42.0.1', 3)
    await pingAvgUs(p, '10.43.0.2', 3)
    const rttOurs = await pingAvgUs(p, '10.42.0.1', count)
    const rttLinux = await pingAvgUs(p, '10.43.0.2', count)
    // One TCP stream each way; each server serves one test (-1) and exits.
    const run = async (reverse: boolean) => {
      const server = pc.spawn('iperf3 -s -1')
      const linuxServer = q.spawn(['iperf3', '-s', '-1', '-B', '10.43.0.2'], (seconds + 60) * 1000)
      await new Promise((r) => setTimeout(r, 300))
      const ours = await iperf(p, '10.42.0.1', seconds, reverse)
      await server.done
      const linux = await iperf(p, '10.43.0.2', seconds, reverse)
      await linuxServer.done
      return { ours, linux }
    }
    const toUs = await run(false)
    const fromUs = await run(true)
    const note = `${count} pings, iperf3 -t ${seconds}, one TCP stream`
    // Linux forwards in the kernel; we share the CPU with whatever else runs, so the figure per
    // second of CPU our process used tells the stack's cost apart from the machine's load.
    const perCpu = (r: { bps: number; cpuNs: number }) => (r.bps * seconds) / (r.cpuNs / 1e9) / 1e9
    return {
      metrics: [
        {
          key: 'vxlan.ping_rtt_avg.linux_virtnet',
          name: 'VXLAN ping RTT Linux <-> VirtNet jail',
          value: rttOurs,
          unit: 'µs',
          baseline: { label: 'Linux <-> Linux VXLAN', value: rttLinux },
          note,
        },
        {
          key: 'vxlan.tcp.linux_to_virtnet',
          name: 'VXLAN TCP Linux -> VirtNet jail',
          value: toUs.ours.bps / 1e9,
          unit: 'Gbit/s',
          baseline: { label: 'Linux -> Linux VXLAN', value: toUs.linux.bps / 1e9 },
          note: `${note}, Linux sends; VirtNet used ${(toUs.ours.cpuNs / 1e9).toFixed(2)} CPU s`,
        },
        {
          key: 'vxlan.tcp.virtnet_to_linux',
          name: 'VXLAN TCP VirtNet jail -> Linux',
          value: fromUs.ours.bps / 1e9,
          unit: 'Gbit/s',
          baseline: { label: 'Linux -> Linux VXLAN', value: fromUs.linux.bps / 1e9 },
          note: `${note}, iperf3 -R (VirtNet sends); VirtNet used ${(fromUs.ours.cpuNs / 1e9).toFixed(2)} CPU s`,
        },
        {
          key: 'vxlan.tcp.linux_to_virtnet_per_cpu',
          name: 'VXLAN TCP Linux -> VirtNet jail per CPU second',
          value: perCpu(toUs.ours),
          unit: 'Gbit/CPU-s',
          note: 'bits received / CPU time of this process during the transfer (load-independent)',
        },
        {
          key: 'vxlan.tcp.virtnet_to_linux_per_cpu',
          name: 'VXLAN TCP VirtNet jail -> Linux per CPU second',
          value: perCpu(fromUs.ours),
          unit: 'Gbit/CPU-s',
          note: 'bits sent / CPU time of this process during the transfer (load-independent)',
        },
      ],
      skipped: [],
    }
  } catch (e) {
    return { metrics: [], skipped: [`vxlan Linux rows failed: ${(e as Error).message.split('\n')[0]}`] }
  } finally {
    lab?.close()
    peers.destroyAll()
  }
}
