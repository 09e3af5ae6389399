/**
 * The security association database as far as TCP-MD5 needs it (FreeBSD's netipsec/key.c with
 * SADB_X_SATYPE_TCPSIGNATURE): per vnet, as V_sahtree is, filled by setkey(8) with
 * `add SRC DST tcp SPI -A tcp-md5 KEY`, IPv4 or IPv6 pairs. TCP looks up the key for a segment's
 * (source, destination) pair (key_allocsa_tcpmd5) to sign or check it; nothing else is kept (no
 * ESP/AH, no SPD).
 *
 * Bounded: at most SADB_MAX associations per vnet. Control-plane operations throw SysError; the
 * lookup on the packet path allocates nothing and never throws.
 */

import { SysError } from '../../util/errno.js'
import type { SigAddr } from '../../wire/inet/tcp_md5.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../net/vnet.js'

/** TCP_KEYLEN_MAX of xform_tcp.c: the longest TCP-MD5 key. */
export const TCP_KEYLEN_MAX = 80
/** How many associations one vnet may hold. */
export const SADB_MAX = 4096

/** One TCP-MD5 association as setkey adds and dumps it: both ends IPv4 (numbers) or both IPv6. */
export interface TcpMd5Sa {
  readonly src: SigAddr
  readonly dst: SigAddr
  readonly spi: number
  readonly key: Uint8Array
}

/** Whether two association ends are the same address (of the same family). */
function sameAddr(a: SigAddr, b: SigAddr): boolean {
  if (typeof a === 'number' || typeof b === 'number')
    return typeof a === 'number' && typeof b === 'number' && a >>> 0 === b >>> 0
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false
  return true
}

function copyAddr(a: SigAddr): SigAddr {
  return typeof a === 'number' ? a >>> 0 : Uint8Array.from(a.subarray(0, 16))
}

export class KeyDb {
  private readonly sas: TcpMd5Sa[] = []

  /** SADB_ADD: EEXIST for the same (src, dst, spi). */
  add(sa: TcpMd5Sa): void {
    if (sa.key.length === 0 || sa.key.length > TCP_KEYLEN_MAX) throw new SysError('EINVAL', 'setkey')
    // key_parse: the two ends of an association are of one family.
    if ((typeof sa.src === 'number') !== (typeof sa.dst === 'number')) throw new SysError('EINVAL', 'setkey')
    if (this.find(sa.src, sa.dst, sa.spi) >= 0) throw new SysError('EEXIST', 'setkey')
    if (this.sas.length >= SADB_MAX) throw new SysError('ENOBUFS', 'setkey')
    this.sas.push({
      src: copyAddr(sa.src),
      dst: copyAddr(sa.dst),
      spi: sa.spi >>> 0,
      key: Uint8Array.from(sa.key),
    })
  }

  private find(src: SigAddr, dst: SigAddr, spi: number): number {
    return this.sas.findIndex((s) => sameAddr(s.src, src) && sameAddr(s.dst, dst) && s.spi === spi >>> 0)
  }

  /** SADB_DELETE: ESRCH when there is no such association. */
  delete(src: SigAddr, dst: SigAddr, spi: number): void {
    const i = this.find(src, dst, spi)
    if (i < 0) throw new SysError('ESRCH', 'setkey')
    this.sas.splice(i, 1)
  }

  /** SADB_FLUSH. */
  flush(): void {
    this.sas.length = 0
  }

  /** SADB_DUMP (control plane: copies). */
  list(): TcpMd5Sa[] {
    return this.sas.map((s) => ({
      ...s,
      src: copyAddr(s.src),
      dst: copyAddr(s.dst),
      key: Uint8Array.from(s.key),
    }))
  }

  /** key_allocsa_tcpmd5: the key for segments from src to dst, or null. */
  lookup(src: SigAddr, dst: SigAddr): Uint8Array | null {
    const sas = this.sas
    for (let i = 0; i < sas.length; i++) {
      const s = sas[i]!
      if (sameAddr(s.src, src) && sameAddr(s.dst, dst)) return s.key
    }
    return null
  }
}

export const keyModule: VnetModule<KeyDb> = {
  name: 'key',
  slot: Slot.KEY,
  create: () => new KeyDb(),
  sysctls: [],
}

export function keyDb(v: Vnet): KeyDb {
  return vstate(v, keyModule)
}
