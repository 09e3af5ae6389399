/**
 * tcpdump(1) (4.99 with libpcap 1.10, as FreeBSD ships it): capture on a capture point of the
 * process's vnet through /dev/bpf (`-i IF`, or the first interface that is up), or read a pcap/pcapng
 * file (`-r FILE`); keep what the filter expression accepts; print one line per packet (`-n -nn -e
 * -v -q -S -t -tt -ttt -tttt`, with `-x`/`-X`/`-A` dumps of the bytes, print_hex.ts) or write a pcap file (`-w FILE`, in the process's file system, bytes
 * as latin1 characters). `-c N` stops after N packets; SIGINT, SIGTERM and SIGHUP stop it with the
 * statistics lines; SIGKILL just ends it. `-D` lists the capture points.
 *
 * Messages and exit statuses are tcpdump's: 1 for a bad option, filter, device or file.
 */

import type { BpfFd } from '../../../host/syscalls.js'
import { isSysError, type SysError } from '../../../util/errno.js'
import { LinkType, PcapWriter } from '../../../wire/pcap/pcap.js'
import { type CaptureFile, openCapture, PcapFormatError } from '../../../wire/pcap/pcap_read.js'
import { CmdError, EX, runTool } from '../../common.js'
import { getopt } from '../../getopt.js'
import { compileFilter, FilterError } from '../../lib/libpcap/filter.js'
import type { Io, Proc } from '../../types.js'
import { Printer } from './print.js'
import { type DumpFlags, rawDump } from './print_hex.js'
import { stamp } from './stamp.js'

const SIGHUP = 1
const SIGINT = 2
const SIGTERM = 15
const MAXIMUM_SNAPLEN = 262144

const USAGE = `Usage: tcpdump [-AbdDefhHIJKlLnNOpqStuUvxX#] [ -B size ] [ -c count ] [--count]
\t\t[ -C file_size ] [ -E algo:secret ] [ -F file ] [ -G seconds ]
\t\t[ -i interface ] [ --immediate-mode ] [ -j tstamptype ]
\t\t[ -M secret ] [ --number ] [ --print ] [ -Q in|out|inout ]
\t\t[ -r file ] [ -s snaplen ] [ -T type ] [ --version ]
\t\t[ -V file ] [ -w file ] [ -W filecount ] [ -y datalinktype ]
\t\t[ --time-stamp-precision precision ] [ --micro ] [ --nano ]
\t\t[ -z postrotate-command ] [ -Z user ] [ expression ]`

interface Opts {
  count: number
  device: string | null
  read: string | null
  write: string | null
  snaplen: number
  list: boolean
  n: number
  e: boolean
  v: number
  q: boolean
  S: boolean
  t: number
  direction: 'in' | 'out' | 'inout'
  bufsize: number
  expr: string
  /** -x, -X and -A, each counted (twice: with the link-level header). */
  dump: DumpFlags
}

const plural = (n: number): string => (n === 1 ? '' : 's')

function dltText(dlt: number): string {
  return dlt === LinkType.EN10MB
    ? 'EN10MB (Ethernet)'
    : dlt === LinkType.NULL
      ? 'NULL (BSD loopback)'
      : `${dlt}`
}

function number(s: string, what: string, min: number): number {
  if (!/^-?\d+$/.test(s)) throw new CmdError(`invalid ${what} ${s}`)
  const v = Number(s)
  if (v < min || v > 0x7fffffff) throw new CmdError(`invalid ${what} ${s}`)
  return v
}

function parseOpts(args: readonly string[]): Opts {
  const r = getopt('tcpdump', args, 'AB:c:DeF:i:lnNpqQ:r:s:StUvw:xX')
  if (typeof r === 'string') throw new CmdError(`${r}\n${USAGE}`, EX.ERR, true)
  const o: Opts = {
    count: 0,
    device: null,
    read: null,
    write: null,
    snaplen: MAXIMUM_SNAPLEN,
    list: false,
    n: 0,
    e: false,
    v: 0,
    q: false,
    S: false,
    t: 0,
    direction: 'inout',
    bufsize: 524288,
    expr: '',
    dump: { x: 0, X: 0, A: 0 },
  }
  for (const [f, a] of r.opts) {
    switch (f) {
      case 'x':
      case 'X':
      case 'A':
        o.dump[f]++
        break
      case 'B':
        o.bufsize = number(a, 'packet buffer size', 1) * 1024
        break
      case 'c':
        o.count = number(a, 'packet count', 1)
        break
      case 'D':
        o.list = true
        break
      case 'e':
        o.e = true
        break
      case 'i':
        o.device = a
        break
      case 'n':
        o.n++
        break
      case 'q':
        o.q = true
        break
      case 'Q':
        if (a !== 'in' && a !== 'out' && a !== 'inout') throw new CmdError(`unknown capture direction '${a}'`)
        o.direction = a
        break
      case 'r':
        o.read = a
        break
      case 's': {
        const v = number(a, 'snaplen', 0)
        o.snaplen = v === 0 || v > MAXIMUM_SNAPLEN ? MAXIMUM_SNAPLEN : v
        break
      }
      case 'S':
        o.S = true
        break
      case 't':
        o.t++
        break
      case 'v':
        o.v++
        break
      case 'w':
        o.write = a
        break
      case 'F':
        throw new CmdError(`-F ${a}: reading the expression from a file is not supported`)
      default:
        // -l -N -p -U: accepted; their effects are the default here or not applicable.
        break
    }
  }
  o.expr = r.rest.join(' ')
  return o
}

/** A pcap file being written into the process's file system (latin1: one character per byte). */
class DumpFile {
  private pending: string[] = []

  constructor(
    private readonly proc: Proc,
    readonly path: string,
  ) {}

  add(bytes: Uint8Array): void {
    let s = ''
    for (let i = 0; i < bytes.length; i += 8192)
      s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)))
    this.pending.push(s)
  }

  /** Append what is pending; false when the file system is full. */
  flush(): boolean {
    if (this.pending.length === 0) return true
    const s = this.pending.join('')
    this.pending = []
    return this.proc.fs.append(this.path, s)
  }
}

function latin1(s: string): Uint8Array {
  const b = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff
  return b
}

export async function tcpdump(argv: readonly string[], io: Io, proc: Proc): Promise<number> {
  return runTool('tcpdump', io, async () => {
    const o = parseOpts(argv.slice(1))
    if (o.list) return listDevices(io, proc)
    if (o.read !== null) return readFile(o, io, proc)
    return live(o, io, proc)
  })
}

function listDevices(io: Io, proc: Proc): number {
  proc.sys.bpfList().forEach((p, i) => {
    const f: string[] = []
    if (p.up) f.push('Up', 'Running')
    if (p.loopback) f.push('Loopback')
    else if (p.ether) f.push(p.up ? 'Connected' : 'Disconnected')
    io.stdout.write(`${i + 1}.${p.name} [${f.length ? f.join(', ') : 'none'}]\n`)
  })
  return 0
}

/** libpcap's open errors, as tcpdump prints them (`DEVICE: status\n(detail)`). */
function deviceError(device: string, e: SysError): string {
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return `${device}: You don't have permission to perform this capture on that device\n((cannot open BPF device) /dev/bpf: ${e.strerror})`
    case 'ENXIO':
      return `${device}: No such device exists\n(BIOCSETIF failed: ${e.strerror})`
    case 'ENOENT':
      return `${device}: No such device exists\n((cannot open BPF device) /dev/bpf: ${e.strerror})`
    default:
      return `${device}: ${e.strerror}`
  }
}

function compile(expr: string, dlt: number) {
  try {
    return compileFilter(expr, dlt)
  } catch (e) {
    if (e instanceof FilterError) throw new CmdError(e.message)
    throw e
  }
}

function openDump(proc: Proc, path: string): DumpFile {
  if (!proc.fs.truncate(path)) throw new CmdError(`${path}: Too many open files`)
  return new DumpFile(proc, path)
}

async function live(o: Opts, io: Io, proc: Proc): Promise<number> {
  const sys = proc.sys
  let device = o.device
  if (device === null || /^\d+$/.test(device)) {
    const points = sys.bpfList()
    if (device === null) {
      const first = points.find((p) => p.up && !p.loopback) ?? points.find((p) => p.up)
      if (first === undefined) throw new CmdError('no suitable device found')
      device = first.name
    } else {
      const p = points[Number(device) - 1]
      if (p === undefined)
        throw new CmdError(`Invalid adapter index ${device}: only ${points.length} interfaces found`)
      device = p.name
    }
  }
  let fd: BpfFd
  try {
    fd = sys.bpfOpen(device, {
      snaplen: o.snaplen,
      bufsize: Math.min(524288, Math.max(4096, o.bufsize)),
      direction: o.direction,
    })
  } catch (e) {
    if (!isSysError(e)) throw e
    throw new CmdError(deviceError(device, e))
  }
  try {
    // BIOCSETF: the filter is compiled for the point's link type, known once the device is open.
    fd.setFilter(compile(o.expr, fd.dlt))
    return await capture(o, io, proc, fd, device)
  } finally {
    fd.close()
  }
}

async function capture(o: Opts, io: Io, proc: Proc, fd: BpfFd, device: string): Promise<number> {
  const dump = o.write === null ? null : openDump(proc, o.write)
  const w = new PcapWriter(fd.dlt, o.snaplen)
  dump?.add(w.header())
  if (dump !== null && !dump.flush()) throw new CmdError(`${o.write}: No space left on device`)
  const pre =
    o.v === 0 && dump === null
      ? 'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n'
      : 'tcpdump: '
  io.stderr.write(
    `${pre}listening on ${device}, link-type ${dltText(fd.dlt)}, snapshot length ${o.snaplen} bytes\n`,
  )

  let signalled = false
  let stop: () => void = () => {}
  const stopped = new Promise<void>((r) => {
    stop = r
  })
  const onSig = (): void => {
    signalled = true
    stop()
  }
  const unhook = [SIGINT, SIGTERM, SIGHUP].map((s) => proc.onSignal(s, onSig))
  unhook.push(proc.onKill(() => stop()))
  const printer = new Printer({ n: o.n, e: o.e, v: o.v, q: o.q, S: o.S })
  let captured = 0
  let prev: { sec: number; nsec: number } | null = null
  let err: string | null = null
  try {
    while (!signalled && !proc.killed && (o.count === 0 || captured < o.count)) {
      let out = ''
      let n: number
      try {
        n = await fd.read(
          (r) => {
            if (o.count !== 0 && captured >= o.count) return
            captured++
            const sec = Math.floor(r.stamp / 1e9)
            const nsec = r.stamp - sec * 1e9
            if (dump !== null) dump.add(w.record(r.stamp, r.buf, r.off, r.caplen, r.wirelen))
            else {
              const b = r.buf.subarray(r.off, r.off + r.caplen)
              const line = printer.line(fd.dlt, b, r.caplen, r.wirelen)
              out += `${stamp(o.t, sec, nsec, prev)}${line}${rawDump(o.dump, printer.hdrlen, b, r.caplen)}\n`
              prev = { sec, nsec }
            }
          },
          Number.POSITIVE_INFINITY,
          stopped,
        )
      } catch (e) {
        if (!isSysError(e) || e.code !== 'ENXIO') throw e
        err = 'pcap_loop: The interface disappeared'
        break
      }
      if (dump !== null && !dump.flush()) {
        err = `${o.write}: No space left on device`
        break
      }
      if (out !== '') await io.stdout.write(out)
      if (n === 0 && (signalled || proc.killed)) break
    }
  } finally {
    for (const u of unhook) u()
  }
  if (proc.killed) return EX.ERR
  const st = fd.stats()
  if (err !== null) io.stderr.write(`tcpdump: ${err}\n`)
  io.stderr.write(
    `${signalled ? '\n' : ''}${captured} packet${plural(captured)} captured\n${st.recv} packet${plural(st.recv)} received by filter\n${st.drop} packet${plural(st.drop)} dropped by kernel\n`,
  )
  return err === null ? EX.OK : EX.ERR
}

async function readFile(o: Opts, io: Io, proc: Proc): Promise<number> {
  const path = o.read!
  const text = path === '-' ? null : proc.fs.read(path)
  if (text === undefined || text === null) throw new CmdError(`${path}: No such file or directory`)
  let f: CaptureFile
  try {
    f = openCapture(latin1(text))
  } catch (e) {
    if (e instanceof PcapFormatError) throw new CmdError(e.message)
    throw e
  }
  // pcapng interfaces may come later; the first one's link type names the file, as libpcap's does.
  let first: ReturnType<CaptureFile['next']> = null
  let damage: string | null = null
  try {
    first = f.next()
  } catch (e) {
    if (!(e instanceof PcapFormatError)) throw e
    if (f.interfaces.length === 0) throw new CmdError(e.message)
    damage = e.message
  }
  const ifc = f.interfaces[0]
  if (ifc === undefined) throw new CmdError('the capture file has no Interface Description Blocks')
  const dlt = ifc.linktype
  if (dlt !== LinkType.EN10MB && dlt !== LinkType.NULL && o.expr !== '')
    throw new CmdError(`link-layer type ${dlt} is not supported`)
  const filter = o.expr === '' ? null : compile(o.expr, dlt)
  io.stderr.write(`reading from file ${path}, link-type ${dltText(dlt)}, snapshot length ${ifc.snaplen}\n`)
  const dump = o.write === null ? null : openDump(proc, o.write)
  const w = new PcapWriter(dlt, ifc.snaplen)
  dump?.add(w.header())
  const printer = new Printer({ n: o.n, e: o.e, v: o.v, q: o.q, S: o.S })
  let captured = 0
  let prev: { sec: number; nsec: number } | null = null
  let out = ''
  for (let p = first; p !== null && damage === null; ) {
    if (proc.killed) return EX.ERR
    const link = f.interfaces[p.ifIndex]!.linktype
    if (link === dlt && (filter === null || filter(p.data, 0, p.caplen))) {
      captured++
      if (dump !== null) dump.add(w.record(p.sec * 1e9 + p.nsec, p.data, 0, p.caplen, p.wirelen))
      else {
        const line = printer.line(link, p.data, p.caplen, p.wirelen)
        out += `${stamp(o.t, p.sec, p.nsec, prev)}${line}${rawDump(o.dump, printer.hdrlen, p.data, p.caplen)}\n`
        prev = { sec: p.sec, nsec: p.nsec }
      }
      if (out.length > 65536) {
        await io.stdout.write(out)
        out = ''
      }
      if (o.count !== 0 && captured >= o.count) break
    }
    try {
      p = f.next()
    } catch (e) {
      if (!(e instanceof PcapFormatError)) throw e
      damage = e.message
    }
  }
  if (out !== '') await io.stdout.write(out)
  if (dump !== null && !dump.flush()) throw new CmdError(`${o.write}: No space left on device`)
  if (damage !== null) throw new CmdError(`pcap_loop: ${damage}`)
  return EX.OK
}
