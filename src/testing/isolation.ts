/**
 * Test support for the isolation fuzzers (no production module imports it): a world of jails that
 * covers every privilege context — the host, a vnet jail `v` with a vnet child `v.g`, a sibling vnet
 * jail `s`, a jail `p` on the host's shared stack, each as root and as nobody — a snapshot of all
 * state a command could change (per vnet: interfaces by identity with names, flags, MTUs, MACs,
 * addresses; routes; ARP entries; sysctls; netgraph nodes and hooks; per jail: parameters,
 * hostname, children, processes) and the boundary rule every command must keep: a context may
 * change only its own vnet (if it owns one, and only as root) and its descendants.
 *
 * It must not decide what a command may do inside its own domain: that is priv.ts's job, tested by
 * priv_matrix.test.ts. It only looks for effects outside it.
 */

import type { Host } from '../host/host.js'
import type { Syscalls } from '../host/syscalls.js'
import type { Prison } from '../jail/prison.js'
import type { NgGraph } from '../netgraph/graph.js'
import type { Ifnet } from '../stack/net/ifnet.js'
import { Slot, type Vnet } from '../stack/net/vnet.js'
import { arpList } from '../stack/netinet/arp/arp.js'
import { startProcess } from '../userland/process.js'
import { programs } from '../userland/programs.js'
import { formatIpv4 } from '../wire/addr.js'
import { allVnets, ip } from './net.js'

export const NOBODY = 65534

/** A privilege context: a jail ('' = the host) and a uid. */
export interface Context {
  readonly label: string
  readonly jail: string
  readonly uid: number
}

const JAILS = ['', 'v', 's', 'p', 'v.g'] as const
const JAIL_LABEL: Record<string, string> = {
  '': 'host',
  v: 'vnet jail v',
  s: 'sibling vnet jail s',
  p: 'non-vnet jail p',
  'v.g': 'grandchild v.g',
}

export const CONTEXTS: readonly Context[] = JAILS.flatMap((jail) => [
  { label: `${JAIL_LABEL[jail]} root`, jail, uid: 0 },
  { label: `${JAIL_LABEL[jail]} nobody`, jail, uid: NOBODY },
])

/**
 * The world every run starts from:
 *   host (vnet0): epair0a 10.0.0.1/24 (peer epair0b lent to v), epair1a 10.2.0.1/24 + epair1b in
 *                 bridge0 (host only), epair2a 10.3.0.1/24 (peer epair2b lent to s);
 *                 route 192.0.2.0/24 via 10.0.0.2; static ARP 10.0.0.9; a hub on epair1a's
 *                 ng_ether node, named hosthub; a process
 *   v   (vnet, children.max=3): epair0b 10.0.0.2/24; its own epair, one end 10.1.0.1/24 and the
 *                 other lent to v.g; route 198.51.100.0/24 via 10.1.0.2; static ARP 10.1.0.9; a hub
 *                 named vhub; a process
 *   v.g (vnet): 10.1.0.2/24, default route via 10.1.0.1; a process
 *   s   (vnet, children.max=1): epair2b 10.3.0.2/24, default via 10.3.0.1; a hub named shub; a process
 *   p   (shares the host's stack, ip4.addr=10.0.0.1, children.max=1); a process
 */
export function buildWorld(host: Host): void {
  const root = host.syscalls()
  const MAC = 0x02000000beef
  root.ifCreate('epair')
  root.ifAddAddr('epair0a', ip('10.0.0.1'), 24)
  root.ifCreate('epair')
  root.ifAddAddr('epair1a', ip('10.2.0.1'), 24)
  root.ifCreate('bridge')
  root.ifBridgeAdd('bridge0', 'epair1b')
  root.ifCreate('epair')
  root.ifAddAddr('epair2a', ip('10.3.0.1'), 24)
  for (const i of ['epair0a', 'epair1a', 'epair1b', 'epair2a', 'bridge0']) root.ifSetUp(i, true)
  const jail = (sys: Syscalls, params: Array<readonly [string, string | true]>) =>
    sys.jailCreate([['persist', true], ...params])
  jail(root, [
    ['name', 'v'],
    ['vnet', true],
    ['children.max', '3'],
    ['host.hostname', 'vee'],
  ])
  jail(root, [
    ['name', 's'],
    ['vnet', true],
    ['children.max', '1'],
    ['host.hostname', 'ess'],
  ])
  jail(root, [
    ['name', 'p'],
    ['ip4.addr', '10.0.0.1'],
    ['children.max', '1'],
    ['host.hostname', 'pee'],
  ])
  root.ifMoveToJail('epair0b', 'v')
  root.ifMoveToJail('epair2b', 's')
  root.routeAdd({ dst: ip('192.0.2.0'), prefixLen: 24, gateway: ip('10.0.0.2') })
  root.arpSet(ip('10.0.0.9'), MAC)
  hub(root, 'epair1a:', 'hosthub')

  const v = root.attach('v')
  v.ifAddAddr('epair0b', ip('10.0.0.2'), 24)
  v.ifSetUp('epair0b', true)
  const mine = v.ifCreate('epair')
  const lent = `${mine.slice(0, -1)}b`
  jail(v, [
    ['name', 'g'],
    ['vnet', true],
    ['host.hostname', 'gee'],
  ])
  v.ifMoveToJail(lent, 'g')
  v.ifAddAddr(mine, ip('10.1.0.1'), 24)
  v.ifSetUp(mine, true)
  v.routeAdd({ dst: ip('198.51.100.0'), prefixLen: 24, gateway: ip('10.1.0.2') })
  v.arpSet(ip('10.1.0.9'), MAC + 1)
  hub(v, `${mine}:`, 'vhub')

  const g = root.attach('v.g')
  g.ifAddAddr(lent, ip('10.1.0.2'), 24)
  g.ifSetUp(lent, true)
  g.routeAdd({ dst: 0, prefixLen: 0, gateway: ip('10.1.0.1') })

  const s = root.attach('s')
  s.ifAddAddr('epair2b', ip('10.3.0.2'), 24)
  s.ifSetUp('epair2b', true)
  s.routeAdd({ dst: 0, prefixLen: 0, gateway: ip('10.3.0.1') })
  hub(s, 'epair2b:', 'shub')

  // One idle process per jail, so `kill` has targets and a jail's death has victims.
  for (const j of JAILS) (j === '' ? root : root.attach(j)).procStart(() => {})
}

/** mkpeer a hub on an ng_ether node's `lower` hook and name it (the socket closes; the hub stays). */
function hub(sys: Syscalls, ether: string, name: string): void {
  const ng = sys.ngSocket()
  ng.mkpeer(ether, 'hub', 'lower', 'link0')
  ng.name(`${ether}lower`, name)
  ng.close()
}

/** Syscalls of a context, or null when its jail is gone. */
export function contextSys(host: Host, c: Context): Syscalls | null {
  const root = host.syscalls()
  if (c.jail === '') return c.uid === 0 ? root : root.withUid(c.uid)
  const pr = host.prison0.findDescendant(c.jail)
  if (pr === undefined || pr.dying) return null
  return root.attach(c.jail, c.uid)
}

export interface Ran {
  status: number
  out: string
  err: string
}

/** Longest a fuzzed command may run, in virtual time, before it is killed (ping, traceroute). */
const DEADLINE_NS = 60e9

/** Runs argv as a process of `sys` to completion (or kills it at the deadline). */
export async function run(sys: Syscalls, argv: readonly string[]): Promise<Ran> {
  let out = ''
  let err = ''
  const io = {
    stdin: { read: async () => null },
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (err += s) },
  }
  const job = startProcess(sys, argv, io, { programs })
  await sys.nanosleep(DEADLINE_NS, job.done)
  job.kill(9)
  const status = await job.done
  return { status, out, err }
}

// ---------------------------------------------------------------------------------------------
// State

/** One vnet's configuration, as comparable strings. */
interface VnetState {
  owner: number
  /** Interfaces by identity: where they come from, and all their configuration as one string. */
  ifs: Map<number, { home: Vnet; peerHome: Vnet | null; line: string }>
  destroyed: boolean
  ifnets: string[]
  routes: string[]
  arp: string[]
  /** Learnt entries: addr → seconds left. They may appear anywhere (traffic), not vanish early. */
  learnt: Map<number, number>
  sysctls: string[]
  netgraph: string[]
}

interface JailState {
  prison: Prison
  /** Everything but the hostname, which root of the jail itself may change when allowed. */
  record: string
  hostname: string
  allowSetHostname: boolean
  procs: string
}

export interface State {
  now: number
  vnets: Map<Vnet, VnetState>
  jails: Map<number, JailState>
}

/**
 * Takes snapshots; interfaces are told apart by identity (a stable number per Ifnet object), so a
 * renamed or replaced interface shows up as a change even when the names match again.
 */
export class Observer {
  private readonly ids = new WeakMap<Ifnet, number>()
  private nextId = 1

  constructor(private readonly host: Host) {}

  private ifId(i: Ifnet): number {
    let id = this.ids.get(i)
    if (id === undefined) {
      id = this.nextId++
      this.ids.set(i, id)
    }
    return id
  }

  snapshot(): State {
    const host = this.host
    const owner = new Map<Vnet, number>()
    for (const p of [host.prison0, ...host.allJails()]) if (p.ownsVnet) owner.set(p.vnet, p.jid)
    const vnets = new Map<Vnet, VnetState>()
    for (const v of allVnets(host)) {
      const arp = arpList(v)
      const line = (i: Ifnet) =>
        `#${this.ifId(i)} ${i.name} idx ${i.index} flags ${i.flags} mtu ${i.mtu} mac ${i.mac} ` +
        `home ${i.home.id} peer ${i.peer === null ? '-' : this.ifId(i.peer)} descr ${JSON.stringify(i.description)} ` +
        `addrs ${i.addrs.map((a) => `${formatIpv4(a.addr)}/${a.prefixLen}`).join(',')}`
      vnets.set(v, {
        owner: owner.get(v) ?? -1,
        ifs: new Map(
          v.ifnets.map((i) => [
            this.ifId(i),
            { home: i.home, peerHome: i.peer?.home ?? null, line: line(i) },
          ]),
        ),
        destroyed: v.destroyed,
        ifnets: v.ifnets.map(line),
        routes: v.routes
          .list()
          .map(
            (r) =>
              `${formatIpv4(r.dst)}/${r.prefixLen} gw ${formatIpv4(r.gateway)} if #${this.ifId(r.ifp)} flags ${r.flags} mtu ${r.mtu}`,
          ),
        arp: arp
          .filter((e) => e.permanent || e.published)
          .map((e) => `${formatIpv4(e.addr)} ${e.mac} ${e.ifp.name} ${e.permanent} ${e.published}`),
        learnt: new Map(
          arp.filter((e) => !e.permanent && !e.published && e.mac !== null).map((e) => [e.addr, e.expiresIn]),
        ),
        sysctls: [...host.sysctls.values()].map((d) => `${d.name}=${d.get(v)}`),
        netgraph: ngNodes(v),
      })
    }
    const jails = new Map<number, JailState>()
    for (const p of [host.prison0, ...host.allJails()])
      jails.set(p.jid, {
        prison: p,
        record: JSON.stringify({
          name: p.nameFrom(host.prison0),
          vnet: p.vnet.id,
          persist: p.persist,
          childrenMax: p.childrenMax,
          raw: p.allowRawSockets,
          setHostname: p.allowSetHostname,
          ip4: p.ip4,
          path: p.path,
          dying: p.dying,
        }),
        hostname: p.hostname,
        allowSetHostname: p.allowSetHostname || p === host.prison0,
        procs: [...p.procs.keys()].join(','),
      })
    return { now: host.clock.now(), vnets, jails }
  }
}

/** Every interface name in use, in any vnet (sorted, without repeats). */
export function ifaceNames(host: Host): string[] {
  return [...new Set(allVnets(host).flatMap((v) => v.ifnets.map((i) => i.name)))].sort()
}

/** The interface names of a context's vnet. */
export function ownIfaceNames(host: Host, c: Context): string[] {
  const pr = c.jail === '' ? host.prison0 : host.prison0.findDescendant(c.jail)
  return pr === undefined ? [] : pr.vnet.ifnets.map((i) => i.name)
}

/** A vnet's netgraph nodes without creating its netgraph state (or implicit ng_ether nodes). */
function ngNodes(v: Vnet): string[] {
  const g = v.slots[Slot.NETGRAPH] as NgGraph | undefined
  if (g === undefined) return []
  const out: string[] = []
  for (const n of g.nodes.values()) {
    // ng_ether nodes come and go with lookups; only their hooks are configuration.
    if (n.type === 'ether' && n.hooks.size === 0) continue
    const info = g.info(n)
    out.push(
      `[${info.id}] ${info.type} ${info.name} ${info.hooks.map((h) => `${h.hook}->[${h.peerId}]${h.peerHook}`).join(' ')}`,
    )
  }
  return out.sort()
}

/**
 * Everything that changed between two snapshots outside what a command of `actor` (its prison at
 * the time, and uid) may change: nothing at all for a non-root user (traffic may teach ARP entries,
 * and the command's own processes come and go), and for root its own vnet if the jail owns one, its
 * strict descendants and their vnets, and its own hostname when allow.set_hostname.
 */
export function crossings(before: State, after: State, actor: Prison, uid: number): string[] {
  const out: string[] = []
  const mine = (p: Prison) => uid === 0 && p.isStrictDescendantOf(actor)
  const vnetOk = (s: VnetState | undefined) => {
    if (uid !== 0 || s === undefined) return false
    if (s.owner === actor.jid) return actor.ownsVnet
    const p = before.jails.get(s.owner)?.prison ?? after.jails.get(s.owner)?.prison
    return p !== undefined && mine(p)
  }
  // FreeBSD lets a vnet's root destroy an interface it was lent (if_clone_destroy finds the cloner
  // in the interface's home): an epair then takes its other end, wherever that is, with it.
  const takenPeers = new Set<string>()
  for (const [v, b] of before.vnets) {
    if (!vnetOk(b)) continue
    const a = after.vnets.get(v)
    for (const [id, i] of b.ifs)
      if (i.home !== v && a?.ifs.has(id) !== true) {
        const peer = / peer (\d+) /.exec(i.line)?.[1]
        if (peer !== undefined) takenPeers.add(peer)
      }
  }
  // Their addresses' host routes through lo0 go with them.
  // Their addresses' host routes through lo0 and their ARP entries go with them.
  const takenHosts = new Set<string>()
  const takenNames = new Set<string>()
  const takenIn = new Set<Vnet>()
  for (const [v, b] of before.vnets)
    for (const [id, i] of b.ifs)
      if (takenPeers.has(String(id))) {
        takenNames.add(`${v.id} ${/^#\d+ (\S+)/.exec(i.line)?.[1]}`)
        takenIn.add(v)
        for (const a of /addrs (\S*)$/.exec(i.line)?.[1]?.split(',') ?? [])
          if (a !== '') takenHosts.add(`${a.split('/')[0]}/32`)
      }
  const takenWithPeer = (v: Vnet, line: string): boolean => {
    const m = /: - (?:#(\d+) |.* if #(\d+) )/.exec(line)
    if (m !== null && takenPeers.has((m[1] ?? m[2])!)) return true
    const r = /routes: - (\S+) /.exec(line)
    if (r !== null && takenHosts.has(r[1]!)) return true
    const arp = /arp: - \S+ \S+ (\S+) /.exec(line)
    if (arp !== null && takenNames.has(`${v.id} ${arp[1]}`)) return true
    // Its ng_ether node goes, and nodes that shut down with their last hook (ng_hub) after it.
    return takenIn.has(v) && / netgraph: - /.test(line)
  }
  for (const v of new Set([...before.vnets.keys(), ...after.vnets.keys()])) {
    const b = before.vnets.get(v)
    const a = after.vnets.get(v)
    if (vnetOk(b) || (b === undefined && vnetOk(a))) continue
    const where = `vnet ${v.id} (${v.name})`
    if (b === undefined || a === undefined) {
      out.push(`${where} ${b === undefined ? 'appeared' : 'vanished'}`)
      continue
    }
    if (a.destroyed !== b.destroyed) out.push(`${where} destroyed`)
    for (const k of ['ifnets', 'routes', 'arp', 'sysctls', 'netgraph'] as const)
      out.push(...listDiff(`${where} ${k}`, b[k], a[k]).filter((d) => !takenWithPeer(v, d)))
    const elapsed = (after.now - before.now) / 1e9
    for (const [addr, left] of b.learnt)
      if (!a.learnt.has(addr) && left > elapsed + 1)
        out.push(`${where} arp: learnt ${formatIpv4(addr)} deleted`)
  }
  for (const jid of new Set([...before.jails.keys(), ...after.jails.keys()])) {
    const b = before.jails.get(jid)
    const a = after.jails.get(jid)
    const p = (b ?? a)!.prison
    if (mine(p)) continue
    if (b === undefined || a === undefined) {
      out.push(`jail ${jid} ${b === undefined ? 'created' : 'removed'}`)
      continue
    }
    if (a.record !== b.record) out.push(`jail ${jid}: ${b.record} -> ${a.record}`)
    const ownName = p === actor && uid === 0 && b.allowSetHostname
    if (a.hostname !== b.hostname && !ownName) out.push(`jail ${jid} hostname ${b.hostname} -> ${a.hostname}`)
    if (p !== actor && a.procs !== b.procs) out.push(`jail ${jid} processes ${b.procs} -> ${a.procs}`)
    if (p === actor && !b.procs.split(',').every((pid) => a.procs.split(',').includes(pid)))
      out.push(`jail ${jid} lost processes: ${b.procs} -> ${a.procs}`)
  }
  return out
}

/**
 * What removing jails did to the vnets that survive it. FreeBSD's vnet teardown returns every
 * interface lent to the dying vnets to its home (renamed if its name is taken) and destroys the
 * ones created there (an epair with both its ends); it never touches anything else. So an interface
 * of a surviving vnet that neither came from a dying vnet nor is the pair of one must keep its
 * configuration, name included, and a lent interface must come back.
 */
export function teardownLosses(before: State, after: State): string[] {
  const gone = new Set<Vnet>()
  for (const [v, b] of before.vnets) if (!b.destroyed && (after.vnets.get(v)?.destroyed ?? true)) gone.add(v)
  if (gone.size === 0) return []
  const now = new Map<number, string>()
  for (const a of after.vnets.values()) if (!a.destroyed) for (const [id, i] of a.ifs) now.set(id, i.line)
  const out: string[] = []
  for (const [v, b] of before.vnets) {
    if (b.destroyed) continue
    for (const [id, i] of b.ifs) {
      const fromDying = gone.has(i.home) || (i.peerHome !== null && gone.has(i.peerHome))
      if (gone.has(v)) {
        if (!fromDying && !now.has(id)) out.push(`lent interface not returned: ${i.line}`)
      } else if (!fromDying && now.get(id) !== i.line)
        out.push(`vnet ${v.id} (${v.name}): ${i.line} -> ${now.get(id) ?? 'destroyed'}`)
    }
  }
  return out
}

function listDiff(where: string, b: readonly string[], a: readonly string[]): string[] {
  const sb = new Set(b)
  const sa = new Set(a)
  return [
    ...b.filter((x) => !sa.has(x)).map((x) => `${where}: - ${x}`),
    ...a.filter((x) => !sb.has(x)).map((x) => `${where}: + ${x}`),
  ]
}

/** Output that only a bug can produce: JavaScript's own error texts, or the process's fallback. */
export function looksLikeCrash(r: Ran, argv: readonly string[]): string | null {
  if (r.status === 70) return `exit status 70 (EX_SOFTWARE): ${r.err.trim()}`
  // What the command line itself said may come back in messages.
  let text = `${r.out}\n${r.err}`
  for (const a of argv)
    for (const part of [a, ...a.split(/[=,/:]/)]) if (part.length >= 3) text = text.split(part).join(' ')
  const m = /internal error|TypeError|RangeError|ReferenceError|SyntaxError|undefined|NaN|\[object /.exec(
    text,
  )
  return m === null ? null : `output contains "${m[0]}"`
}

/**
 * The IPv4 addresses a context must not see: every interface address, route gateway and ARP entry
 * of every vnet, except its own — for a jail on a shared stack its ip4.addr and loopback (FreeBSD's
 * prison_if / can_export_rte), for one with its own vnet (or the host) what its vnet holds.
 */
export function foreignAddrs(host: Host, c: Context): Set<number> {
  const pr = c.jail === '' ? host.prison0 : host.prison0.findDescendant(c.jail)
  const all = new Set<number>()
  const own = new Set<number>([ip('127.0.0.1')])
  for (const v of allVnets(host)) {
    const mine = pr?.ownsVnet === true && pr.vnet === v
    const add = (a: number) => (mine ? own : all).add(a)
    for (const i of v.ifnets) for (const a of i.addrs) add(a.addr)
    for (const r of v.routes.list()) if (r.gateway !== 0) add(r.gateway)
    for (const e of arpList(v)) add(e.addr)
  }
  for (const a of pr?.ip4 ?? []) own.add(a)
  for (const a of own) all.delete(a)
  return all
}

/** The foreign addresses that `text` shows, leaving out any the command line named itself. */
export function leaked(text: string, foreign: ReadonlySet<number>, argv: readonly string[]): string[] {
  const named = new Set(argv.flatMap((a) => a.split(/[/=,]/)))
  const out: string[] = []
  for (const a of foreign) {
    const s = formatIpv4(a)
    if (named.has(s)) continue
    const re = new RegExp(`(?<![\\d.])${s.replaceAll('.', '\\.')}(?!\\.?\\d)`)
    if (re.test(text)) out.push(s)
  }
  return out
}
