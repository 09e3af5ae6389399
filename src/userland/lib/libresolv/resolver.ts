/**
 * The stub resolver of a node's userland (libc's res_query/getaddrinfo, as FreeBSD's resolver
 * behaves): /etc/resolv.conf (`nameserver`, up to 3; `domain`, `search`, `options ndots:N
 * timeout:N attempts:N`; no nameserver means 127.0.0.1, as res_init), queries over UDP from a
 * random port and id, retrying over TCP when the answer is truncated, the search list applied as
 * res_search does, and /etc/hosts for names before the DNS (getHostAddr, as nsswitch's
 * `hosts: files dns`). Other programs (ping, fetch, nc, mail) call getHostAddr; host(1) calls
 * resQuery. Must not: throw for anything a server sends (bad answers are ignored), or wait
 * longer than timeout × attempts × servers.
 */

import { AF_INET, SOCK, type SocketFd, type Syscalls } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { parseIpv4 } from '../../../wire/addr.js'
import {
  DNS_CLASS_IN,
  DNS_PORT,
  type DnsMessage,
  DnsRcode,
  DnsType,
  dnsKey,
  dnsNameEq,
  emitDns,
  newDnsMessage,
  parseDns,
} from '../../../wire/app/dns.js'
import type { FileSystem } from '../../types.js'

export interface ResolvConf {
  nameservers: number[]
  search: string[]
  ndots: number
  /** Seconds per try (RES_TIMEOUT 5). */
  timeout: number
  attempts: number
}

const MAXNS = 3
const MAXDNSRCH = 6

/** Parses /etc/resolv.conf text (resolver(5)); what it does not know is ignored, as res_init does. */
export function parseResolvConf(text: string | undefined): ResolvConf {
  const c: ResolvConf = { nameservers: [], search: [], ndots: 1, timeout: 5, attempts: 2 }
  for (const raw of (text ?? '').split('\n')) {
    const w = raw
      .replace(/[;#].*$/, '')
      .trim()
      .split(/\s+/)
    if (w[0] === 'nameserver' && w[1] !== undefined && c.nameservers.length < MAXNS) {
      const a = parseIpv4(w[1])
      if (a !== null) c.nameservers.push(a >>> 0)
    } else if (w[0] === 'domain' && w[1] !== undefined) c.search = [dnsKey(w[1])]
    else if (w[0] === 'search' && w.length > 1) c.search = w.slice(1, 1 + MAXDNSRCH).map(dnsKey)
    else if (w[0] === 'options')
      for (const o of w.slice(1)) {
        const m = /^(ndots|timeout|attempts):(\d+)$/.exec(o)
        if (m === null) continue
        const v = Number(m[2])
        if (m[1] === 'ndots') c.ndots = Math.min(v, 15)
        else if (m[1] === 'timeout') c.timeout = Math.max(1, Math.min(v, 30))
        else c.attempts = Math.max(1, Math.min(v, 5))
      }
  }
  if (c.nameservers.length === 0) c.nameservers.push(0x7f000001)
  return c
}

/** The resolver's view of a node: its syscalls, files, and a way to wait. */
export interface ResolverEnv {
  readonly sys: Syscalls
  readonly fs: FileSystem
}

function randomU16(sys: Syscalls): number {
  const b = sys.getrandom(2)
  return (b[0]! << 8) | b[1]!
}

/**
 * One query to one server over UDP (and TCP when the answer comes back truncated): the parsed
 * reply to our id and question from that server, or null after `timeoutNs` or on any error.
 */
export async function resSend(
  sys: Syscalls,
  server: number,
  q: DnsMessage,
  timeoutNs: number,
  port = DNS_PORT,
): Promise<DnsMessage | null> {
  const bytes = emitDns(q)
  if (bytes === null) return null
  let s: SocketFd | undefined
  try {
    s = sys.socket(AF_INET, SOCK.DGRAM)
    s.sendto(bytes, { addr: server, port })
    const deadline = sys.now() + timeoutNs
    for (;;) {
      const left = deadline - sys.now()
      if (left <= 0) return null
      const r = await s.recvfrom(65535, 0, left)
      if (r.from.addr !== server || r.from.port !== port) continue
      const p = parseDns(r.data)
      if (!p.ok || !p.msg.qr || p.msg.id !== q.id || !sameQuestion(p.msg, q)) continue
      if (p.msg.tc) return await resSendTcp(sys, server, q, Math.max(deadline - sys.now(), 1e9), port)
      return p.msg
    }
  } catch (e) {
    if (!isSysError(e)) throw e
    return null
  } finally {
    s?.close()
  }
}

function sameQuestion(a: DnsMessage, q: DnsMessage): boolean {
  const x = a.questions[0]
  const y = q.questions[0]
  if (y === undefined) return true
  return x !== undefined && x.type === y.type && x.class === y.class && dnsNameEq(x.name, y.name)
}

/** Reads exactly n bytes from a stream socket (or null at EOF / timeout). */
export async function readFull(s: SocketFd, n: number, timeoutNs: number): Promise<Uint8Array | null> {
  const out = new Uint8Array(n)
  let got = 0
  while (got < n) {
    const chunk = await s.recv(n - got, 0, timeoutNs)
    if (chunk.length === 0) return null
    out.set(chunk, got)
    got += chunk.length
  }
  return out
}

/** One query over TCP (RFC 1035 §4.2.2: each message with a two-octet length). */
export async function resSendTcp(
  sys: Syscalls,
  server: number,
  q: DnsMessage,
  timeoutNs: number,
  port = DNS_PORT,
): Promise<DnsMessage | null> {
  const bytes = emitDns(q)
  if (bytes === null) return null
  const s = sys.socket(AF_INET, SOCK.STREAM)
  try {
    await Promise.race([
      s.connect({ addr: server, port }),
      sys.nanosleep(timeoutNs).then(() => Promise.reject(new Error('timeout'))),
    ])
    const framed = new Uint8Array(bytes.length + 2)
    framed[0] = bytes.length >> 8
    framed[1] = bytes.length & 0xff
    framed.set(bytes, 2)
    await s.send(framed)
    const len = await readFull(s, 2, timeoutNs)
    if (len === null) return null
    const body = await readFull(s, (len[0]! << 8) | len[1]!, timeoutNs)
    if (body === null) return null
    const p = parseDns(body)
    return p.ok && p.msg.id === q.id ? p.msg : null
  } catch (e) {
    if (!isSysError(e) && !(e instanceof Error && e.message === 'timeout')) throw e
    return null
  } finally {
    s.close()
  }
}

export interface QueryResult {
  /** The reply (NOERROR with or without answers, NXDOMAIN ...), or null when no server answered. */
  reply: DnsMessage | null
  /** The name the reply is for (after the search list). */
  name: string
}

/** A recursive query for (name, type) to the configured servers in turn, `attempts` rounds. */
export async function resQuery(
  env: ResolverEnv,
  conf: ResolvConf,
  name: string,
  type: number,
): Promise<DnsMessage | null> {
  let fallback: DnsMessage | null = null
  for (let round = 0; round < conf.attempts; round++) {
    for (const ns of conf.nameservers) {
      const q = newDnsMessage(randomU16(env.sys))
      q.rd = true
      q.questions.push({
        name: dnsKey(name) === '' ? '' : name.replace(/\.$/, ''),
        type,
        class: DNS_CLASS_IN,
      })
      const r = await resSend(env.sys, ns, q, conf.timeout * 1e9)
      if (r === null) continue
      // SERVFAIL, NOTIMP, REFUSED: try the next server, as res_send does.
      if (r.rcode === DnsRcode.NOERROR || r.rcode === DnsRcode.NXDOMAIN) return r
      fallback = r
    }
  }
  return fallback
}

/**
 * res_search: a name with a final dot is tried as it is; one with at least `ndots` dots first as
 * it is, then with each search domain; a shorter one with the domains first, then as it is.
 * Returns the first answer with data, else a NOERROR without data if any try gave one, else the
 * last reply.
 */
export async function resSearch(
  env: ResolverEnv,
  conf: ResolvConf,
  name: string,
  type: number,
): Promise<QueryResult> {
  const tries: string[] = []
  if (name.endsWith('.')) tries.push(name.slice(0, -1))
  else {
    const dots = name.split('.').length - 1
    if (dots >= conf.ndots) tries.push(name)
    for (const d of conf.search) tries.push(`${name}.${d}`)
    if (dots < conf.ndots) tries.push(name)
  }
  let last: QueryResult = { reply: null, name: tries[0] ?? name }
  // A name that exists without the type beats a later NXDOMAIN (res_search's got_nodata).
  let nodata: QueryResult | undefined
  for (const t of tries) {
    const r = await resQuery(env, conf, t, type)
    if (r === null) return { reply: null, name: t }
    last = { reply: r, name: t }
    if (r.rcode === DnsRcode.NOERROR && r.answers.length > 0) return last
    if (r.rcode !== DnsRcode.NXDOMAIN && r.rcode !== DnsRcode.NOERROR) return last
    if (r.rcode === DnsRcode.NOERROR) nodata ??= last
  }
  return nodata ?? last
}

/** The /etc/hosts entry for a name (IPv4), or undefined. */
export function hostsLookup(fs: FileSystem, name: string): number | undefined {
  const key = dnsKey(name)
  for (const raw of (fs.read('/etc/hosts') ?? '').split('\n')) {
    const w = raw.replace(/#.*$/, '').trim().split(/\s+/)
    if (w.length < 2) continue
    const a = parseIpv4(w[0]!)
    if (a !== null && w.slice(1).some((h) => dnsKey(h) === key)) return a >>> 0
  }
  return undefined
}

/**
 * gethostbyname for IPv4: a dotted quad as it is, `localhost`, /etc/hosts, then the DNS through
 * /etc/resolv.conf (CNAMEs followed by the server). null when the name does not resolve.
 */
export async function getHostAddr(env: ResolverEnv, name: string): Promise<number | null> {
  const lit = parseIpv4(name)
  if (lit !== null && /^\d+\.\d+\.\d+\.\d+$/.test(name)) return lit >>> 0
  const h = hostsLookup(env.fs, name)
  if (h !== undefined) return h
  if (dnsKey(name) === 'localhost') return 0x7f000001
  const conf = parseResolvConf(env.fs.read('/etc/resolv.conf'))
  const r = await resSearch(env, conf, name, DnsType.A)
  for (const rr of r.reply?.answers ?? []) if (rr.data.kind === 'a') return rr.data.addr >>> 0
  return null
}

/** MX records of a domain, lowest preference first (for a mailer); [] when there are none. */
export async function getMx(env: ResolverEnv, domain: string): Promise<{ pref: number; host: string }[]> {
  const conf = parseResolvConf(env.fs.read('/etc/resolv.conf'))
  const r = await resSearch(env, conf, domain, DnsType.MX)
  const out: { pref: number; host: string }[] = []
  for (const rr of r.reply?.answers ?? [])
    if (rr.data.kind === 'mx') out.push({ pref: rr.data.pref, host: rr.data.exchange })
  return out.sort((a, b) => a.pref - b.pref)
}
