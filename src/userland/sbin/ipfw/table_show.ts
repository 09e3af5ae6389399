/**
 * How ipfw(8) prints tables (tables.c's table_show_info, table_show_entry and fill_table's rule
 * form): `table(N[,V])` inside rules, `ADDR/LEN VALUE` entries and the `info` block. Pure
 * formatting: no kernel calls.
 */

import type { IpfwInsn, IpfwTableEntry, IpfwTableInfo } from '../../../host/syscalls.js'
import { formatIpv4 } from '../../../wire/addr.js'
import { formatWords6 } from './compile6.js'

/** `table(NAME)` or `table(NAME,VALUE)` as a rule's address. */
export function printTableRef(i: IpfwInsn): string {
  return (i.arg2 & 1) !== 0 ? `table(${i.name},${i.arg >>> 0})` : `table(${i.name})`
}

/** table_show_entry with a legacy value: `ADDR/LEN V`, `NUMBER V` or `IFNAME V` by the table's type. */
export function showEntry(e: IpfwTableEntry, type: string): string {
  const key =
    type === 'iface'
      ? e.iface
      : type === 'number'
        ? String(e.addr >>> 0)
        : e.addr6 !== undefined
          ? `${formatWords6(e.addr6)}/${e.len}`
          : `${formatIpv4(e.addr)}/${e.len}`
  return `${key} ${e.value >>> 0}`
}

export function showHeader(t: IpfwTableInfo): string {
  return `--- table(${t.name}), set(${t.set}) ---\n`
}

/** table_show_info. */
export function showInfo(t: IpfwTableInfo): string {
  let s = showHeader(t)
  s += ` kindex: ${t.kidx}, type: ${t.type}${t.locked ? ', locked' : ''}\n`
  s += ` references: ${t.refcnt}, valtype: legacy\n`
  s += ` algorithm: ${t.algo}\n`
  s += ` items: ${t.count}, size: ${t.size}\n`
  if (t.limit > 0) s += ` limit: ${t.limit}\n`
  return s
}
