/**
 * The machine's TAP devices and interfaces for a Host (stack/net/real_link.ts is the contract),
 * through a small relay process: Node cannot issue the TUNSETIFF ioctl or open an AF_PACKET socket,
 * python3 can. The relay (RELAY_PY, our own code, run with `python3 -c`) opens /dev/net/tun as a
 * TAP device named like the interface (IFF_TAP | IFF_NO_PI), or binds a raw packet socket
 * (ETH_P_ALL) to an existing interface and puts it in promiscuous mode, and then only moves frames:
 * stdin and stdout pipes, each frame behind a 4-byte big-endian length. No port is opened, so
 * nothing else can inject frames.
 *
 * Where: the process's own network namespace, or the one `netns` names (`ip netns exec NS`), which
 * is how the tests keep the machine's real network untouched. The device is opened twice: once
 * synchronously by a probe (so `ifconfig tap create` fails at once with the machine's reason:
 * EPERM without root, ENOENT without /dev/net/tun or python3, EBUSY for a device in use, ENODEV
 * for an rj45 interface that is not there), then by the relay for good. A TAP device the relay
 * made goes away when it exits; one made before (`ip tuntap add … mode tap`) stays. The relay exits
 * when our end of its stdin closes, so it never outlives this process.
 *
 * Frames are parsed in place from the pipe's chunks (a frame split across two chunks is gathered in
 * one buffer kept for the link); frames sent are batched into one buffer per event-loop turn. A
 * relay that falls behind (more than OUT_LIMIT bytes unwritten) loses frames, counted as drops.
 *
 * Must not: throw into the stack, block the event loop past the probe, or leave a relay running
 * after the link is closed. A relay that dies takes its link down with the reason it gave.
 *
 * Raw sockets see what the NIC's offloads leave: a Linux peer's TCP over a veth arrives with
 * checksums not yet filled in and GRO may merge segments into frames past the MTU (dropped and
 * counted by the tap). `ethtool -K IF tx off tso off gso off gro off` on the links involved avoids it.
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import type { FrameReceive, RealLink, RealLinkKind, RealLinkProvider } from '../../stack/net/real_link.js'
import { Errno, type ErrnoName, SysError } from '../../util/errno.js'

/**
 * The relay: `python3 -c RELAY_PY probe|run tap|packet NAME [new]`. Exit status 3 with `ERRNAME
 * what: text` on stderr. A probe that made a TAP device prints `new`; the relay then owns it.
 */
export const RELAY_PY = `
import errno, fcntl, os, select, socket, struct, sys
mode, kind, name = sys.argv[1], sys.argv[2], sys.argv[3]
def die(e, what):
    code = errno.errorcode.get(e.errno or errno.EIO, 'EIO')
    os.write(2, ('%s %s: %s\\n' % (code, what, e.strerror)).encode())
    sys.exit(3)
try:
    if kind == 'tap':
        what = '/dev/net/tun'
        dev = os.open(what, os.O_RDWR)
        what = 'TUNSETIFF ' + name
        fcntl.ioctl(dev, 0x400454ca, struct.pack('16sH', name.encode(), 0x0002 | 0x1000))
        # The probe keeps a new device (TUNSETPERSIST) until the relay has it, so it exists when
        # ifconfig returns; the relay lets it go again, and it goes away with the relay.
        persist = struct.unpack_from('16sH', fcntl.ioctl(dev, 0x800454d2, bytes(40)))[1] & 0x0800
        if mode == 'probe' and not persist:
            fcntl.ioctl(dev, 0x400454cb, 1)
            os.write(1, b'new')
        if mode == 'run' and sys.argv[4:] == ['new']:
            fcntl.ioctl(dev, 0x400454cb, 0)
        rd = lambda: os.read(dev, 65536)
        wr = lambda b: os.write(dev, b)
    else:
        what = 'AF_PACKET socket for ' + name
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        what = name
        s.bind((name, 0))
        s.setsockopt(263, 1, struct.pack('iHH8s', socket.if_nametoindex(name), 1, 0, b''))
        # PACKET_AUXDATA: a VLAN tag the NIC (or veth) took off comes back beside the frame.
        s.setsockopt(263, 8, 1)
        dev = s.fileno()
        def rd():
            f, anc, _, _ = s.recvmsg(65600, socket.CMSG_SPACE(20))
            for lvl, typ, d in anc:
                if lvl == 263 and typ == 8 and len(d) >= 20:
                    st, _, _, _, _, tci, tpid = struct.unpack_from('IIIHHHH', d)
                    if st & 0x10:
                        tag = struct.pack('>HH', tpid if st & 0x40 else 0x8100, tci)
                        return f[:12] + tag + f[12:]
            return f
        wr = lambda b: s.send(b)
except OSError as e:
    die(e, what)
if mode == 'probe':
    sys.exit(0)
buf = bytearray()
while True:
    r = select.select([0, dev], [], [])[0]
    if 0 in r:
        d = os.read(0, 262144)
        if not d:
            sys.exit(0)
        buf += d
        o = 0
        while len(buf) - o >= 4:
            n = int.from_bytes(buf[o:o + 4], 'big')
            if len(buf) - o < 4 + n:
                break
            try:
                wr(buf[o + 4:o + 4 + n])
            except OSError as e:
                if e.errno in (errno.ENXIO, errno.ENODEV, errno.EBADFD):
                    die(e, name)
            o += 4 + n
        del buf[:o]
    if dev in r:
        try:
            f = rd()
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EINTR):
                continue
            if e.errno == errno.ENETDOWN:
                try:
                    socket.if_nametoindex(name)
                    continue
                except OSError:
                    pass
            die(e, name)
        v = memoryview(len(f).to_bytes(4, 'big') + f)
        while v:
            v = v[os.write(1, v):]
`

/** The largest frame either side may announce (a 64 KiB GRO frame and its header). */
const FRAME_MAX = 65600
/** Bytes unwritten to a relay's stdin before frames are dropped. */
const OUT_LIMIT = 1 << 20
/** One batch of frames to the relay: this many bytes (small enough for Node's buffer pool), or one larger frame. */
const OUT_CHUNK = 4000
/** The stderr kept for the reason a relay gives. */
const ERR_KEEP = 2048

export interface LinkRelayOptions {
  /** Run the relay in this network namespace (`ip netns exec NS`); default: the process's own. */
  netns?: string
  /** The Python interpreter (default `python3`). */
  python?: string
}

function argv(
  opts: LinkRelayOptions,
  mode: 'probe' | 'run',
  kind: RealLinkKind,
  name: string,
  made = false,
): string[] {
  const py = [opts.python ?? 'python3', '-c', RELAY_PY, mode, kind, name, ...(made ? ['new'] : [])]
  return opts.netns === undefined ? py : ['ip', 'netns', 'exec', opts.netns, ...py]
}

/** `ENODEV eth9: No such device` → the errno and the reason, from a relay's last words. */
function parseReason(stderr: string): { code: ErrnoName; text: string } | null {
  const lines = stderr.trim().split('\n')
  const m = /^(E[A-Z0-9]+) (.*)$/.exec(lines[lines.length - 1] ?? '')
  if (m === null) return null
  const code = (m[1]! in Errno ? m[1] : 'EIO') as ErrnoName
  return { code, text: m[2]! }
}

/** The machine's refusal as a SysError: its errno, and a reason that says what to do about it. */
function refusal(kind: RealLinkKind, name: string, e: unknown): SysError {
  const err = e as NodeJS.ErrnoException & { stderr?: string; status?: number | null }
  const stderr = String(err.stderr ?? '')
  // Not started at all: spawnSync's ENOENT, or `ip netns exec`'s "exec of "python3" failed".
  if (
    (err.code === 'ENOENT' && err.syscall?.startsWith('spawn')) ||
    /exec of ".*" failed: No such file/.test(stderr)
  )
    return new SysError(
      'ENOENT',
      'open',
      err.syscall === 'spawnSync ip'
        ? 'ip (iproute2) is not installed'
        : 'python3 is not installed (it relays the frames)',
    )
  const r = parseReason(stderr)
  if (r === null) {
    const why =
      String(err.stderr ?? err.message)
        .trim()
        .split('\n')[0] || 'the relay failed'
    return new SysError('EIO', 'open', why)
  }
  let text = r.text
  if (r.code === 'EPERM' || r.code === 'EACCES')
    text += kind === 'tap' ? ' (TAP devices need root)' : ' (raw packet sockets need root)'
  else if (r.code === 'ENODEV' && kind === 'packet') text = `no interface ${name} on this machine`
  return new SysError(r.code, 'open', text)
}

/** Relays in this process's namespace (or opts.netns), started with python3. */
export function nodeLinkRelay(opts: LinkRelayOptions = {}): RealLinkProvider {
  return {
    kind: 'relay',
    open(kind, name, onFrame, onDown) {
      if (process.platform !== 'linux')
        throw new SysError(
          'ENXIO',
          'open',
          "the machine's TAP devices and raw interfaces are only reached on Linux",
        )
      const [cmd, ...args] = argv(opts, 'probe', kind, name)
      let made: boolean
      try {
        const out = execFileSync(cmd!, args, {
          stdio: ['ignore', 'pipe', 'pipe'],
          encoding: 'utf8',
          timeout: 10_000,
        })
        made = out === 'new'
      } catch (e) {
        throw refusal(kind, name, e)
      }
      return new RelayLink(argv(opts, 'run', kind, name, made), onFrame, onDown)
    },
  }
}

/**
 * Splits a relay's byte stream into frames: each is handed on as a view into the chunk wherever it
 * lies whole inside it; one split across chunks is gathered in a buffer kept for the stream. A
 * length past FRAME_MAX means the stream is garbled: `onGarbled` is called once and nothing more
 * is delivered.
 */
export class FrameReader {
  private readonly pend = Buffer.allocUnsafe(4 + FRAME_MAX)
  private pendLen = 0
  private stopped = false

  constructor(
    private readonly onFrame: FrameReceive,
    private readonly onGarbled: (len: number) => void,
  ) {}

  /** Stop delivering (the link closed); later chunks are ignored. */
  stop(): void {
    this.stopped = true
  }

  push(chunk: Buffer): void {
    if (this.stopped) return
    let off = 0
    const end = chunk.length
    if (this.pendLen > 0) {
      off = this.gather(chunk)
      if (off < 0) return
    }
    while (end - off >= 4) {
      const n = chunk.readUInt32BE(off)
      if (n > FRAME_MAX) {
        this.garbled(n)
        return
      }
      if (end - off - 4 < n) break
      this.onFrame(chunk, off + 4, n)
      if (this.stopped) return
      off += 4 + n
    }
    if (off < end) {
      chunk.copy(this.pend, 0, off, end)
      this.pendLen = end - off
    }
  }

  /** Complete the pending frame from the chunk's start; returns where its next frame starts, or -1. */
  private gather(chunk: Buffer): number {
    const p = this.pend
    let off = 0
    if (this.pendLen < 4) {
      const take = Math.min(4 - this.pendLen, chunk.length)
      chunk.copy(p, this.pendLen, 0, take)
      this.pendLen += take
      off = take
      if (this.pendLen < 4) return -1
    }
    const n = p.readUInt32BE(0)
    if (n > FRAME_MAX) {
      this.garbled(n)
      return -1
    }
    const take = Math.min(4 + n - this.pendLen, chunk.length - off)
    chunk.copy(p, this.pendLen, off, off + take)
    this.pendLen += take
    off += take
    if (this.pendLen < 4 + n) return -1
    this.pendLen = 0
    this.onFrame(p, 4, n)
    return this.stopped ? -1 : off
  }

  private garbled(n: number): void {
    this.stopped = true
    this.onGarbled(n)
  }
}

/** One running relay: frames in from its stdout, out to its stdin. */
class RelayLink implements RealLink {
  private readonly child: ChildProcess
  private closed = false
  drops = 0
  /** The batch being filled (handed to the pipe at the end of the turn), and its length. */
  private out: Buffer | null = null
  private outLen = 0
  private flushQueued = false
  private readonly reader: FrameReader
  private stderr = ''

  constructor(
    run: readonly string[],
    onFrame: FrameReceive,
    private readonly onDown: (reason: string) => void,
  ) {
    const [cmd, ...args] = run
    this.reader = new FrameReader(onFrame, (n) => {
      this.lost(`the relay sent a frame of ${n} bytes`)
      this.child.kill('SIGKILL')
    })
    const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    this.child = child
    child.stdout!.on('data', (chunk: Buffer) => this.reader.push(chunk))
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-ERR_KEEP)
    })
    // A relay gone mid-write is reported by 'close'; the pipe's own error must not throw.
    child.stdin!.on('error', () => {})
    child.on('error', (e: NodeJS.ErrnoException) => this.lost(`cannot start the relay: ${e.message}`))
    child.on('close', (code, signal) => {
      const r = parseReason(this.stderr)
      if (r !== null) this.lost(r.text)
      else if (signal !== null) this.lost(`the relay was killed (${signal})`)
      else this.lost(`the relay exited with status ${code}`)
    })
  }

  private lost(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.reader.stop()
    this.child.stdin!.destroy()
    this.onDown(reason)
  }

  send(buf: Uint8Array, off: number, len: number): void {
    const stdin = this.child.stdin!
    if (this.closed || len > FRAME_MAX || stdin.writableLength > OUT_LIMIT) {
      this.drops++
      return
    }
    if (this.out !== null && this.outLen + 4 + len > this.out.length) this.flush()
    if (this.out === null) {
      this.out = Buffer.allocUnsafe(Math.max(OUT_CHUNK, 4 + len))
      this.outLen = 0
    }
    const o = this.out
    o.writeUInt32BE(len, this.outLen)
    o.set(buf.subarray(off, off + len), this.outLen + 4)
    this.outLen += 4 + len
    if (!this.flushQueued) {
      this.flushQueued = true
      queueMicrotask(() => this.flush())
    }
  }

  private flush(): void {
    this.flushQueued = false
    const o = this.out
    if (o === null || this.outLen === 0) return
    this.out = null
    if (!this.closed) this.child.stdin!.write(o.subarray(0, this.outLen))
    this.outLen = 0
  }

  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    this.reader.stop()
    // EOF tells the relay to exit; a relay stuck in a write is killed.
    this.child.stdin!.end()
    const t = setTimeout(() => this.child.kill('SIGKILL'), 2000)
    t.unref()
    this.child.once('close', () => clearTimeout(t))
    this.child.stdout!.destroy()
  }
}
