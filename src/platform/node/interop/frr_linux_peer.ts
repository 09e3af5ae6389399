/**
 * Test support for the FRR interop tests: Debian's FRR (zebra and one protocol daemon) run inside a
 * Linux network namespace made by NetnsPeers, with its configuration, pid files, zserv socket and vty
 * sockets in a temporary directory of its own, and vtysh pointed at them; and the world the FRR
 * interop tests share (a VirtNet router `r` joined to that namespace over vxlan, stub nets on both
 * sides, a describe per scenario that tears everything down). Not part of the library; used only by
 * frr_*linux.test.ts.
 *
 * Must not: touch the machine's own FRR (/etc/frr, /run/frr) or any process it did not start; the
 * daemons die with their namespace (NetnsPeer.destroy kills every process in it).
 */

import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe } from 'node:test'
import type { VirtLab, VirtNode } from '../lab_api.js'
import { type NetnsPeer, NetnsPeers, netnsUnavailable } from './netns_peer.js'
import { joined } from './vxlan_linux_peer.js'

export const FRR_DIR = '/usr/lib/frr'

/** Why FRR peers cannot run here (root, netns, the daemons, vtysh), or undefined. */
export function frrUnavailable(daemons: readonly string[]): string | undefined {
  const why = netnsUnavailable(['vtysh', 'ethtool'])
  if (why !== undefined) return why.replace('apt-get install vtysh', 'apt-get install frr')
  const missing = ['zebra', ...daemons].filter((d) => !existsSync(join(FRR_DIR, d)))
  if (missing.length > 0) return `needs FRR's ${missing.join(', ')} in ${FRR_DIR} (apt-get install frr)`
  return undefined
}

/** Poll `probe` every 100 ms until it is true; the milliseconds it took. Throws after `ms`. */
export async function until(what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<number> {
  const start = Date.now()
  while (!(await probe())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return Date.now() - start
}

/** FRR daemons in one namespace. */
export class FrrPeer {
  readonly dir: string
  private readonly peer: NetnsPeer

  constructor(peer: NetnsPeer) {
    this.peer = peer
    this.dir = mkdtempSync(join(tmpdir(), 'vn-frr-'))
    // The daemons drop to Debian's `frr` user and write their pid files and sockets here.
    chmodSync(this.dir, 0o777)
  }

  /**
   * Start zebra and then `daemon` with `config` (FRR's configuration file language); resolves when
   * both answer on their vty sockets.
   */
  async start(daemon: string, config: string): Promise<void> {
    for (const [name, conf] of [
      ['zebra', 'hostname linux\n'],
      [daemon, `${config.trim()}\n`],
    ] as const) {
      const f = join(this.dir, `${name}.conf`)
      writeFileSync(f, conf)
      const r = await this.peer.exec(
        [
          join(FRR_DIR, name),
          '-d',
          '-f',
          f,
          '-i',
          join(this.dir, `${name}.pid`),
          '-z',
          join(this.dir, 'zserv.api'),
          '--vty_socket',
          this.dir,
          '-P',
          '0',
          '--log',
          `file:${join(this.dir, `${name}.log`)}`,
          '--log-level',
          'debug',
        ],
        10_000,
      )
      if (r.code !== 0) throw new Error(`${name} did not start (${r.code}): ${r.stderr}${r.stdout}`)
      await until(
        `${name}'s vty`,
        async () => (await this.vtysh('show version', name)).includes('FRRouting'),
        10_000,
      )
    }
  }

  /** One vtysh command (to `daemon` only, if given); its output, or the error it printed. */
  async vtysh(cmd: string, daemon?: string): Promise<string> {
    const argv = [
      'vtysh',
      '--vty_socket',
      this.dir,
      ...(daemon === undefined ? [] : ['-d', daemon]),
      '-c',
      cmd,
    ]
    const r = await this.peer.exec(argv, 10_000)
    return r.stdout + r.stderr
  }

  /** `configure terminal` and then `lines`, each its own -c (as a user at the vtysh prompt). */
  async configure(daemon: string, lines: readonly string[]): Promise<string> {
    const argv = ['vtysh', '--vty_socket', this.dir, '-d', daemon, '-c', 'configure terminal']
    for (const l of lines) argv.push('-c', l)
    const r = await this.peer.exec(argv, 10_000)
    return r.stdout + r.stderr
  }

  /** A `… json` command's parsed answer ({} when it printed nothing parseable). */
  async json(cmd: string, daemon?: string): Promise<Record<string, unknown>> {
    const out = await this.vtysh(cmd, daemon)
    try {
      return JSON.parse(out) as Record<string, unknown>
    } catch {
      return {}
    }
  }

  /** The last lines of the daemons' logs, for a failing assertion's message. */
  logs(): string {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => `--- ${f}\n${readFileSync(join(this.dir, f), 'utf8').split('\n').slice(-80).join('\n')}`)
      .join('\n')
  }

  /** Remove the directory (the daemons died with the namespace). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

const LAB = `
name: frr-interop
nodes:
  r: { kind: router, interfaces: [ { name: eth1, address: 10.43.0.1/24, ipv6: [ fd43::1/64 ] }, { name: eth2, address: 10.46.0.1/24 } ] }
  h: { kind: pc, interfaces: [ { name: eth0, address: 10.43.0.2/24 } ], routes: [ { to: default, via: 10.43.0.1 } ] }
  h2: { kind: pc, interfaces: [ { name: eth0, address: 10.46.0.2/24 } ], routes: [ { to: default, via: 10.46.0.1 } ] }
links:
  - { a: r:eth1, b: h }
  - { a: r:eth2, b: h2 }
`

export interface World {
  peer: NetnsPeer
  lab: VirtLab
  r: VirtNode
  frr: FrrPeer
}

/**
 * A namespace joined to r over vxlan, with FRR's stub net 10.44.0.0/24 and a second net 10.45.0.0/24
 * on veth pairs inside it (r has 10.43.0.0/24 and 10.46.0.0/24).
 */
export async function world(peers: NetnsPeers): Promise<World> {
  const { peer, lab, pc } = await joined(peers, LAB, 'r')
  // Linux gives a vxlan without an underlay device MTU 1500, ours (FreeBSD's) 1450: OSPF rejects a
  // Database Description whose MTU exceeds its own (RFC 2328 10.6), so make the LAN one MTU.
  peer.ip(['link', 'set', 'vxlan0', 'mtu', '1450'])
  peer.ip(['link', 'add', 's0', 'type', 'veth', 'peer', 'name', 's1'])
  peer.ip(['addr', 'add', '10.44.0.1/24', 'dev', 's0'])
  peer.ip(['addr', 'add', 'fd44::1/64', 'dev', 's0', 'nodad'])
  peer.ip(['link', 'set', 's1', 'up'])
  peer.ip(['link', 'set', 's0', 'up'])
  // A second net behind FRR for redistribution (in no `network` statement).
  peer.ip(['link', 'add', 'x0', 'type', 'veth', 'peer', 'name', 'x1'])
  peer.ip(['addr', 'add', '10.45.0.1/24', 'dev', 'x0'])
  peer.ip(['link', 'set', 'x1', 'up'])
  peer.ip(['link', 'set', 'x0', 'up'])
  await peer.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1'])
  return { peer, lab, r: pc, frr: new FrrPeer(peer) }
}

/** `daemon` on both sides: FRR's from `frrConf`, then ours (`daemon -d`) configured by the vtysh `lines`. */
export async function startBoth(
  w: World,
  daemon: string,
  frrConf: string,
  lines: readonly string[],
): Promise<void> {
  await w.frr.start(daemon, frrConf)
  const d = await w.r.sh(`${daemon} -d`)
  assert.equal(d.status, 0, d.stderr)
  await vty(w.r, lines)
}

/** Run vtysh lines in r's shell (a here-document, as IMUNES configures its routers). */
export async function vty(r: VirtNode, lines: readonly string[]): Promise<void> {
  const res = await r.sh(`vtysh << __EOF__\n${lines.join('\n')}\n__EOF__`)
  assert.equal(res.status, 0, res.stdout + res.stderr)
}

export async function ours(r: VirtNode, cmd: string): Promise<string> {
  const res = await r.sh(cmd)
  return res.stdout + res.stderr
}

/** r's FIB line for `dest` (netstat -rn), or ''. */
export async function fib(r: VirtNode, dest: string): Promise<string> {
  return (await ours(r, 'netstat -rn -f inet')).split('\n').find((l) => l.startsWith(`${dest} `)) ?? ''
}

/** h pings FRR's stub address across r and the Linux namespace. */
export async function pingAcross(w: World): Promise<void> {
  const p = await w.lab.node('h').sh('ping -c 2 -i 0.2 10.44.0.1')
  assert.equal(p.status, 0, p.stdout + p.stderr)
}

/** Linux's FIB (`ip route show proto P`) has `prefix` via r. */
export function linuxHas(w: World, proto: string, prefix: string): boolean {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')} (?:nhid \\d+ )?via 10\\.42\\.0\\.1 dev vxlan0`, 'm')
  return re.test(w.peer.ip(['route', 'show', 'proto', proto]))
}

/**
 * One protocol's suite: a fresh world per describe, torn down (lab, namespace with its daemons,
 * temporary directory) whatever happened; `dump` adds both sides' state to a failed wait's message.
 */
export function interop(
  name: string,
  daemon: string,
  body: (get: () => World, explain: (e: unknown, ...cmds: string[]) => Promise<Error>) => void,
): void {
  const why = frrUnavailable([daemon])
  describe(name, { skip: why ?? false, timeout: 60_000 }, () => {
    let peers: NetnsPeers
    let w: World | undefined
    before(async () => {
      peers = new NetnsPeers(daemon.slice(0, 2))
      try {
        w = await world(peers)
      } catch (e) {
        peers.destroyAll()
        throw e
      }
    })
    after(() => {
      w?.lab.close()
      peers?.destroyAll()
      w?.frr.remove()
    })
    const explain = async (e: unknown, ...cmds: string[]): Promise<Error> => {
      let msg = `${(e as Error).message}\n`
      for (const c of cmds)
        msg += `--- FRR: ${c}\n${await w!.frr.vtysh(c)}\n--- r: ${c}\n${await ours(w!.r, `vtysh -c "${c}"`)}\n`
      msg += `--- Linux: ip route\n${w!.peer.ip(['route'])}\n--- r: netstat -rn\n${await ours(w!.r, 'netstat -rn -f inet')}\n`
      return new Error(msg + w!.frr.logs())
    }
    body(() => w!, explain)
  })
}
