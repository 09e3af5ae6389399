/**
 * Buffered reading from a stream socket for programs that speak line- or length-framed protocols
 * over TCP (fetch's HTTP, iperf3's control channel): lines, exact byte counts, and whatever is
 * there, each with an optional deadline. Also `writeAll`, which loops until every byte is queued.
 *
 * Holds no state beyond its own buffer; errors are the socket's (SysError) or EAGAIN on a timeout.
 */

/** The stream calls of SocketFd (the stream socket contract) that these helpers use. */
export interface StreamFd {
  recv(max: number, flags?: number, timeoutNs?: number): Promise<Uint8Array>
  send(data: Uint8Array, flags?: number): Promise<number>
}

const CHUNK = 65536

export class StreamReader {
  private buf = new Uint8Array(0)
  private pos = 0
  private eof = false

  constructor(
    private readonly fd: StreamFd,
    /** Each read waits at most this long (ns); Infinity for no limit. A server may change it between requests. */
    public timeoutNs = Number.POSITIVE_INFINITY,
  ) {}

  /** Bytes buffered but not yet consumed. */
  get buffered(): number {
    return this.buf.length - this.pos
  }

  /** Reads more into the buffer; false at end of stream. */
  private async fill(): Promise<boolean> {
    if (this.eof) return false
    const got = await this.fd.recv(CHUNK, 0, this.timeoutNs)
    if (got.length === 0) {
      this.eof = true
      return false
    }
    const rest = this.buf.subarray(this.pos)
    const next = new Uint8Array(rest.length + got.length)
    next.set(rest)
    next.set(got, rest.length)
    this.buf = next
    this.pos = 0
    return true
  }

  /** Up to `max` bytes: what is buffered, else one read; an empty array at end of stream. */
  async read(max: number): Promise<Uint8Array> {
    if (this.buffered === 0 && !(await this.fill())) return new Uint8Array(0)
    const n = Math.min(max, this.buffered)
    const out = this.buf.slice(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Exactly `n` bytes, or null when the stream ends first. */
  async readExact(n: number): Promise<Uint8Array | null> {
    while (this.buffered < n) if (!(await this.fill())) return null
    const out = this.buf.slice(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /**
   * The next line without its CRLF or LF, as Latin-1 (protocol text), or null at end of stream
   * (a last line without terminator is returned). Lines longer than `max` bytes fail with null too.
   */
  async readLine(max = 65536): Promise<string | null> {
    for (;;) {
      const i = this.buf.indexOf(0x0a, this.pos)
      if (i >= 0) {
        let end = i
        if (end > this.pos && this.buf[end - 1] === 0x0d) end--
        const line = latin1(this.buf.subarray(this.pos, end))
        this.pos = i + 1
        return line
      }
      if (this.buffered > max) return null
      if (!(await this.fill())) {
        if (this.buffered === 0) return null
        const line = latin1(this.buf.subarray(this.pos))
        this.pos = this.buf.length
        return line
      }
    }
  }
}

function latin1(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!)
  return s
}

/** Protocol text (ASCII/Latin-1) to bytes. */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff
  return out
}

/** write(2) in a loop until all of `data` is queued. */
export async function writeAll(fd: StreamFd, data: Uint8Array): Promise<void> {
  let off = 0
  while (off < data.length) off += await fd.send(off === 0 ? data : data.subarray(off))
}
