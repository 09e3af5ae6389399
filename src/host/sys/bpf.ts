/**
 * What the syscall interface says about bpf(4) descriptors: capture points, open options and
 * the descriptor tcpdump reads. Types only.
 */

import type { BpfFilter, BpfRecord } from '../../stack/net/bpf/bpf.js'

/** A capture point `tcpdump -D` lists (pcap_findalldevs). */
export interface BpfPoint {
  name: string
  /** Link type (DLT_EN10MB 1, DLT_NULL 0). */
  dlt: number
  up: boolean
  loopback: boolean
  ether: boolean
}

/** What a bpf descriptor is set up with before it attaches (BIOCSBLEN, BIOCSETF, BIOCSDIRECTION). */
export interface BpfOpenOptions {
  /** A compiled filter (libpcap's program); none accepts everything. */
  filter?: BpfFilter
  /** Bytes kept of each packet, 1..262144 (default 262144). */
  snaplen?: number
  /** Size of each of the two buffers, 4096..524288 (default 524288). */
  bufsize?: number
  direction?: 'in' | 'out' | 'inout'
}

/**
 * An open /dev/bpf attached to a capture point. Records handed to read's visitor are valid only
 * during the call (copy what you keep).
 */
export interface BpfFd {
  readonly name: string
  readonly dlt: number
  /**
   * read(2): visit the buffered records; waits up to timeoutNs (default forever) for one, and returns
   * how many were visited: 0 on timeout or as soon as `until` settles. ENXIO once the point is gone.
   */
  read(visit: (r: BpfRecord) => void, timeoutNs?: number, until?: Promise<unknown>): Promise<number>
  /** BIOCSETF: replace the filter (null accepts everything). */
  setFilter(filter: BpfFilter | null): void
  /**
   * write(2) with BIOCSHDRCMPLT set: `frame` (link header included) goes out of the interface as it
   * is, as dhclient and dhcpd send before an address exists. ENXIO when the point is gone or is not
   * an Ethernet interface, ENETDOWN when it is down, EMSGSIZE past the MTU or shorter than a header.
   */
  write(frame: Uint8Array): void
  /** BIOCGSTATS: packets that reached the filter, and accepted packets dropped for want of buffer. */
  stats(): { recv: number; drop: number }
  close(): void
}
