/**
 * The table sockopts of ipfw (IP_FW_TABLE_XCREATE/XDESTROY/XFLUSH/XINFO/XLIST/XADD/XDEL/XFIND and
 * IP_FW_TABLES_XLIST of ip_fw_table.c) on the caller's vnet, after ipfw_api.ts has checked the
 * credential and the module. Add and delete report a result per entry and the first failure
 * instead of throwing, so ipfw(8) can print `added:`/`exists:` lines before its error, as it does.
 */

import type { IpfwTables } from '../stack/netpfil/ipfw/ip_fw_table.js'
import { SysError } from '../util/errno.js'
import type { IpfwReply, IpfwTableEntry, IpfwTableRequest, TableResult } from './syscalls.js'

function entries(req: IpfwTableRequest): IpfwTableEntry[] {
  const list = req.entries
  if (!Array.isArray(list) || list.length === 0 || list.length > 1_000_000)
    throw new SysError('EINVAL', 'table')
  const out: IpfwTableEntry[] = []
  for (const e of list) {
    const ok =
      Number.isInteger(e.addr) &&
      e.addr >= 0 &&
      e.addr <= 0xffffffff &&
      Number.isInteger(e.len) &&
      e.len >= 0 &&
      e.len <= 32 &&
      Number.isInteger(e.value) &&
      e.value >= 0 &&
      e.value <= 0xffffffff
    if (!ok) throw new SysError('EINVAL', 'table')
    out.push({ addr: e.addr, len: e.len, value: e.value })
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
      if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(set) || set < 0 || set > 30)
        throw new SysError('EINVAL', 'table')
      tables.create(req.name, set, req.type ?? 'addr', limit)
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
      const [e] = entries(req)
      const i = t.lookup(e!.addr)
      if (i < 0) throw new SysError('ENOENT', 'table')
      // lookup() indexes the entries in list() order (both sort by address, then length).
      const best = t.list()[i]!
      return { tables: [t.info()], entries: [best] }
    }
    case 'add':
    case 'delete': {
      const t = tables.need(req.name)
      const list = entries(req)
      const results: TableResult[] = []
      let tableError: IpfwReply['tableError']
      for (const e of list) {
        const r = req.cmd === 'add' ? t.add(e, req.update === true) : t.delete(e)
        results.push(r)
        if (tableError === undefined) {
          if (r === 'exists') tableError = 'EEXIST'
          else if (r === 'notfound') tableError = 'ENOENT'
          else if (r === 'limit') tableError = 'EFBIG'
        }
      }
      return { tables: [t.info()], entries: list, results, ...(tableError ? { tableError } : {}) }
    }
  }
}
