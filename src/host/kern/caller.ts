/**
 * The caller of a system call (FreeBSD's `struct thread *td` with its td_ucred and td_proc): the
 * host, the credential, the process, and what every call needs from them: the jail (ESRCH once it
 * is removed), its vnet, the privilege check, resource accounting, descriptors, and what a jail
 * sharing its parent's stack may see. The *_api.ts modules take one as their first argument.
 *
 * Must not: change any state itself, or cache the jail or the vnet (a jail can die between calls).
 */

import type { Prison } from '../../jail/prison.js'
import { type Cred, type Priv, privCheck } from '../../jail/priv.js'
import type { RacctResource } from '../../jail/racct.js'
import type { Ifnet } from '../../stack/net/ifnet.js'
import type { Route } from '../../stack/net/route/route.js'
import type { Vnet } from '../../stack/net/vnet.js'
import { sourceFor } from '../../stack/netinet/ip/ip_output.js'
import { type ErrnoName, SysError } from '../../util/errno.js'
import type { Host } from '../host.js'
import type { SocketOwner } from '../syscalls.js'
import type { FileTable } from './sockets.js'

export class Caller {
  readonly host: Host
  readonly cred: Cred

  /** The process this instance serves (asProcess), whose descriptor table gets its sockets. */
  readonly pid: number

  /** The FIB of a caller that is no process of its jail (pid -1, or not found): jexec's before exec. */
  private fib0: number

  constructor(host: Host, cred: Cred, pid = -1, fib = 0) {
    this.host = host
    this.cred = cred
    this.pid = pid
    this.fib0 = fib
  }

  /**
   * The caller's FIB (p_fibnum): its sockets, routing-socket requests and route listings use it. One
   * past its stack's net.fibs (a process moved into a jail with fewer) counts as FIB 0.
   */
  get fib(): number {
    const f = this.cred.prison.procs.get(this.pid)?.fib ?? this.fib0
    return f < this.vnet.numFibs ? f : 0
  }

  /** setfib(2) after its check: the process's FIB (or this caller's, when it is no process). */
  setFib(fib: number): void {
    const p = this.cred.prison.procs.get(this.pid)
    if (p !== undefined) p.fib = fib
    else this.fib0 = fib
  }

  get prison(): Prison {
    const p = this.cred.prison
    if (p.dying) throw new SysError('ESRCH', 'jail', 'the jail was removed')
    return p
  }

  get vnet(): Vnet {
    return this.prison.vnet
  }

  get ruid(): number {
    return this.cred.ruid ?? this.cred.uid
  }

  priv(p: (typeof Priv)[keyof typeof Priv], op?: string): void {
    privCheck(this.cred, p, op)
  }

  /**
   * racct_add for an object about to be created in the caller's stack, charged to the jail that
   * owns the vnet; throws `errno` (the call's own, as FreeBSD's callers pick it) when a limit denies it.
   */
  charge(res: RacctResource, amount: number, op: string, errno?: ErrnoName): void {
    let owner = this.prison
    while (!owner.ownsVnet && owner.parent !== null) owner = owner.parent
    const err = this.host.racct.add(owner, res, amount, this.host.prison0)
    if (err !== undefined) throw new SysError(errno ?? err, op)
  }

  /** falloc: a new descriptor of the caller's (ENFILE, EMFILE); returns its release, safe to call twice. */
  openFile(op: string): () => void {
    const pr = this.prison
    const racct = this.host.racct
    const err = racct.fileOpen(pr, this.ruid, this.host.prison0)
    if (err !== undefined) throw new SysError(err, op)
    let open = true
    return () => {
      if (open) racct.sub(pr, 'openfiles', 1)
      open = false
    }
  }

  ifp(name: string, op = 'SIOCGIFFLAGS'): Ifnet {
    const ifp = this.vnet.ifByName(name)
    if (ifp === undefined) throw new SysError('ENXIO', op, `interface ${name} does not exist`)
    return ifp
  }

  /**
   * prison_if for IPv4: whether the caller may learn anything about `addr`. A jail sharing its
   * parent's stack sees only its own addresses (ip4.addr); prison0 and vnet jails see their whole stack.
   */
  visibleAddr(addr: number): boolean {
    const p = this.cred.prison
    return p.ownsVnet || p.ip4.includes(addr >>> 0)
  }

  /**
   * can_export_rte (rtsock.c): a jail sharing its parent's stack sees no network route at all and a
   * host route only to one of its own addresses, in dumps (netstat -r) and in RTM_GET (route get).
   */
  visibleRoute(r: Route): boolean {
    return this.cred.prison.ownsVnet || (r.prefixLen === 32 && this.visibleAddr(r.dst))
  }

  /**
   * in_pcbladdr: the source address a socket of the caller sending to dst gets. In a jail sharing
   * its parent's stack that is the route's source if it is the jail's, else the jail's first address.
   */
  pcbLocalAddr(v: Vnet, dst: number, op: string): number {
    const rt = v.rt(this.fib).lookup(dst >>> 0)
    let chosen = rt === null ? 0 : sourceFor(rt)
    const p = this.cred.prison
    if (!p.ownsVnet && !p.ip4.includes(chosen)) {
      if (p.ip4.length === 0) throw new SysError('EADDRNOTAVAIL', op)
      chosen = p.ip4[0]!
    }
    return chosen
  }

  /**
   * The caller's descriptor table as socketOpen uses it: falloc takes the lowest free descriptor
   * above standard input, output and error; closing gives it back. Null for callers that are no
   * registered process (library code calling the kernel directly): their sockets have no owner.
   */
  fileTable(): FileTable | null {
    const p = this.cred.prison.procs.get(this.pid)
    if (p === undefined) return null
    const files = p.files
    return {
      install(f: object): () => void {
        let fd = 3
        while (files.has(fd)) fd++
        files.set(fd, f)
        return () => {
          if (files.get(fd) === f) files.delete(fd)
        }
      },
    }
  }

  /**
   * kern.file as the caller may see it (p_cansee: processes of its own jail and the jails below):
   * each open socket's holder, for sockstat's USER COMMAND PID FD columns.
   */
  fileOwners(): Map<object, SocketOwner> {
    const out = new Map<object, SocketOwner>()
    const me = this.prison
    for (const pr of [me, ...me.descendants()]) {
      for (const [pid, p] of pr.procs)
        for (const [fd, f] of p.files) out.set(f, { pid, fd, command: p.comm, jid: pr.jid })
    }
    return out
  }
}
