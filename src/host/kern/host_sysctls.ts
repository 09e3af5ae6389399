/**
 * Host-wide (global) sysctls: FreeBSD knobs that are not per vnet. Jail root may read them but never
 * write them; the per-vnet knobs are declared by each protocol in src/stack. kern.maxproc and
 * kern.racct.enable are boot-time tunables (HostOptions), read-only here as in FreeBSD.
 */

import type { SysctlDecl } from '../../stack/net/sysctl.js'
import type { Host } from '../host.js'

export function hostSysctls(host: Host): SysctlDecl[] {
  const ro = (name: string, descr: string, value: number | string): SysctlDecl => ({
    name,
    descr,
    kind: typeof value === 'number' ? 'int' : 'string',
    scope: 'global',
    get: () => value,
  })
  return [
    ro('kern.features.vimage', 'Virtualize the network stack', 1),
    ro('kern.ostype', 'Operating system type', 'FreeBSD'),
    ro('kern.osrelease', 'Operating system release', '14.1-RELEASE'),
    {
      name: 'kern.ipc.maxsockbuf',
      descr: 'Maximum socket buffer size',
      kind: 'int',
      ctype: 'ulong',
      scope: 'global',
      // sysctl_handle_sb_max: below MSIZE + MCLBYTES is refused.
      min: 256 + 2048,
      max: Number.MAX_SAFE_INTEGER,
      get: () => host.env.ipc.maxsockbuf,
      set: (_v, n) => {
        host.env.ipc.maxsockbuf = n as number
      },
    },
    ...racctSysctls(host),
    // Readable by anyone, jails too (security.bsd.unprivileged_read_msgbuf defaults to 1).
    { ...ro('kern.msgbuf', 'Contents of kernel message buffer', ''), get: () => host.env.msgbuf.text() },
    {
      name: 'kern.msgbuf_clear',
      descr: 'Clear kernel message buffer',
      kind: 'int',
      scope: 'global',
      min: 0,
      max: 1,
      get: () => 0,
      set: (_v, n) => {
        if (n !== 0) host.env.msgbuf.clear()
      },
    },
  ]
}

/** The process and file limits (kern_fork.c, kern_descrip.c) and kern.racct.enable. */
function racctSysctls(host: Host): SysctlDecl[] {
  const r = host.racct
  const global = (name: string, descr: string, get: () => number): SysctlDecl => ({
    name,
    descr,
    kind: 'int',
    scope: 'global',
    get,
  })
  return [
    global('kern.racct.enable', 'Enable RACCT/RCTL', () => (r.enabled ? 1 : 0)),
    global('kern.maxproc', 'Maximum number of processes', () => r.limits.maxproc),
    {
      ...global('kern.maxprocperuid', 'Maximum processes allowed per userid', () => r.limits.maxprocperuid),
      min: 1,
      max: r.limits.maxproc,
      set: (_v, n) => {
        r.limits.maxprocperuid = n as number
      },
    },
    {
      ...global('kern.maxfiles', 'Maximum number of files', () => r.limits.maxfiles),
      min: 1,
      max: 0x7fffffff,
      set: (_v, n) => {
        r.limits.maxfiles = n as number
      },
    },
    global('kern.openfiles', 'System-wide number of open files', () => r.openfiles(host.prison0)),
  ]
}
