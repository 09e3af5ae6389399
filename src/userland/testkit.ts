/**
 * Test helpers for the userland programs: captured stdio, a recording fake of the syscall API
 * (every call logged; unimplemented calls throw so a test notices them), a minimal Proc, and
 * builders for the kernel's info records. Used by the *.test.ts files only.
 */

import type { IfInfo, JailInfo, RouteInfo, Syscalls } from '../host/syscalls.js'
import { SysError } from '../util/errno.js'
import { parseIpv4 } from '../wire/addr.js'
import { in6LinkLocalFromMac, in6Loopback, parseIpv6 } from '../wire/inet6/in6_addr.js'
import { MemFs } from './bin/sh/streams.js'
import type { Command, Io, Job, Proc } from './types.js'

export interface Captured extends Io {
  out(): string
  err(): string
}

export function capture(input = ''): Captured {
  let out = ''
  let err = ''
  let pending: string | null = input === '' ? null : input
  return {
    stdin: {
      read: async () => {
        const s = pending
        pending = null
        return s
      },
    },
    stdout: { write: (s) => void (out += s) },
    stderr: { write: (s) => void (err += s) },
    out: () => out,
    err: () => err,
  }
}

/** Calls that change kernel state: a command failing validation must make none of them. */
export const MUTATING: ReadonlySet<string> = new Set([
  'ifCreate',
  'ifDestroy',
  'ifSetUp',
  'ifSetMtu',
  'ifRename',
  'ifSetMac',
  'ifSetDescription',
  'ifAddAddr',
  'ifDelAddr',
  'ifMoveToJail',
  'ifReclaimFromJail',
  'routeAdd',
  'routeChange',
  'routeDelete',
  'routeFlush',
  'arpSet',
  'arpDelete',
  'arpFlush',
  'sysctlSet',
  'setHostname',
  'jailCreate',
  'jailModify',
  'jailRemove',
])

export interface FakeSys {
  sys: Syscalls
  calls: Array<[string, unknown[]]>
  /** Names of the state-changing calls made, in order. */
  mutations(): string[]
}

/** A Syscalls whose methods come from `impl`; anything else throws ENOSYS. Every call is recorded. */
export function fakeSys(impl: Partial<Record<keyof Syscalls, unknown>> = {}): FakeSys {
  const calls: Array<[string, unknown[]]> = []
  const base: Record<string, unknown> = { uid: 0, ruid: 0, jid: 0, jailName: '0', fib: 0, ...impl }
  const sys = new Proxy(base, {
    get(target, prop) {
      if (typeof prop !== 'string') return undefined
      const v = target[prop]
      // execve of a program without the setuid bit keeps the credential; not worth recording.
      if (prop === 'exec' && v === undefined) return () => sys
      if (v !== undefined && typeof v !== 'function') return v
      return (...args: unknown[]) => {
        calls.push([prop, args])
        if (typeof v !== 'function') throw new SysError('ENOSYS', prop)
        return (v as (...a: unknown[]) => unknown)(...args)
      }
    },
  }) as unknown as Syscalls
  return { sys, calls, mutations: () => calls.map(([n]) => n).filter((n) => MUTATING.has(n)) }
}

/** A Proc over `sys` that can neither sleep long nor spawn (unit tests of single programs). */
export function fakeProc(sys: Syscalls, pid = 4242): Proc {
  return {
    pid,
    sys,
    env: new Map(),
    fs: new MemFs(),
    killed: false,
    sleep: async () => {},
    onKill: () => () => {},
    onSignal: () => () => {},
    spawn: (): Job => {
      throw new SysError('ENOSYS', 'spawn')
    },
    has: () => false,
  }
}

export interface RunResult {
  status: number
  out: string
  err: string
}

/** Runs `cmd` with argv split on blanks (no quoting) against `sys`. */
export async function runCmd(
  cmd: Command,
  line: string | readonly string[],
  sys: Syscalls,
): Promise<RunResult> {
  const argv = typeof line === 'string' ? line.split(/\s+/).filter((s) => s !== '') : line
  const io = capture()
  const status = await cmd(argv, io, fakeProc(sys))
  return { status, out: io.out(), err: io.err() }
}

export function ip4(s: string): number {
  const a = parseIpv4(s)
  if (a === null) throw new Error(`bad address ${s}`)
  return a
}

const ZERO_STATS: IfInfo['stats'] = {
  ipackets: 0,
  ierrors: 0,
  idrops: 0,
  ibytes: 0,
  imcasts: 0,
  opackets: 0,
  oerrors: 0,
  odrops: 0,
  obytes: 0,
  omcasts: 0,
  collisions: 0,
}

/** An up, running epair end with the given addresses (`A.B.C.D/LEN`). */
export function epairIf(
  name: string,
  index: number,
  addrs: string[] = [],
  over: Partial<IfInfo> = {},
): IfInfo {
  return {
    name,
    index,
    flags: 0x8843,
    mtu: 1500,
    metric: 0,
    mac: 0x02000000000a + index,
    hwaddr: 0x02000000000a + index,
    addrs: addrs.map((s) => {
      const [a, l] = s.split('/')
      const addr = ip4(a!)
      const len = Number(l)
      const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0
      return { addr, prefixLen: len, broadcast: ((addr & mask) | ~mask) >>> 0 }
    }),
    groups: ['epair'],
    description: '',
    media: 'Ethernet 10Gbase-T (10Gbase-T <full-duplex>)',
    status: 'active',
    stats: { ...ZERO_STATS },
    // The link-local address the kernel derives from the MAC (fe80::ff:fe00:N), and nd6's defaults.
    inet6: [{ addr: in6LinkLocalFromMac(0x02000000000a + index), prefixLen: 64, flags: 0, scopeId: index }],
    nd6Flags: 0x21,
    ...over,
  }
}

export function loIf(index = 1): IfInfo {
  return {
    name: 'lo0',
    index,
    flags: 0x8049,
    mtu: 16384,
    metric: 0,
    mac: null,
    hwaddr: null,
    addrs: [{ addr: ip4('127.0.0.1'), prefixLen: 8, broadcast: 0 }],
    groups: ['lo'],
    description: '',
    media: '',
    status: '',
    stats: { ...ZERO_STATS },
    inet6: [
      { addr: in6Loopback(), prefixLen: 128, flags: 0, scopeId: 0 },
      { addr: parseIpv6('fe80::1')!, prefixLen: 64, flags: 0, scopeId: index },
    ],
    nd6Flags: 0x21,
  }
}

export function routeInfo(
  dst: string,
  prefixLen: number,
  via: string | number,
  ifName: string,
  flags: number,
): RouteInfo {
  const gw = typeof via === 'string'
  return {
    dst: ip4(dst),
    prefixLen,
    gateway: gw ? ip4(via) : 0,
    gatewayIfIndex: gw ? 0 : via,
    ifName,
    flags,
    mtu: 1500,
    use: 0,
  }
}

export function jailInfo(jid: number, name: string, over: Partial<JailInfo> = {}): JailInfo {
  return {
    jid,
    name,
    hostname: name,
    path: '/',
    vnet: true,
    persist: true,
    childrenMax: 0,
    childrenCur: 0,
    parent: 0,
    ip4: [],
    params: [
      ['jid', String(jid)],
      ['name', name],
      ['path', '/'],
      ['host.hostname', name],
      ['vnet', 'new'],
      ['persist', ''],
      ['children.max', '0'],
      ['children.cur', '0'],
      ['parent', '0'],
      ['allow.noraw_sockets', ''],
      ['ip4.addr', ''],
    ],
    ...over,
  }
}
