/**
 * vtysh(1): FRR's integrated shell. Commands come from `-c CMD` options (run in order in one session,
 * so `-c 'conf t' -c 'router rip'` works), from the integrated configuration file with `-b`
 * (/usr/local/etc/frr/frr.conf), or from standard input (a here-document, as IMUNES feeds it). Each
 * line goes to every running daemon's vty (ripd TCP 127.0.0.1:2602, ripngd 2603, ospfd 2604, bgpd 2605, ospf6d 2606, isisd 2608) and the answer of
 * the first daemon the command is for is printed; with no daemon running, the interface, static
 * route and `show ip route` commands are run here and `router rip` / `router ospf` say the daemon is
 * not running. `show running-config` and `write` merge every daemon's configuration as FRR's vtysh
 * does (one `interface` block with each daemon's lines, then the rest, then the router blocks);
 * `write` saves it to the integrated file.
 *
 * Exit status: 0, or 1 when any line failed (its FRR error printed).
 *
 * Must not: keep state of its own between runs; the configuration lives in the daemons.
 */

import { AF_INET, SOCK, type SocketFd } from '../../../host/syscalls.js'
import { utf8Encode } from '../../../util/utf8.js'
import { getopt } from '../../getopt.js'
import { Utf8Stream } from '../../lib/libc/utf8_stream.js'
import type { Io, Proc } from '../../types.js'
import { BGPD_VTY_PORT } from './bgpd/bgpd.js'
import { ISISD_VTY_PORT } from './isisd/isis_config.js'
import { OSPF6D_VTY_PORT } from './ospf6d/ospf6_config.js'
import { OSPFD_VTY_PORT } from './ospfd/ospfd.js'
import { RIPD_VTY_PORT } from './ripd/ripd.js'
import { RIPNGD_VTY_PORT } from './ripngd/ripngd.js'
import { newFrrState, VtySession } from './vty_cmds.js'
import { VTY_EOT, VTY_FOREIGN } from './vty_server.js'

export const FRR_CONF = '/usr/local/etc/frr/frr.conf'
const LOOPBACK = 0x7f000001
const USAGE =
  'Usage : vtysh [OPTION...]\n\n-b, --boot               Execute boot startup configuration\n-c, --command            Execute argument as command\n-f, --inputfile          Execute commands from specific file and exit\n'

/** A connection to a daemon's vty, or the interpreter run here. */
interface Vty {
  exec(line: string): Promise<{ out: string; status: number }>
  close(): void
}

async function connectDaemon(proc: Proc, port: number, name: string): Promise<Vty | null> {
  const fd: SocketFd = proc.sys.socket(AF_INET, SOCK.STREAM)
  try {
    await fd.connect({ addr: LOOPBACK, port })
  } catch {
    fd.close()
    return null
  }
  let buf = ''
  const dec = new Utf8Stream()
  return {
    async exec(line) {
      await fd.send(utf8Encode(`${line}\n`))
      for (;;) {
        const at = buf.indexOf(VTY_EOT)
        if (at >= 0 && buf.length > at + VTY_EOT.length) {
          const out = buf.slice(0, at)
          const status = buf.charCodeAt(at + VTY_EOT.length)
          buf = buf.slice(at + VTY_EOT.length + 1)
          return { out, status }
        }
        const data = await fd.recv(65536)
        if (data.length === 0) return { out: `% Connection to ${name} lost\n`, status: 1 }
        buf += dec.push(data)
      }
    },
    close() {
      fd.close()
    },
  }
}

function localVty(proc: Proc): Vty {
  const s = new VtySession(proc.sys, newFrrState(proc.sys.getHostname()), null)
  return {
    async exec(line) {
      const status = s.exec(line)
      const out = s.out
      s.out = ''
      return { out, status }
    },
    close() {},
  }
}

/** `show running-config` or `write terminal`, abbreviated as the vty allows (`sh run`, `wr t`). */
function isRunning(line: string): boolean {
  const w = line.trim().split(/\s+/)
  if (w.length !== 2) return false
  const pre = (a: string, full: string, min: number) => a.length >= min && full.startsWith(a)
  return (
    (pre(w[0]!, 'show', 2) && pre(w[1]!, 'running-config', 2)) ||
    (pre(w[0]!, 'write', 2) && pre(w[1]!, 'terminal', 1))
  )
}

/**
 * The daemons' running configurations as one: the header of the first, `key chain` blocks once (FRR
 * writes them before the interfaces), each `interface` block once
 * with every daemon's lines (its first `exit` kept last), then other blocks (static routes) and the
 * `router` blocks in daemon order, each distinct block once, then `end`.
 */
export function mergeRunning(outs: readonly string[]): string {
  let head: string[] | null = null
  const ifs = new Map<string, string[]>()
  const chains = new Map<string, string[]>()
  const other = new Map<string, string[]>()
  const routers = new Map<string, string[]>()
  for (const out of outs) {
    const lines = out.split('\n')
    // The header runs to the second `!` (after `service integrated-vtysh-config`).
    let i = lines.indexOf('!')
    i = i < 0 ? lines.length : lines.indexOf('!', i + 1)
    if (i < 0) i = lines.length
    head ??= lines.slice(0, i + 1)
    let block: string[] = []
    for (const l of lines.slice(i + 1)) {
      if (l === 'end' || l === '') continue
      if (l !== '!') {
        block.push(l)
        continue
      }
      if (block.length === 0) continue
      const key = block[0]!
      if (key.startsWith('key chain ')) {
        if (!chains.has(key)) chains.set(key, block)
      } else if (key.startsWith('interface ')) {
        const have = ifs.get(key)
        if (have === undefined) ifs.set(key, block)
        else {
          const body = have.slice(0, have.lastIndexOf('exit') < 0 ? have.length : have.lastIndexOf('exit'))
          for (const x of block.slice(1)) if (x !== 'exit' && !body.includes(x)) body.push(x)
          ifs.set(key, [...body, 'exit'])
        }
      } else {
        const to = key.startsWith('router ') ? routers : other
        if (!to.has(key)) to.set(key, block)
      }
      block = []
    }
  }
  const all = [
    ...(head ?? []),
    ...[...chains.values(), ...ifs.values(), ...other.values(), ...routers.values()].flatMap((b) => [
      ...b,
      '!',
    ]),
  ]
  return `${[...all, 'end'].join('\n')}\n`
}

/**
 * Every daemon gets each line (each follows the node tree); the answer printed is the first one
 * that is not "another daemon's command". zebra's commands are answered by the first daemon.
 */
function allOf(daemons: readonly Vty[]): Vty {
  return {
    async exec(line) {
      let first: { out: string; status: number } | null = null
      let foreign: { out: string; status: number } | null = null
      if (daemons.length > 1 && isRunning(line)) {
        const outs: string[] = []
        for (const d of daemons) {
          const r = await d.exec(line)
          if (r.status === 0) outs.push(r.out)
        }
        if (outs.length > 0) return { out: mergeRunning(outs), status: 0 }
      }
      for (const d of daemons) {
        const r = await d.exec(line)
        if (r.status !== VTY_FOREIGN && first === null) first = r
        if (r.status === VTY_FOREIGN && foreign === null) foreign = r
      }
      if (first !== null) return first
      return { out: foreign?.out ?? '', status: foreign === null || foreign.out === '' ? 0 : 1 }
    },
    close() {
      for (const d of daemons) d.close()
    },
  }
}

/** The running configuration without its `Building configuration...` banner, as the file holds it. */
function fileText(running: string): string {
  const at = running.indexOf('!\n')
  return at >= 0 ? running.slice(at) : running
}

export async function vtysh(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  const o = getopt('vtysh', argv.slice(1), 'bc:f:d:ENhw')
  if (typeof o === 'string' || o.rest.length > 0) {
    io.stderr.write(`${typeof o === 'string' ? `${o}\n` : ''}${USAGE}`)
    return 1
  }
  const commands: string[] = []
  let boot = false
  let file: string | null = null
  for (const [f, v] of o.opts) {
    if (f === 'c') commands.push(...v.split('\n'))
    else if (f === 'b') boot = true
    else if (f === 'f') file = v
    else if (f === 'h') {
      io.stdout.write(USAGE)
      return 0
    }
  }
  let lines: string[]
  let fromConfig = false
  if (boot || file !== null) {
    const path = file ?? FRR_CONF
    const t = proc.fs.read(path)
    if (t === undefined) {
      io.stderr.write(`vtysh: ${path}: No such file or directory\n`)
      return 1
    }
    lines = t.split('\n')
    fromConfig = true
  } else if (commands.length > 0) lines = commands
  else {
    let all = ''
    for (let c = await io.stdin.read(); c !== null; c = await io.stdin.read()) all += c
    lines = all.split('\n')
  }
  const daemons: Vty[] = []
  for (const [port, name] of [
    [RIPD_VTY_PORT, 'ripd'],
    [OSPFD_VTY_PORT, 'ospfd'],
    [RIPNGD_VTY_PORT, 'ripngd'],
    [OSPF6D_VTY_PORT, 'ospf6d'],
    [BGPD_VTY_PORT, 'bgpd'],
    [ISISD_VTY_PORT, 'isisd'],
  ] as const) {
    const v = await connectDaemon(proc, port, name)
    if (v !== null) daemons.push(v)
  }
  const vty = daemons.length === 0 ? localVty(proc) : allOf(daemons)
  let failed = false
  try {
    // A configuration file is read in the config node, as `vtysh -b` does.
    if (fromConfig) await vty.exec('configure terminal')
    for (const line of lines) {
      const w = line.trim()
      if (/^(wr(i(te?)?)?|write (memory|file)|copy running-config startup-config)$/.test(w)) {
        const run = await vty.exec('write terminal')
        proc.fs.truncate(FRR_CONF)
        proc.fs.append(FRR_CONF, fileText(run.out))
        io.stdout.write(
          `Note: this version of vtysh never writes vtysh.conf\nBuilding Configuration...\nIntegrated configuration saved to ${FRR_CONF}\n[OK]\n`,
        )
        continue
      }
      const r = await vty.exec(line)
      if (r.out !== '') await io.stdout.write(r.out)
      if (r.status !== 0) failed = true
    }
  } finally {
    vty.close()
  }
  return failed ? 1 : 0
}
