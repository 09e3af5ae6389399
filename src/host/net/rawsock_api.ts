/**
 * The sockets behind KernelApi that are not the stream and datagram sockets of sockets.ts: raw IP
 * sockets (SOCK_RAW, rip_output / rip_input: ping, traceroute) and netgraph control sockets
 * (PF_NETGRAPH: ngctl). Each is a descriptor of the caller's (falloc) until closed.
 *
 * Must not: let a raw socket of a jail sharing its parent's stack send from or read for any
 * address but the jail's.
 */

import { Priv } from '../../jail/priv.js'
import { formatNgValue, parseNgValue } from '../../netgraph/ascii.js'
import { netgraph } from '../../netgraph/types.js'
import { BpfIf, DLT } from '../../stack/net/bpf/bpf.js'
import {
  freeMoptions,
  getMoption,
  IP_MULTICAST_IF,
  IpMoptions,
  isMoption,
  setMoption,
} from '../../stack/netinet/in_mcast.js'
import { ip } from '../../stack/netinet/ip/ip.js'
import { ipCheckPcbOpts } from '../../stack/netinet/ip/ip_options.js'
import { ipOutput } from '../../stack/netinet/ip/ip_output.js'
import { mrouterGet, mrouterSet, mrouterSocketClosed } from '../../stack/netinet/ip_mroute/ip_mroute.js'
import { isMrtOption } from '../../stack/netinet/ip_mroute/ip_mroute_var.js'
import { rawClose, rawOpen } from '../../stack/netinet/raw.js'
import { type ErrnoName, SysError } from '../../util/errno.js'
import { IpProto } from '../../wire/inet/ipv4.js'
import type { Caller } from '../kern/caller.js'
import { IPPROTO_IP } from '../sys/socket.js'
import type { NgSocket, RawPacket, RawSocket, SendOptions } from '../syscalls.js'
import { bpfDescriptor } from './bpf_api.js'

export function rawSocket(c: Caller, protocol: number): RawSocket {
  c.priv(Priv.NETINET_RAW, 'socket')
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) throw new SysError('EINVAL', 'socket')
  const v = c.vnet
  // A jail sharing its parent's stack uses only its own addresses, for sending and receiving.
  const jail = c.cred.prison.ownsVnet ? null : c.cred.prison
  const release = c.openFile('socket')
  const pcb = rawOpen(v, protocol, jail)
  // so_fibnum: the opener's FIB.
  const fib = c.fib
  const clock = c.host.clock
  return {
    send: (dst, payload, opts: SendOptions = {}) => {
      if (pcb.closed) throw new SysError('EBADF', 'sendto')
      // The socket's multicast options (IP_MULTICAST_TTL/IF/LOOP) for a group, unless this send names its own.
      const mo = dst >>> 28 === 0xe ? pcb.mopts : null
      const ttl = opts.ttl ?? mo?.ttl ?? ip(v).defaultTtl
      if (!Number.isInteger(ttl) || ttl < 0 || ttl > 255) throw new SysError('EINVAL', 'setsockopt')
      if (payload.length > 0xffff - 20) throw new SysError('EMSGSIZE', 'sendto')
      const src = (opts.src ?? 0) >>> 0
      if (src !== 0 && (!v.isLocal(src) || (jail !== null && !jail.ip4.includes(src))))
        throw new SysError('EADDRNOTAVAIL', 'bind')
      // IP_MULTICAST_IF on a raw socket (what ospfd sets per interface): the group datagram leaves
      // there, from that address unless one was given.
      const mif = (opts.multicastIf ?? mo?.ifp?.addrs[0]?.addr ?? 0) >>> 0
      const mifa = mif !== 0 && dst >>> 28 === 0xe ? v.localIfa(mif) : undefined
      if (
        mif !== 0 &&
        dst >>> 28 === 0xe &&
        (mifa === undefined || (jail !== null && !jail.ip4.includes(mif)))
      )
        throw new SysError('EADDRNOTAVAIL', 'setsockopt')
      // IP_OPTIONS, checked as ip_pcbopts checks them.
      const ipOpts = opts.ipOptions !== undefined && opts.ipOptions.length > 0 ? opts.ipOptions : null
      if (ipOpts !== null && ipCheckPcbOpts(ipOpts) !== undefined) throw new SysError('EINVAL', 'setsockopt')
      const pcp = opts.vlanPcp ?? -1
      if (!Number.isInteger(pcp) || pcp < -1 || pcp > 7) throw new SysError('EINVAL', 'setsockopt')
      const chosen = src !== 0 ? src : mifa !== undefined ? mif : c.pcbLocalAddr(v, dst, 'sendto')
      const m = v.env.pool.get(payload.length)
      m.data.set(payload, m.off)
      m.len = payload.length
      m.fib = fib
      ip(v).stats.ips_rawout++
      const err: ErrnoName | undefined = ipOutput(v, m, dst >>> 0, protocol, {
        ttl,
        tos: opts.tos ?? 0,
        df: opts.df ?? false,
        src: chosen,
        dontRoute: opts.dontRoute ?? false,
        mifp: mifa?.ifp ?? null,
        mloop: opts.multicastLoop ?? mo?.loop ?? true,
        opts: ipOpts,
        pcp,
      })
      if (err !== undefined) throw new SysError(err, 'sendto')
      return chosen
    },
    recv: async (timeoutNs) => {
      const deadline = clock.now() + timeoutNs
      for (;;) {
        const d = pcb.queue.shift()
        if (d !== undefined) return d satisfies RawPacket
        const left = deadline - clock.now()
        if (pcb.closed || left <= 0) return null
        await pcb.wait.wait(left)
      }
    },
    setsockopt: (level, name, value) => {
      if (pcb.closed) throw new SysError('EBADF', 'setsockopt')
      if (level !== IPPROTO_IP) throw new SysError('ENOPROTOOPT', 'setsockopt')
      if (isMrtOption(name)) {
        // rip_ctloutput: the privilege, an IGMP socket, then the module's hook if it is loaded.
        c.priv(Priv.NETINET_MROUTE, 'setsockopt')
        if (protocol !== IpProto.IGMP || !c.host.kld.loaded('ip_mroute'))
          throw new SysError('EOPNOTSUPP', 'setsockopt')
        mrouterSet(v, pcb, name, value as never)
        return
      }
      if (!isMoption(name)) throw new SysError('ENOPROTOOPT', 'setsockopt')
      if (typeof value === 'object' && !('multiaddr' in value)) throw new SysError('EINVAL', 'setsockopt')
      // A jail sharing its parent's stack names interfaces only by its own addresses.
      if (
        jail !== null &&
        name === IP_MULTICAST_IF &&
        typeof value === 'number' &&
        value !== 0 &&
        !jail.ip4.includes(value >>> 0)
      )
        throw new SysError('EADDRNOTAVAIL', 'setsockopt')
      const mo = pcb.mopts ?? new IpMoptions()
      setMoption(v, mo, name, value)
      pcb.mopts = mo
    },
    getsockopt: (level, name) => {
      if (pcb.closed) throw new SysError('EBADF', 'getsockopt')
      if (level !== IPPROTO_IP) throw new SysError('ENOPROTOOPT', 'getsockopt')
      if (isMrtOption(name)) {
        c.priv(Priv.NETINET_MROUTE, 'getsockopt')
        if (!c.host.kld.loaded('ip_mroute')) throw new SysError('EOPNOTSUPP', 'getsockopt')
        return mrouterGet(v, name)
      }
      return getMoption(pcb.mopts, name)
    },
    close: () => {
      release()
      mrouterSocketClosed(v, pcb)
      freeMoptions(v, pcb.mopts)
      rawClose(v, pcb)
    },
  }
}

export function ngSocket(c: Caller): NgSocket {
  c.priv(Priv.NETGRAPH_CONTROL, 'socket')
  const g = netgraph(c.vnet)
  const release = c.openFile('socket')
  const self = g.create('socket')
  const node = (path: string) => g.resolve(path, self)
  return {
    id: self.id,
    mkpeer: (path, type, hook, peerHook) => g.info(g.mkpeer(node(path), type, hook, peerHook)),
    connect: (path, relPath, hook, peerHook) => {
      const a = node(path)
      g.connect(a, hook, g.resolve(relPath, a), peerHook)
    },
    name: (path, name) => g.setName(node(path), name),
    rmhook: (path, hook) => g.rmhook(node(path), hook),
    shutdown: (path) => g.shutdown(node(path)),
    msg: (path, cmd, args) => {
      const n = node(path)
      const r = g.msg(n, cmd, parseNgValue(args))
      return { node: g.info(n), response: r === undefined ? null : formatNgValue(r), cmd: n.cmdNumber(cmd) }
    },
    linkState: (path, up) => node(path).linkState(up),
    tap: (path, hook, opts = {}) => {
      const n = node(path)
      const h = n.hooks.get(hook)
      if (h === undefined || h.peer === null)
        throw new SysError('ENOENT', 'ngctl', `hook '${hook}' not found`)
      h.bpf ??= new BpfIf(`${path}${hook}`, DLT.EN10MB)
      return bpfDescriptor(c, h.bpf, h.bpf.name, opts)
    },
    list: () => g.list(),
    show: (path) => g.info(node(path)),
    types: () => {
      const count = new Map<string, number>()
      for (const n of g.nodes.values()) count.set(n.type, (count.get(n.type) ?? 0) + 1)
      return g.types.names().map((name) => ({ name, count: count.get(name) ?? 0 }))
    },
    close: () => {
      release()
      g.shutdown(self)
    },
  }
}
