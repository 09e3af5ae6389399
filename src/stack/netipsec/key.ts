/**
 * The security association database as far as TCP-MD5 needs it (FreeBSD's netipsec/key.c with
 * SADB_X_SATYPE_TCPSIGNATURE): per vnet, as V_sahtree is, filled by setkey(8) with
 * `add SRC DST tcp SPI -A tcp-md5 KEY`. TCP looks up the key for a segment's (source, destination)
 * pair (key_allocsa_tcpmd5) to sign or check it; nothing else is kept (no ESP/AH, no SPD).
 *
 * Bounded: at most SADB_MAX associations per vnet. Control-plane operations throw SysError; the
 * lookup on the packet path allocates nothing and never throws.
 */

import { SysError } from '../../util/errno.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../net/vnet.js'

/** TCP_KEYLEN_MAX of xform_tcp.c: the longest TCP-MD5 key. */
export const TCP_KEYLEN_MAX = 80
/** How many associations one vnet may hold. */
export const SADB_MAX = 4096

/** One TCP-MD5 association as setkey adds and dumps it. */
export interface TcpMd5Sa {
  readonly src: number
  readonly dst: number
  readonly spi: number
  readonly key: Uint8Array
}

export class KeyDb {
  private readonly sas: TcpMd5Sa[] = []

  /** SADB_ADD: EEXIST for the same (src, dst, spi). */
  add(sa: TcpMd5Sa): void {
    if (sa.key.length === 0 || sa.key.length > TCP_KEYLEN_MAX) throw new SysError('EINVAL', 'setkey')
    if (this.sas.some((s) => s.src === sa.src && s.dst === sa.dst && s.spi === sa.spi))
      throw new SysError('EEXIST', 'setkey')
    if (this.sas.length >= SADB_MAX) throw new SysError('ENOBUFS', 'setkey')
    this.sas.push({ src: sa.src >>> 0, dst: sa.dst >>> 0, spi: sa.spi >>> 0, key: Uint8Array.from(sa.key) })
  }

  /** SADB_DELETE: ESRCH when there is no such association. */
  delete(src: number, dst: number, spi: number): void {
    const i = this.sas.findIndex((s) => s.src === src >>> 0 && s.dst === dst >>> 0 && s.spi === spi >>> 0)
    if (i < 0) throw new SysError('ESRCH', 'setkey')
    this.sas.splice(i, 1)
  }

  /** SADB_FLUSH. */
  flush(): void {
    this.sas.length = 0
  }

  /** SADB_DUMP (control plane: copies). */
  list(): TcpMd5Sa[] {
    return this.sas.map((s) => ({ ...s, key: Uint8Array.from(s.key) }))
  }

  /** key_allocsa_tcpmd5: the key for segments from src to dst, or null. */
  lookup(src: number, dst: number): Uint8Array | null {
    const sas = this.sas
    for (let i = 0; i < sas.length; i++) {
      const s = sas[i]!
      if (s.src === src && s.dst === dst) return s.key
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
