/**
 * The kernel message buffer (FreeBSD's subr_msgbuf.c behind log(9) and dmesg(8)): one per host, as
 * FreeBSD has one per kernel whatever the jails and vnets, so a vnet's firewall messages land
 * beside everyone else's. Each line keeps its syslog priority as `<PRI>`, which dmesg strips (and
 * uses to hide non-kernel facilities without -a).
 *
 * Bounded by bytes like the real ring (msgbufsize): the oldest lines go first. Control and log
 * paths only; it must never be written per packet without a limit in front of it (ipfw has one).
 */

/** syslog facilities and levels (sys/syslog.h) the kernel logs with. */
export const LOG = { KERN: 0, SECURITY: 13 << 3, NOTICE: 5, INFO: 6 } as const

/** FreeBSD's default msgbufsize (MSGBUF_SIZE, 96 KiB). */
export const MSGBUF_SIZE = 96 * 1024

export class MsgBuf {
  private lines: string[] = []
  private head = 0
  private bytes = 0

  /** log(9): one message at priority `pri`. */
  log(pri: number, msg: string): void {
    const line = `<${pri}>${msg}\n`
    this.lines.push(line)
    this.bytes += line.length
    while (this.bytes > MSGBUF_SIZE && this.head < this.lines.length)
      this.bytes -= this.lines[this.head++]!.length
    // Compact now and then so the array does not keep what was dropped.
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head)
      this.head = 0
    }
  }

  /** kern.msgbuf: the buffer as it stands, oldest first. */
  text(): string {
    return this.lines.slice(this.head).join('')
  }

  /** kern.msgbuf_clear. */
  clear(): void {
    this.lines = []
    this.head = 0
    this.bytes = 0
  }
}
