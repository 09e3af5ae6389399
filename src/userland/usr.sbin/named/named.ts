/**
 * named(8), BIND 9's name server, the subset IMUNES's DNS labs use: `named [-fg] [-d N] [-c
 * named.conf] [-p port]`. It loads the configuration (named_conf.ts) and the master zones'
 * files (zone_file.ts, relative to `directory`), transfers slave zones from their masters (AXFR
 * over TCP, RFC 5936, retried with backoff until it succeeds, the result written to the zone's
 * file), and answers over UDP and TCP port 53: authoritatively from its zones (referrals with
 * glue below a delegation), and for clients in allow-recursion (BIND's default: localhost and
 * localnets) by iterative resolution from its root hints (recursor.ts). Without -f/-g it checks
 * what it can, goes to the background and exits 0, as named does.
 *
 * Must not: throw for anything a client sends (malformed queries are dropped and counted),
 * answer queries without a limit on those in progress, or let its cache grow without bound.
 */

import { AF_INET, SOCK, type SocketFd, type Syscalls } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { formatIpv4 } from '../../../wire/addr.js'
import {
  DNS_CLASS_IN,
  type DnsMessage,
  DnsOpcode,
  DnsRcode,
  type DnsRR,
  DnsType,
  dnsFqdn,
  dnsKey,
  emitDns,
  formatRData,
  newDnsMessage,
  parseDns,
} from '../../../wire/app/dns.js'
import { formatIpv6 } from '../../../wire/inet6/in6_addr.js'
import { nullOut } from '../../bin/sh/streams.js'
import { getopt } from '../../getopt.js'
import { readFull } from '../../lib/libresolv/resolver.js'
import type { Command, Proc } from '../../types.js'
import {
  type AclElem,
  aclMatch,
  ConfError,
  type NamedConf,
  parseNamedConf,
  type ZoneConf,
} from './named_conf.js'
import { Recursor } from './recursor.js'
import { makeZone, type Zone, ZoneDb } from './zone_db.js'
import { parseZoneFile, ZoneError } from './zone_file.js'

const DEFAULT_CONF = '/usr/local/etc/namedb/named.conf'
const USAGE = 'usage: named [-fg] [-c conffile] [-d debuglevel] [-p port] [-t directory] [-u username]\n'
/** Queries being answered at once; more are dropped and counted (BIND's recursive-clients). */
const MAX_INFLIGHT = 1000
const MAX_TCP = 100
const TCP_IDLE_NS = 30e9
const XFR_RETRY_FIRST_NS = 2e9
const XFR_RETRY_MAX_NS = 60e9

export interface NamedStats {
  received: number
  malformed: number
  dropped: number
  refused: number
  answered: number
}

function join(dir: string, file: string): string {
  return file.startsWith('/') ? file : `${dir.replace(/\/+$/, '')}/${file}`
}

/** Master-file text of a transferred zone (what a slave writes to its file). */
export function zoneText(origin: string, rrs: readonly DnsRR[]): string {
  const lines = [`$ORIGIN ${dnsFqdn(origin)}`]
  for (const r of rrs)
    lines.push(
      `${dnsFqdn(r.name)}\t${r.ttl}\tIN\t${dnsTypeLabel(r.type)}\t${formatRData(r.data, formatIpv6)}`,
    )
  return `${lines.join('\n')}\n`
}

function dnsTypeLabel(t: number): string {
  return (
    (
      { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA' } as Record<
        number,
        string
      >
    )[t] ?? `TYPE${t}`
  )
}

class Server {
  readonly db = new ZoneDb()
  readonly stats: NamedStats = { received: 0, malformed: 0, dropped: 0, refused: 0, answered: 0 }
  readonly recursor: Recursor
  inflight = 0

  constructor(
    readonly sys: Syscalls,
    readonly proc: Proc,
    readonly conf: NamedConf,
    hints: DnsRR[],
    readonly log: (s: string) => void,
  ) {
    this.recursor = new Recursor(sys, this.db, hints)
  }

  private own(a: number): boolean {
    if (a >>> 24 === 127) return true
    return this.sys.ifList().some((i) => i.addrs.some((x) => x.addr >>> 0 === a >>> 0))
  }

  private onLink(a: number): boolean {
    return this.sys.ifList().some((i) =>
      i.addrs.some((x) => {
        const m = x.prefixLen === 0 ? 0 : (0xffffffff << (32 - x.prefixLen)) >>> 0
        return (x.addr & m) >>> 0 === (a & m) >>> 0
      }),
    )
  }

  allowed(list: readonly AclElem[] | undefined, a: number, dflt: boolean): boolean {
    if (list === undefined) return dflt
    return aclMatch(
      list,
      a,
      (x) => this.own(x),
      (x) => this.onLink(x),
    )
  }

  private zoneConf(name: string): ZoneConf | undefined {
    return this.conf.zones.find((z) => z.name === dnsKey(name))
  }

  /** The answer to a query from `from` (null: drop it). */
  async answer(q: DnsMessage, from: number, tcp: boolean): Promise<DnsMessage | DnsMessage[] | null> {
    const r = newDnsMessage(q.id)
    r.qr = true
    r.opcode = q.opcode
    r.rd = q.rd
    r.questions = q.questions.slice(0, 1)
    const question = q.questions[0]
    if (q.opcode === DnsOpcode.NOTIFY) {
      r.aa = true
      if (question !== undefined) this.notified(question.name)
      return r
    }
    if (q.opcode !== DnsOpcode.QUERY || q.questions.length !== 1 || question === undefined) {
      r.rcode = q.opcode !== DnsOpcode.QUERY ? DnsRcode.NOTIMP : DnsRcode.FORMERR
      return r
    }
    if (question.class !== DNS_CLASS_IN) {
      r.rcode = DnsRcode.REFUSED
      return r
    }
    if (question.type === DnsType.AXFR || question.type === DnsType.IXFR) {
      if (!tcp) {
        r.rcode = DnsRcode.FORMERR
        return r
      }
      return this.transferOut(r, question.name, from)
    }
    const canRecurse =
      this.conf.recursion && this.allowed(this.conf.allowRecursion, from, this.own(from) || this.onLink(from))
    r.ra = canRecurse
    const own = this.db.lookup(question.name, question.type)
    const exactCase = (rr: DnsRR): DnsRR =>
      dnsKey(rr.name) === dnsKey(question.name) ? { ...rr, name: question.name } : rr
    if (own.kind !== 'none' && own.kind !== 'referral') {
      if (!this.allowed(this.zoneConf(own.zone.name)?.allowQuery ?? this.conf.allowQuery, from, true)) {
        r.rcode = DnsRcode.REFUSED
        return r
      }
      r.aa = true
      if (own.kind === 'answer') {
        r.answers = own.answers.map(exactCase)
        this.addGlue(r, r.answers)
      } else if (own.kind === 'cname') {
        r.answers = own.answers.map(exactCase)
        // Follow the alias within our data, or by recursion for a client allowed it.
        const t = canRecurse && q.rd ? await this.recursor.resolve(own.target, question.type) : undefined
        if (t !== undefined) r.answers.push(...t.answers)
        else {
          const inner = this.db.lookup(own.target, question.type)
          if (inner.kind === 'answer') r.answers.push(...inner.answers)
        }
      } else {
        r.rcode = own.kind === 'nxdomain' ? DnsRcode.NXDOMAIN : DnsRcode.NOERROR
        if (own.zone.soa !== undefined) r.authority = [own.zone.soa]
      }
      return r
    }
    if (canRecurse && q.rd) {
      const res = await this.recursor.resolve(question.name, question.type)
      r.rcode = res.rcode
      r.answers = res.answers.map(exactCase)
      r.authority = res.authority
      return r
    }
    if (own.kind === 'referral') {
      r.authority = own.ns
      this.addGlue(r, own.ns)
      return r
    }
    // Not ours and no recursion for this client: REFUSED, as BIND 9 answers.
    this.stats.refused++
    r.rcode = DnsRcode.REFUSED
    return r
  }

  private addGlue(r: DnsMessage, rrs: readonly DnsRR[]): void {
    for (const rr of rrs) {
      const target =
        rr.data.kind === 'name' && rr.type === DnsType.NS
          ? rr.data.name
          : rr.data.kind === 'mx'
            ? rr.data.exchange
            : undefined
      if (target !== undefined) r.additional.push(...this.db.addresses(target))
    }
  }

  private transferOut(r: DnsMessage, name: string, from: number): DnsMessage | DnsMessage[] {
    const zone = this.db.zones.get(dnsKey(name))
    const zc = this.zoneConf(name)
    if (
      zone === undefined ||
      zone.soa === undefined ||
      zc === undefined ||
      (zc.type !== 'master' && zc.type !== 'slave')
    ) {
      r.rcode = DnsRcode.NOTAUTH
      return r
    }
    if (!this.allowed(zc.allowTransfer ?? this.conf.allowTransfer, from, true)) {
      this.log(`client ${formatIpv4(from)}#53: zone transfer '${dnsFqdn(zone.name)}/AXFR/IN' denied`)
      r.rcode = DnsRcode.REFUSED
      return r
    }
    // RFC 5936 §2.2: the SOA first and last; records in messages of at most 64 KiB.
    const rrs = [...zone.nodes.values()].flat().filter((x) => x !== zone.soa)
    const all = [zone.soa, ...rrs, zone.soa]
    const out: DnsMessage[] = []
    for (let i = 0; i < all.length; i += 200) {
      const m = newDnsMessage(r.id)
      m.qr = true
      m.aa = true
      m.questions = out.length === 0 ? r.questions : []
      m.answers = all.slice(i, i + 200)
      out.push(m)
    }
    this.log(`client ${formatIpv4(from)}#53: transfer of '${dnsFqdn(zone.name)}/IN': AXFR started`)
    return out
  }

  /** A NOTIFY for a slave zone: transfer it again now. */
  notified(name: string): void {
    const z = this.zoneConf(name)
    if (z?.type === 'slave') void this.transferIn(z, false)
  }

  /** AXFR from the zone's masters; true when the zone was loaded. */
  async transferIn(z: ZoneConf, retry: boolean): Promise<boolean> {
    let wait = XFR_RETRY_FIRST_NS
    while (!this.proc.killed) {
      for (const m of z.masters) {
        const rrs = await this.axfr(m, z.name)
        if (rrs !== null) {
          this.db.set(makeZone(z.name, rrs))
          this.log(
            `zone ${dnsFqdn(z.name)}/IN: transferred serial ${rrs[0]?.data.kind === 'soa' ? rrs[0].data.serial : 0}`,
          )
          if (z.file !== undefined) {
            const path = join(this.conf.directory, z.file)
            if (this.proc.fs.truncate(path)) this.proc.fs.append(path, zoneText(z.name, rrs))
          }
          return true
        }
      }
      if (!retry) return false
      this.log(`zone ${dnsFqdn(z.name)}/IN: refresh: failure trying master (retrying)`)
      await this.proc.sleep(wait)
      wait = Math.min(wait * 2, XFR_RETRY_MAX_NS)
    }
    return false
  }

  private async axfr(master: number, zone: string): Promise<DnsRR[] | null> {
    const sys = this.sys
    let s: SocketFd | undefined
    try {
      s = sys.socket(AF_INET, SOCK.STREAM)
      await s.connect({ addr: master, port: this.conf.port })
      const q = newDnsMessage((sys.getrandom(2)[0]! << 8) | sys.getrandom(1)[0]!)
      q.questions.push({ name: zone, type: DnsType.AXFR, class: DNS_CLASS_IN })
      const b = emitDns(q)!
      const framed = new Uint8Array(b.length + 2)
      framed[0] = b.length >> 8
      framed[1] = b.length & 0xff
      framed.set(b, 2)
      await s.send(framed)
      const rrs: DnsRR[] = []
      let soas = 0
      while (soas < 2) {
        const len = await readFull(s, 2, TCP_IDLE_NS)
        if (len === null) return null
        const body = await readFull(s, (len[0]! << 8) | len[1]!, TCP_IDLE_NS)
        if (body === null) return null
        const p = parseDns(body)
        if (!p.ok || p.msg.id !== q.id || p.msg.rcode !== DnsRcode.NOERROR) return null
        for (const rr of p.msg.answers) {
          if (rr.type === DnsType.SOA) soas++
          if (soas < 2) rrs.push(rr)
          if (rrs.length > 100000) return null
        }
        if (p.msg.answers.length === 0) return null
      }
      return rrs.length > 0 && rrs[0]!.type === DnsType.SOA ? rrs : null
    } catch (e) {
      if (!isSysError(e)) throw e
      return null
    } finally {
      s?.close()
    }
  }
}

interface Opts {
  conf: string
  foreground: boolean
  port?: number
}

function options(argv: readonly string[]): Opts | string {
  const g = getopt('named', argv.slice(1), '46c:d:fgn:p:st:u:vVL:M:S:U:X:')
  if (typeof g === 'string') return g
  if (g.rest.length > 0) return `named: extra command line arguments`
  const o: Opts = { conf: DEFAULT_CONF, foreground: false }
  for (const [k, v] of g.opts) {
    if (k === 'c') o.conf = v!
    else if (k === 'f' || k === 'g') o.foreground = true
    else if (k === 'p') o.port = Number(v)
  }
  return o
}

function loadZones(s: Server, proc: Proc): string | null {
  for (const z of s.conf.zones) {
    if (z.type === 'forward' || z.type === 'slave') continue
    const path = join(s.conf.directory, z.file!)
    const text = proc.fs.read(path)
    if (text === undefined) {
      if (z.type === 'master')
        return `zone ${dnsFqdn(z.name)}/IN: loading from master file ${z.file} failed: file not found`
      continue
    }
    try {
      const load = parseZoneFile(text, z.file!, z.name)
      for (const w of load.warnings) s.log(w)
      if (z.type === 'hint') continue
      const zone: Zone = makeZone(z.name, load.records)
      if (zone.soa === undefined) return `zone ${dnsFqdn(z.name)}/IN: has no SOA record`
      s.db.set(zone)
      s.log(
        `zone ${dnsFqdn(z.name)}/IN: loaded serial ${zone.soa.data.kind === 'soa' ? zone.soa.data.serial : 0}`,
      )
    } catch (e) {
      if (!(e instanceof ZoneError)) throw e
      return `${e.message}\nzone ${dnsFqdn(z.name)}/IN: loading from master file ${z.file} failed`
    }
  }
  return null
}

function hintsOf(conf: NamedConf, proc: Proc): DnsRR[] {
  const h = conf.zones.find((z) => z.type === 'hint')
  if (h === undefined) return []
  const text = proc.fs.read(join(conf.directory, h.file!))
  if (text === undefined) return []
  try {
    return parseZoneFile(text, h.file!, '').records
  } catch (e) {
    if (!(e instanceof ZoneError)) throw e
    return []
  }
}

export const named: Command = async (argv, io, proc) => {
  const o = options(argv)
  if (typeof o === 'string') {
    io.stderr.write(`${o}\n${USAGE}`)
    return 1
  }
  const err = (s: string) => io.stderr.write(`${s}\n`)
  const text = proc.fs.read(o.conf)
  if (text === undefined) {
    err(
      `open: ${o.conf}: file not found\nloading configuration: file not found\nexiting (due to fatal error)`,
    )
    return 1
  }
  let conf: NamedConf
  try {
    conf = parseNamedConf(text, o.conf)
  } catch (e) {
    if (!(e instanceof ConfError)) throw e
    err(`${e.message}\nloading configuration: failure\nexiting (due to fatal error)`)
    return 1
  }
  if (o.port !== undefined) conf.port = o.port
  if (!o.foreground) {
    // Check the zones now, so a broken one is reported by the command that started named.
    const probe = new Server(proc.sys, proc, conf, [], () => {})
    const bad = loadZones(probe, proc)
    if (bad !== null) {
      err(`${bad}\nexiting (due to fatal error)`)
      return 1
    }
    proc.spawn([argv[0] ?? 'named', '-f', ...argv.slice(1)], {
      stdin: { read: async () => null },
      stdout: nullOut,
      stderr: nullOut,
    })
    return 0
  }
  const log = (s: string) => void io.stderr.write(`${s}\n`)
  const srv = new Server(proc.sys, proc, conf, hintsOf(conf, proc), log)
  const bad = loadZones(srv, proc)
  if (bad !== null) {
    err(`${bad}\nexiting (due to fatal error)`)
    return 1
  }
  const sys = proc.sys
  let udp: SocketFd
  let tcp: SocketFd
  try {
    udp = sys.socket(AF_INET, SOCK.DGRAM)
    udp.bind({ addr: 0, port: conf.port })
    tcp = sys.socket(AF_INET, SOCK.STREAM)
    tcp.bind({ addr: 0, port: conf.port })
    tcp.listen(64)
  } catch (e) {
    if (!isSysError(e)) throw e
    err(`binding TCP/UDP socket: ${e.strerror}\nexiting (due to fatal error)`)
    return 1
  }
  proc.onKill(() => {
    udp.close()
    tcp.close()
  })
  log('running')
  for (const z of conf.zones) if (z.type === 'slave') void srv.transferIn(z, true)
  void serveTcp(srv, tcp)
  while (!proc.killed) {
    let d: { data: Uint8Array; from: { addr: number; port: number } }
    try {
      d = await udp.recvfrom(65535)
    } catch (e) {
      if (!isSysError(e)) throw e
      if (proc.killed) break
      continue
    }
    srv.stats.received++
    const p = parseDns(d.data)
    if (!p.ok || p.msg.qr) {
      srv.stats.malformed++
      continue
    }
    if (srv.inflight >= MAX_INFLIGHT) {
      srv.stats.dropped++
      continue
    }
    srv.inflight++
    const from = d.from
    void srv
      .answer(p.msg, from.addr, false)
      .then((r) => {
        if (r === null || Array.isArray(r)) return
        const b = emitDns(r, 512)
        if (b === null) return
        try {
          udp.sendto(b, from)
          srv.stats.answered++
        } catch (e) {
          if (!isSysError(e)) throw e
        }
      })
      .finally(() => {
        srv.inflight--
      })
  }
  return 0
}

async function serveTcp(srv: Server, tcp: SocketFd): Promise<void> {
  let open = 0
  while (!srv.proc.killed) {
    let c: { fd: SocketFd; from: { addr: number } }
    try {
      c = await tcp.accept()
    } catch (e) {
      if (!isSysError(e)) throw e
      return
    }
    if (open >= MAX_TCP) {
      srv.stats.dropped++
      c.fd.close()
      continue
    }
    open++
    void (async () => {
      try {
        for (;;) {
          const len = await readFull(c.fd, 2, TCP_IDLE_NS)
          if (len === null) return
          const body = await readFull(c.fd, (len[0]! << 8) | len[1]!, TCP_IDLE_NS)
          if (body === null) return
          srv.stats.received++
          const p = parseDns(body)
          if (!p.ok || p.msg.qr) {
            srv.stats.malformed++
            return
          }
          const r = await srv.answer(p.msg, c.from.addr, true)
          if (r === null) return
          for (const m of Array.isArray(r) ? r : [r]) {
            const b = emitDns(m)
            if (b === null) return
            const framed = new Uint8Array(b.length + 2)
            framed[0] = b.length >> 8
            framed[1] = b.length & 0xff
            framed.set(b, 2)
            await c.fd.send(framed)
          }
          srv.stats.answered++
        }
      } catch (e) {
        if (!isSysError(e)) throw e
      } finally {
        open--
        c.fd.close()
      }
    })()
  }
}
