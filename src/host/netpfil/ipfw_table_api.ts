/**
 * The table sockopts of ipfw (IP_FW_TABLE_XCREATE/XDESTROY/XFLUSH/XINFO/XLIST/XADD/XDEL/XFIND/
 * XMODIFY/XSWAP and IP_FW_TABLES_XLIST of ip_fw_table.c) on the caller's vnet, after ipfw_api.ts
 * has checked the credential and the module. Add and delete report a result per entry and the first
 * failure instead of throwing, so ipfw(8) can print `added:`/`exists:` lines before its error, as
 * it does; an atomic add that fails takes back what it added or updated before the failure.
 */

import type { TableType } from '../../stack/netpfil/ipfw/ip_fw_rule.js'
import type { IpfwTable, IpfwTables } from '../../stack/netpfil/ipfw/table/ip_fw_table.js'
import { SysError } from '../../util/errno.js'
import type { IpfwReply, IpfwTableEntry, IpfwTableRequest, TableResult } from '../syscalls.js'

/** The request's entries, checked against the table's key type (a number is a /32 of its own). */
function entries(req: IpfwTableRequest, type: TableType): IpfwTableEntry[] {
  const list = req.entries
  if (!Array.isArray(list) || list.length === 0 || list.length > 1_000_000)
    throw new SysError('EINVAL', 'table')
  const u32 = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffffffff
  const out: IpfwTableEntry[] = []
  for (const e of list) {
    if (!u32(e.value)) throw new SysError('EINVAL', 'table')
    if (type === 'iface') {
      // IF_NAMESIZE: 15 characters and the NUL.
      if (typeof e.iface !== 'string' || !/^[\x21-\x7e]{1,15}$/.test(e.iface))
        throw new SysError('EINVAL', 'table')
      out.push({ addr: 0, len: 0, value: e.value, iface: e.iface })
      continue
    }
    if (e.addr6 !== undefined) {
      // An IPv6 prefix: addr tables only, four words, a length up to 128.
      if (
        type !== 'addr' ||
        !Array.isArray(e.addr6) ||
        e.addr6.length !== 4 ||
        !e.addr6.every(u32) ||
        !Number.isInteger(e.len) ||
        e.len < 0 ||
        e.len > 128
      )
        throw new SysError('EINVAL', 'table')
      out.push({ addr: 0, len: e.len, value: e.value, addr6: [...e.addr6] })
      continue
    }
    const len = type === 'number' ? 32 : e.len
    if (e.iface !== undefined || !u32(e.addr) || !Number.isInteger(len) || len < 0 || len > 32)
      throw new SysError('EINVAL', 'table')
    out.push({ addr: e.addr, len, value: e.value })
  }
  return out
}

export function ipfwTableCtl(tables: IpfwTables, req: IpfwTableRequest): IpfwReply {
  switch (req.cmd) {
    case 'all':
      return { tables: tables.all().map((t) => t.info()) }
    case 'create': {
      const limit = req.limit ?? 0
      const set = req.set ?? 0
      if (!limitOk(limit) || !Number.isInteger(set) || set < 0 || set > 30)
        throw new SysError('EINVAL', 'table')
      tables.create(req.name, set, req.type ?? 'addr', limit, req.locked === true)
      return {}
    }
    case 'modify': {
      // modify_table: only the fields asked for change (IPFW_TMFLAGS_LIMIT, IPFW_TMFLAGS_LOCK).
      const t = tables.need(req.name)
      if (req.limit !== undefined && !limitOk(req.limit)) throw new SysError('EINVAL', 'table')
      if (req.limit !== undefined) t.limit = req.limit
      if (req.locked !== undefined) t.locked = req.locked
      return {}
    }
    case 'swap': {
      // swap_tables: both must exist and be of one type; neither may end up over its limit.
      const a = tables.need(req.name)
      const b = tables.need(req.other ?? '')
      if (a === b) return {}
      if (a.type !== b.type) throw new SysError('EINVAL', 'table')
      if ((a.limit !== 0 && b.count > a.limit) || (b.limit !== 0 && a.count > b.limit))
        throw new SysError('EFBIG', 'table')
      a.swapContents(b)
      return {}
    }
    case 'destroy':
      tables.destroy(req.name)
      return {}
    case 'flush':
      tables.need(req.name).flush()
      return {}
    case 'info':
      return { tables: [tables.need(req.name).info()] }
    case 'list': {
      const t = tables.need(req.name)
      return { tables: [t.info()], entries: t.list() }
    }
    case 'lookup': {
      const t = tables.need(req.name)
      const [e] = entries(req, t.type)
      if (t.type === 'iface') {
        if (!t.hasIface(e!.iface!)) throw new SysError('ENOENT', 'table')
        return { tables: [t.info()], entries: [{ ...e!, value: t.exact(e!)! }] }
      }
      if (e!.addr6 !== undefined) {
        const j = t.lookup6(Uint32Array.from(e!.addr6), 0)
        if (j < 0) throw new SysError('ENOENT', 'table')
        // lookup6() indexes the IPv6 entries in their list() order, after the IPv4 ones.
        const best6 = t.list().filter((x) => x.addr6 !== undefined)[j]!
        return { tables: [t.info()], entries: [best6] }
      }
      const i = t.lookup(e!.addr)
      if (i < 0) throw new SysError('ENOENT', 'table')
      // lookup() indexes the entries in list() order (both sort by address, then length).
      const best = t.list()[i]!
      return { tables: [t.info()], entries: [best] }
    }
    case 'add':
    case 'delete':
      return modifyRecords(tables.need(req.name), req)
  }
}

const limitOk = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff

const FAILURE: Partial<Record<TableResult, NonNullable<IpfwReply['tableError']>>> = {
  exists: 'EEXIST',
  notfound: 'ENOENT',
  limit: 'EFBIG',
}

/** add_table_entry / del_table_entry over a batch. */
function modifyRecords(t: IpfwTable, req: IpfwTableRequest): IpfwReply {
  const list = entries(req, t.type)
  const add = req.cmd === 'add'
  const results: TableResult[] = list.map(() => 'ignored')
  const reply = (tableError?: IpfwReply['tableError']): IpfwReply => ({
    tables: [t.info()],
    entries: list,
    results,
    ...(tableError ? { tableError } : {}),
  })
  // find_ref_table: a locked table refuses the whole request before any entry is looked at.
  if (t.locked) return reply('EACCES')
  // The undo record of an atomic add: each key it touched, with its value before (undefined: new).
  const undo: { e: IpfwTableEntry; before: number | undefined }[] = []
  let first: IpfwReply['tableError']
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!
    const before = add && req.atomic === true ? t.exact(e) : undefined
    const r = add ? t.add(e, req.update === true) : t.delete(e)
    results[i] = r
    const failure = FAILURE[r]
    if (failure === undefined) {
      if (add && req.atomic === true) undo.push({ e, before })
      continue
    }
    first ??= failure
    if (add && req.atomic === true) {
      // rollback_added_entries: the rest stay `ignored`; the done ones print as reverted.
      for (const u of undo) {
        if (u.before === undefined) t.delete(u.e)
        else t.add({ ...u.e, value: u.before }, true)
      }
      break
    }
  }
  return reply(first)
}
