/**
 * /dev/bpf behind KernelApi (bpf_open, BIOCSETIF, BIOCSETF, BIOCGSTATS, read): a capture on one of
 * the caller's vnet's capture points — its interfaces, and ipfw0 once ipfw is loaded. /dev/bpf is
 * crw------- root, so a non-root open fails with EACCES; a jail without its own vnet has no bpf device
 * (devfs hides it, as FreeBSD's jail rulesets do), so it cannot watch its parent's stack.
 *
 * A write sends a whole Ethernet frame out of the interface (BIOCSHDRCMPLT), which is how dhclient
 * and dhcpd talk before the client has an address.
 *
 * Must not: let a descriptor outlive its interface's stay in the vnet (it reads ENXIO after), or see
 * another vnet's traffic.
 */

import { BpfD, BpfDirection, type BpfIf } from '../../stack/net/bpf/bpf.js'
import { Slot } from '../../stack/net/vnet.js'
import { ipfw } from '../../stack/netpfil/ipfw/ip_fw_chain.js'
import { SysError } from '../../util/errno.js'
import { ETHER_HDR_LEN } from '../../wire/link/ethernet.js'
import type { Caller } from '../kern/caller.js'
import type { BpfFd, BpfOpenOptions, BpfPoint } from '../syscalls.js'

/** The capture points the caller may open, in interface order, ipfw0 last. */
function points(c: Caller): BpfIf[] {
  const v = c.vnet
  const out = v.ifnets.map((i) => i.bpf)
  if (c.host.kld.loaded('ipfw') && v.slots[Slot.IPFW] !== undefined) out.push(ipfw(v).log.tap)
  return out
}

function checkDevice(c: Caller): void {
  if (c.cred.uid !== 0) throw new SysError('EACCES', 'open')
  const pr = c.prison
  if (pr.parent !== null && !pr.ownsVnet) throw new SysError('ENOENT', 'open')
}

/** pcap_findalldevs: what `tcpdump -D` lists (from getifaddrs, so no device access is needed). */
export function bpfList(c: Caller): BpfPoint[] {
  const v = c.vnet
  return points(c).map((b) => {
    const ifp = v.ifByName(b.name)
    return {
      name: b.name,
      dlt: b.dlt,
      up: ifp === undefined ? true : ifp.up,
      loopback: ifp?.type === 'loop',
      ether: ifp?.type === 'ether',
    }
  })
}

export function bpfOpen(c: Caller, name: string, opts: BpfOpenOptions = {}): BpfFd {
  checkDevice(c)
  const bif = points(c).find((b) => b.name === name)
  // BIOCSETIF on a name no capture point has: ENXIO ("Device not configured").
  if (bif === undefined) throw new SysError('ENXIO', 'BIOCSETIF')
  return bpfDescriptor(c, bif, name, opts)
}

/** A descriptor attached to bif with the caller's file accounting (the open of /dev/bpf). */
export function bpfDescriptor(c: Caller, bif: BpfIf, name: string, opts: BpfOpenOptions): BpfFd {
  const bufsize = opts.bufsize ?? 524288
  if (!Number.isInteger(bufsize) || bufsize < 4096 || bufsize > 524288)
    throw new SysError('EINVAL', 'BIOCSBLEN')
  const snaplen = opts.snaplen ?? 262144
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 262144) throw new SysError('EINVAL', 'BIOCSETF')
  const release = c.openFile('open')
  const clock = c.host.clock
  const d = new BpfD(clock, bufsize)
  d.snaplen = snaplen
  d.filter = opts.filter ?? null
  d.direction =
    opts.direction === 'in'
      ? BpfDirection.IN
      : opts.direction === 'out'
        ? BpfDirection.OUT
        : BpfDirection.INOUT
  bif.attach(d)
  let closed = false
  return {
    name,
    dlt: bif.dlt,
    read: async (visit, timeoutNs = Number.POSITIVE_INFINITY, until) => {
      if (closed) throw new SysError('EBADF', 'read')
      let interrupted = false
      void until?.then(
        () => {
          interrupted = true
        },
        () => {
          interrupted = true
        },
      )
      const deadline = clock.now() + timeoutNs
      for (;;) {
        if (closed) throw new SysError('EBADF', 'read')
        const n = d.read(visit)
        if (n > 0) return n
        // The capture point went away (the interface left the vnet or was destroyed).
        if (d.bif === null) throw new SysError('ENXIO', 'read')
        const left = deadline - clock.now()
        if (interrupted || left <= 0) return 0
        await d.wait(left, until)
      }
    },
    write: (frame) => {
      if (closed) throw new SysError('EBADF', 'write')
      const ifp = d.bif === null ? undefined : c.vnet.ifnets.find((i) => i.bpf === d.bif)
      if (ifp === undefined || ifp.type !== 'ether') throw new SysError('ENXIO', 'write')
      if (!ifp.up) throw new SysError('ENETDOWN', 'write')
      if (frame.length < ETHER_HDR_LEN || frame.length > ifp.mtu + ETHER_HDR_LEN)
        throw new SysError('EMSGSIZE', 'write')
      const m = c.vnet.env.pool.get(frame.length)
      m.data.set(frame, m.off)
      m.len = frame.length
      // bpfwrite's ether_output with a complete header: the frame is the interface's to send as is.
      if ((frame[0]! & 1) !== 0) ifp.stats.omcasts++
      ifp.transmit(m)
    },
    setFilter: (f) => {
      if (closed) throw new SysError('EBADF', 'BIOCSETF')
      d.filter = f
    },
    stats: () => ({ recv: d.rcount, drop: d.dcount }),
    close: () => {
      if (closed) return
      closed = true
      release()
      d.close()
    },
  }
}
