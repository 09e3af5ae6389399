/**
 * Linux peers for interop tests and benchmarks: a network namespace joined to this process's
 * namespace by a veth pair on a 198.18.0.0/15 /30, where a Linux vxlan interface (or anything else)
 * can be set up with `ip`. Every namespace is named `vn-<pid>-<n>`; those left by dead processes are
 * removed on creation, ours on `destroy()` and on process exit. Commands that run while VirtNet must
 * answer (ping, curl) are asynchronous, with a timeout, so the event loop keeps serving the stack.
 *
 * Must not: touch any namespace or link it did not create, or send anywhere but its own addresses.
 */

import { execFile, execFileSync } from 'node:child_process'

const ANY = /^vn-(\d+)-\d+/

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

function sh(cmd: string, args: readonly string[], timeoutMs = 20_000): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs })
}

function has(prog: string): boolean {
  try {
    sh('sh', ['-c', `command -v ${prog}`])
    return true
  } catch {
    return false
  }
}

/** Why Linux peers cannot be made here (root, `ip`, network namespaces, the programs), or undefined. */
export function netnsUnavailable(programs: readonly string[] = []): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces'
  if (process.getuid?.() !== 0) return 'needs root for ip netns'
  if (!has('ip')) return 'needs ip (apt-get install iproute2)'
  const missing = programs.filter((p) => !has(p))
  if (missing.length > 0) return `needs ${missing.join(', ')} (apt-get install ${missing.join(' ')})`
  const probe = `vn-${process.pid}-probe`
  try {
    sh('ip', ['netns', 'add', probe])
    sh('ip', ['netns', 'del', probe])
  } catch (e) {
    return `ip netns does not work here: ${(e as Error).message.split('\n')[0]}`
  }
  return undefined
}

/** Remove namespaces left by processes that no longer exist. */
function reapStale(): void {
  let names: string[]
  try {
    names = sh('ip', ['netns', 'list'])
      .split('\n')
      .map((l) => l.split(' ')[0]!)
  } catch {
    return
  }
  for (const n of names) {
    const m = ANY.exec(n)
    if (m === null) continue
    const pid = Number(m[1])
    if (pid === process.pid) continue
    try {
      process.kill(pid, 0)
    } catch {
      try {
        sh('ip', ['netns', 'del', n])
      } catch {
        // gone already
      }
    }
  }
}

function ipv4(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`
}

/**
 * Makes the peers of one test file: numbers them, and removes any still alive when the process
 * exits (a test that failed before its teardown).
 */
export class NetnsPeers {
  private n = 0
  private readonly live = new Set<NetnsPeer>()
  private readonly tag: string

  constructor(tag = '') {
    this.tag = tag
    reapStale()
    process.on('exit', () => this.destroyAll())
  }

  create(): NetnsPeer {
    const p = NetnsPeer.make(`${this.n++}${this.tag}`, this.n - 1)
    this.live.add(p)
    return p
  }

  destroyAll(): void {
    for (const p of this.live) p.destroy()
    this.live.clear()
  }
}

/** A namespace with a veth to ours: `hostAddr` here, `nsAddr` there (a /30 in 198.18.0.0/15). */
export class NetnsPeer {
  readonly ns: string
  /** Our end of the veth (in this process's namespace). */
  readonly hostIf: string
  readonly hostAddr: string
  readonly nsAddr: string
  /** The veth end inside the namespace. */
  readonly nsIf: string
  private destroyed = false

  private constructor(ns: string, hostIf: string, hostAddr: string, nsAddr: string, nsIf: string) {
    this.ns = ns
    this.nsIf = nsIf
    this.hostIf = hostIf
    this.hostAddr = hostAddr
    this.nsAddr = nsAddr
  }

  /** @internal NetnsPeers.create */
  static make(id: string, n: number): NetnsPeer {
    const ns = `vn-${process.pid}-${id}`
    // A /30 of 198.18.0.0/15 chosen by pid and count, so parallel runs do not collide.
    const slot = ((process.pid % 8192) * 16 + (n % 16)) % 32768
    const base = ((198 << 24) | (18 << 16)) + slot * 4
    const hostAddr = ipv4(base + 1)
    const nsAddr = ipv4(base + 2)
    const hostIf = `vnh${process.pid % 100000}x${n}`.slice(0, 15)
    const peerIf = `vnp${process.pid % 100000}x${n}`.slice(0, 15)
    const peer = new NetnsPeer(ns, hostIf, hostAddr, nsAddr, peerIf)
    try {
      sh('ip', ['netns', 'add', ns])
      sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf, 'netns', ns])
      sh('ip', ['addr', 'add', `${hostAddr}/30`, 'dev', hostIf])
      sh('ip', ['link', 'set', hostIf, 'up'])
      peer.ip(['addr', 'add', `${nsAddr}/30`, 'dev', peerIf])
      peer.ip(['link', 'set', peerIf, 'up'])
      peer.ip(['link', 'set', 'lo', 'up'])
    } catch (e) {
      peer.destroy()
      throw e
    }
    return peer
  }

  /** `ip -n NS …`, synchronously (set-up only: nothing in this process runs meanwhile). */
  ip(args: readonly string[]): string {
    return sh('ip', ['-n', this.ns, ...args])
  }

  /** A Linux vxlan interface `name` (VNI 42, port 4789) whose underlay is the veth back to us. */
  vxlanToHost(name = 'vxlan0'): void {
    this.ip([
      'link',
      'add',
      name,
      'type',
      'vxlan',
      'id',
      '42',
      'remote',
      this.hostAddr,
      'local',
      this.nsAddr,
      'dstport',
      '4789',
    ])
  }

  /** Run a command inside the namespace without blocking the event loop; never rejects. */
  exec(argv: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
    return new Promise((resolve) => {
      execFile(
        'ip',
        ['netns', 'exec', this.ns, ...argv],
        { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
          resolve({ code, stdout, stderr })
        },
      )
    })
  }

  /** Start a long-running command in the namespace (a server); `stop()` kills it. */
  spawn(argv: readonly string[], timeoutMs = 120_000): { done: Promise<RunResult>; stop(): void } {
    let child: ReturnType<typeof execFile> | undefined
    const done = new Promise<RunResult>((resolve) => {
      child = execFile(
        'ip',
        ['netns', 'exec', this.ns, ...argv],
        { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
          resolve({ code, stdout, stderr })
        },
      )
    })
    return { done, stop: () => void child?.kill('SIGKILL') }
  }

  /**
   * Move our end of the veth into `to`'s namespace, up and without an address (a wire for a raw
   * socket there), so this process's namespace keeps nothing of it. Returns its name.
   */
  giveHostEnd(to: NetnsPeer): string {
    sh('ip', ['link', 'set', this.hostIf, 'netns', to.ns])
    to.ip(['link', 'set', this.hostIf, 'up'])
    return this.hostIf
  }

  /** Delete the namespace (its veth end goes with it, and ours with that). Idempotent. */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    try {
      sh('ip', ['netns', 'pids', this.ns])
        .split('\n')
        .filter((p) => /^\d+$/.test(p))
        .forEach((p) => {
          try {
            process.kill(Number(p), 'SIGKILL')
          } catch {
            // exited
          }
        })
    } catch {
      // no such namespace
    }
    try {
      sh('ip', ['netns', 'del', this.ns])
    } catch {
      // already gone
    }
    try {
      sh('ip', ['link', 'del', this.hostIf])
    } catch {
      // went with the namespace
    }
  }
}
