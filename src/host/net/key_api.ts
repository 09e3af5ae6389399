/**
 * The PF_KEY interface setkey(8) uses (FreeBSD's keysock.c and key.c SADB_ADD/DELETE/FLUSH/DUMP)
 * for TCP-MD5 associations: a key socket needs root and raw-socket rights (PRIV_NET_RAW), which a
 * vnet jail's root holds for its own stack; every request acts on the caller's vnet only.
 */

import type { Prison } from '../../jail/prison.js'
import type { Cred } from '../../jail/priv.js'
import { keyDb, type TcpMd5Sa } from '../../stack/netipsec/key.js'
import { SysError } from '../../util/errno.js'
import type { SigAddr } from '../../wire/inet/tcp_md5.js'
import type { Host } from '../host.js'

export type KeyRequest =
  | { op: 'add'; sa: TcpMd5Sa }
  | { op: 'delete'; src: SigAddr; dst: SigAddr; spi: number }
  | { op: 'flush' }
  | { op: 'dump' }

export function keyCtl(_host: Host, cred: Cred, req: KeyRequest): TcpMd5Sa[] {
  const pr: Prison = cred.prison
  if (pr.dying) throw new SysError('ESRCH', 'jail')
  if (!(cred.uid === 0 && (pr.parent === null || pr.ownsVnet || pr.allowRawSockets)))
    throw new SysError('EPERM', 'socket')
  const db = keyDb(pr.vnet)
  switch (req.op) {
    case 'add':
      db.add(req.sa)
      return []
    case 'delete':
      db.delete(req.src, req.dst, req.spi)
      return []
    case 'flush':
      db.flush()
      return []
    case 'dump':
      return db.list()
    default:
      throw new SysError('EINVAL', 'setkey')
  }
}
