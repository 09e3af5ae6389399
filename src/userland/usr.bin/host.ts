/**
 * host(1) as BIND 9 ships it: `host [-aCdlnrsTUwv46] [-c class] [-N ndots] [-R number] [-t type]
 * [-W wait] name [server]`. Without -t it asks for A, then AAAA, then MX (printing `N has address
 * A`, `N has IPv6 address A`, `N mail is handled by P X.`, a CNAME once as `N is an alias for T.`);
 * an address is looked up as its in-addr.arpa PTR (`... domain name pointer X.`). A name that
 * does not exist is `Host N not found: 3(NXDOMAIN)`, status 1; no answer at all is `;; connection
 * timed out; no servers could be reached`, status 1. With a server, its `Using domain server:`
 * block comes first. Servers and the search list come from /etc/resolv.conf (libresolv).
 */

import { formatIpv4, parseIpv4 } from '../../wire/addr.js'
import {
  DNS_RCODE_NAMES,
  type DnsMessage,
  DnsRcode,
  type DnsRR,
  DnsType,
  dnsFqdn,
  dnsTypeOf,
} from '../../wire/app/dns.js'
import { formatIpv6 } from '../../wire/inet6/in6_addr.js'
import { getopt } from '../getopt.js'
import { getHostAddr, parseResolvConf, resSearch } from '../lib/libresolv/resolver.js'
import type { Command } from '../types.js'

const USAGE = `Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]
            [-R number] [-m flag] [-p port] hostname [server]
`

/** `4.0.0.30.in-addr.arpa` for 30.0.0.4. */
export function reverseName(a: number): string {
  return `${a & 0xff}.${(a >>> 8) & 0xff}.${(a >>> 16) & 0xff}.${a >>> 24}.in-addr.arpa`
}

/** host's line for one answer record. */
export function hostLine(rr: DnsRR): string {
  const n = rr.name
  const d = rr.data
  switch (d.kind) {
    case 'a':
      return `${n} has address ${formatIpv4(d.addr)}`
    case 'aaaa':
      return `${n} has IPv6 address ${formatIpv6(d.addr)}`
    case 'mx':
      return `${n} mail is handled by ${d.pref} ${dnsFqdn(d.exchange)}`
    case 'name':
      return rr.type === DnsType.CNAME
        ? `${n} is an alias for ${dnsFqdn(d.name)}`
        : rr.type === DnsType.NS
          ? `${n} name server ${dnsFqdn(d.name)}`
          : `${n} domain name pointer ${dnsFqdn(d.name)}`
    case 'soa':
      return `${n} has SOA record ${dnsFqdn(d.mname)} ${dnsFqdn(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`
    case 'txt':
      return `${n} descriptive text ${d.strings.map((s) => `"${s}"`).join(' ')}`
    case 'raw':
      return `${n} has TYPE${rr.type} record \\# ${d.bytes.length}`
  }
}

export const host: Command = async (argv, io, proc) => {
  const g = getopt('host', argv.slice(1), 'aCdilnrsTUvVw46c:N:R:t:W:m:p:')
  if (typeof g === 'string' || g.rest.length === 0 || g.rest.length > 2) {
    io.stderr.write(USAGE)
    return 1
  }
  let types: number[] = [DnsType.A, DnsType.AAAA, DnsType.MX]
  const conf = parseResolvConf(proc.fs.read('/etc/resolv.conf'))
  for (const [o, v] of g.opts) {
    if (o === 't') {
      const t = dnsTypeOf(v ?? '')
      if (t === undefined) {
        io.stderr.write(`host: invalid type: ${v}\n`)
        return 1
      }
      types = [t]
    } else if (o === 'W') conf.timeout = Math.max(1, Number(v) || 1)
    else if (o === 'R') conf.attempts = Math.max(1, Number(v) || 1)
    else if (o === 'N') conf.ndots = Math.max(0, Number(v) || 0)
    else if (o === 'a') types = [DnsType.ANY]
  }
  let name = g.rest[0]!
  const server = g.rest[1]
  if (server !== undefined) {
    const a = await getHostAddr({ sys: proc.sys, fs: proc.fs }, server)
    if (a === null) {
      io.stderr.write(`host: couldn't get address for '${server}': not found\n`)
      return 1
    }
    conf.nameservers = [a]
    io.stdout.write(`Using domain server:\nName: ${server}\nAddress: ${formatIpv4(a)}#53\nAliases: \n\n`)
  }
  const addr = parseIpv4(name)
  if (addr !== null && /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    name = `${reverseName(addr >>> 0)}.`
    types = [DnsType.PTR]
  }
  const env = { sys: proc.sys, fs: proc.fs }
  const seen = new Set<string>()
  let found = false
  for (const t of types) {
    const r = await resSearch(env, conf, name, t)
    const reply: DnsMessage | null = r.reply
    if (reply === null) {
      io.stdout.write(';; connection timed out; no servers could be reached\n')
      return 1
    }
    if (reply.rcode !== DnsRcode.NOERROR) {
      // The first type's failure ends it, as host does.
      if (!found)
        io.stdout.write(
          `Host ${name.replace(/\.$/, '')} not found: ${reply.rcode}(${DNS_RCODE_NAMES[reply.rcode] ?? 'RESERVED'})\n`,
        )
      return 1
    }
    found = true
    for (const rr of reply.answers) {
      if (rr.type !== t && rr.type !== DnsType.CNAME && t !== DnsType.ANY) continue
      const line = hostLine(rr)
      if (seen.has(line)) continue
      seen.add(line)
      io.stdout.write(`${line}\n`)
    }
  }
  return 0
}
