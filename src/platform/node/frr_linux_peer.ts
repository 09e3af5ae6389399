/**
 * Test support for the FRR interop tests: Debian's FRR (zebra and one protocol daemon) run inside a
 * Linux network namespace made by NetnsPeers, with its configuration, pid files, zserv socket and vty
 * sockets in a temporary directory of its own, and vtysh pointed at them. Not part of the library;
 * used only by *.test.ts.
 *
 * Must not: touch the machine's own FRR (/etc/frr, /run/frr) or any process it did not start; the
 * daemons die with their namespace (NetnsPeer.destroy kills every process in it).
 */

import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NetnsPeer } from './netns_peer.js'
import { netnsUnavailable } from './netns_peer.js'

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
