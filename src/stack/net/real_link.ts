/**
 * Links to the machine's own interfaces: what the platform hands the host so that a tap(4) made by
 * host root is backed by a real TAP device of the same name, and a lab's rj45 node by a real
 * interface in promiscuous mode (a raw packet socket), as IMUNES's rj45 takes over a NIC. The core
 * only moves whole Ethernet frames through it; opening devices is the platform's (platform/node's
 * relay process), never the stack's.
 *
 * Must not: keep a sender's buffer past the call (it is reused at once), throw on the data path,
 * or be offered to a jail: the machine's network is host root's to hand out.
 */

/** A frame arrived from the machine: bytes buf[off..off+len). The buffer is only lent. */
export type FrameReceive = (buf: Uint8Array, off: number, len: number) => void

/** What backs the interface: a TAP device of that name, or an existing interface read raw. */
export type RealLinkKind = 'tap' | 'packet'

/** One open link to the machine. */
export interface RealLink {
  /** Send buf[off..off+len) to the machine. Copies what it keeps; never throws (drops are counted). */
  send(buf: Uint8Array, off: number, len: number): void
  /** Let go of the device; onDown is not called for a close we asked for. */
  close(): void
  /** Frames dropped on the way out because the relay was behind or gone. */
  readonly drops: number
}

export interface RealLinkProvider {
  /** A short name for diagnostics (`relay`, `memory`). */
  readonly kind: string
  /**
   * Open `name`: a TAP device (made if it does not exist, attached to if it does and is free), or
   * an existing interface in promiscuous mode. Throws SysError (EPERM, ENODEV, EBUSY, ENXIO …,
   * with the reason as its message) when the machine refuses, before anything is changed;
   * `onDown` reports the link lost later (the relay exited), with the reason.
   */
  open(kind: RealLinkKind, name: string, onFrame: FrameReceive, onDown: (reason: string) => void): RealLink
}
