/**
 * Host-wide (global) sysctls: FreeBSD knobs that are not per vnet. Jail root may read them but never
 * write them; the per-vnet knobs are declared by each protocol in src/stack.
 */

import type { SysctlDecl } from '../stack/sysctl.js'
import type { Host } from './host.js'

export function hostSysctls(_host: Host): SysctlDecl[] {
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
  ]
}
