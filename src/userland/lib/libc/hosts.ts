/**
 * Name to address for the mail and web programs (fetch, postfix, mail): a numeric address as it
 * is, else /etc/hosts (hosts(5): `address name [alias ...]`, `#` comments, first match wins, names
 * without case), as FreeBSD's resolver does first under nsswitch's default `hosts: files dns`.
 * DNS itself (resolv.conf, MX records) is the resolver library's; `mxLookup` is where mail routing
 * asks it, and with no resolver it answers nothing, so postfix falls back to the domain's address
 * (RFC 5321 §5.1). Pure over the process's files and the syscall API.
 */

import { AF_INET } from '../../../host/syscalls.js'
import { type NumericHost, numericHost } from '../../common.js'
import type { Proc } from '../../types.js'
import { getHostAddr, getMx } from '../libresolv/resolver.js'

export const HOSTS = '/etc/hosts'

/** The addresses /etc/hosts gives `name`, in file order. */
export function hostsLookup(proc: Proc, name: string): string[] {
  const text = proc.fs.read(HOSTS)
  if (text === undefined) return []
  const want = name.toLowerCase().replace(/\.$/, '')
  const out: string[] = []
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim()
    if (line === '') continue
    const [addr, ...names] = line.split(/\s+/)
    if (names.some((n) => n.toLowerCase() === want)) out.push(addr!)
  }
  return out
}

/** getaddrinfo(3) for one address: numeric, then /etc/hosts; null when the name does not resolve. */
export function resolveHost(proc: Proc, name: string, family: 0 | 4 | 6 = 0): NumericHost | null {
  const n = numericHost(proc.sys, name, family)
  if (n !== null) return n
  for (const a of hostsLookup(proc, name)) {
    const h = numericHost(proc.sys, a, family)
    if (h !== null) return h
  }
  return null
}

/** A mail exchanger: its preference and name. */
export interface Mx {
  pref: number
  host: string
}

/** resolveHost, then the DNS through /etc/resolv.conf (libresolv) for IPv4. */
export async function lookupHost(
  proc: Proc,
  name: string,
  family: 0 | 4 | 6 = 0,
): Promise<NumericHost | null> {
  const h = resolveHost(proc, name, family)
  if (h !== null || family === 6) return h
  const a = await getHostAddr(proc, name)
  return a === null ? null : { family: AF_INET, sa: { addr: a, port: 0 } }
}

/** The MX records of `domain`, best first; empty when it has none (the caller then tries the domain). */
export async function mxLookup(proc: Proc, domain: string): Promise<Mx[]> {
  return getMx(proc, domain)
}
