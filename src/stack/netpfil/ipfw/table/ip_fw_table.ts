/**
 * ipfw's lookup tables (FreeBSD's ip_fw_table.c with the addr:radix, number:array and iface:array
 * algorithms): named per-vnet tables with a 32-bit (legacy) value per entry — IPv4 prefixes looked
 * up by `from table(N)`, `to table(N,V)` and `lookup dst-ip N`; numbers (a /32 of the same
 * structure) by `lookup dst-port|src-port|dscp N`; interface names by `recv|xmit|via table(N)` —
 * administered by `ipfw table N ...`.
 *
 * Lookup is a longest-prefix match in O(log n) that allocates nothing: the prefixes are flattened
 * into disjoint address intervals (each carrying the most specific prefix covering it) kept in
 * typed arrays and binary-searched (from a /16 index when there are many). A change only marks the
 * table stale; the intervals are rebuilt on the next lookup, so loading 100,000 entries one command
 * at a time costs one rebuild, not 100,000. It must not touch packets beyond reading an address,
 * nor throw on the packet path.
 */

import { SysError } from '../../../../util/errno.js'
import { type IpfwInsn, type TableType, tableRefOf } from '../ip_fw_rule.js'
import { Table6 } from './ip_fw_table6.js'

/** One entry as ipfw(8) sends and gets it: a prefix, a number (addr, len 32) or an interface name. */
export interface IpfwTableEntry {
  addr: number
  len: number
  value: number
  /** The key of an iface table. */
  iface?: string
  /** An IPv6 prefix of an addr table: four big-endian words (addr is then unused), len 0..128. */
  addr6?: number[]
}

const TYPES: readonly string[] = ['addr', 'number', 'iface']

/** ipfw_xtable_info as `ipfw table N info` prints it. */
export interface IpfwTableInfo {
  name: string
  set: number
  kidx: number
  type: string
  refcnt: number
  count: number
  limit: number
  /** Bytes ipfw(8) would need to list it (header + info + 120 per entry, as FreeBSD's export). */
  size: number
  algo: string
  locked: boolean
}

/** `ipfw table ...` as one request (the IP_FW_TABLE_X* sockopts); `name` is ignored by `all`. */
export interface IpfwTableRequest {
  op: 'table'
  cmd:
    | 'create'
    | 'destroy'
    | 'flush'
    | 'info'
    | 'list'
    | 'all'
    | 'add'
    | 'delete'
    | 'lookup'
    | 'modify'
    | 'swap'
  name: string
  /** create: type, limit, set, locked; modify: limit and/or locked (each only when given). */
  type?: string
  limit?: number
  set?: number
  locked?: boolean
  /** add/delete (lookup: one entry, its address). */
  entries?: IpfwTableEntry[]
  /** add: replace existing entries' values (ipfw -q sets IPFW_TF_UPDATE). */
  update?: boolean
  /** add: all or nothing (IPFW_CTF_ATOMIC): a failure reverts the entries added before it. */
  atomic?: boolean
  /** swap: the other table. */
  other?: string
}

/** Per-entry outcome of add/delete (IPFW_TR_*); `ignored` is an entry never reached. */
export type TableResult = 'added' | 'updated' | 'deleted' | 'exists' | 'notfound' | 'limit' | 'ignored'

/** sizeof(ipfw_obj_header) + sizeof(ipfw_xtable_info), and sizeof(ipfw_obj_tentry). */
const INFO_SIZE = 96 + 200
const TENTRY_SIZE = 120

const maskOf = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0)

export class IpfwTable {
  readonly name: string
  readonly set: number
  readonly kidx: number
  readonly type: TableType
  limit: number
  locked = false
  /** Rules referring to the table (a referenced table cannot be destroyed). */
  refcnt = 0
  /** Entries keyed by addr * 33 + len (exact, below 2^53). */
  private entries = new Map<number, number>()
  /** An iface table's entries by name. */
  private names = new Map<string, number>()
  /** An addr table's IPv6 prefixes. */
  private v6 = new Table6()
  private stale = true
  /** Interval starts, ascending; interval k is [starts[k], starts[k+1]). */
  private starts = new Uint32Array(1)
  /** Index into `values` of the most specific prefix covering interval k, or -1. */
  private hit = new Int32Array(1).fill(-1)
  private values = new Uint32Array(0)
  private nIntervals = 1
  /**
   * For each /16 h, the interval holding address h << 16 (FAN + 1 entries; the last is the final
   * interval): a lookup binary-searches only between idx[h] and idx[h + 1], a handful of steps for a
   * table of 100,000 prefixes. Built with the intervals when there are more than FAN_MIN of them.
   */
  private idx: Int32Array | null = null
  /** Told of every change to the IPv4 entries (the fast pass's memo depends on them). */
  private readonly owner: IpfwTables | null

  constructor(
    name: string,
    set: number,
    kidx: number,
    limit: number,
    type: TableType = 'addr',
    owner: IpfwTables | null = null,
  ) {
    this.name = name
    this.set = set
    this.kidx = kidx
    this.limit = limit
    this.type = type
    this.owner = owner
  }

  /** The IPv4 entries changed: rebuild the intervals on the next lookup, and tell the tables. */
  private touch(): void {
    this.stale = true
    this.owner?.onChange?.()
  }

  get count(): number {
    return this.entries.size + this.names.size + this.v6.size
  }

  /** Add or (update) replace one key; a prefix is masked to its length as the radix does. */
  add(e: IpfwTableEntry, update: boolean): TableResult {
    if (e.iface !== undefined) {
      if (this.names.has(e.iface) && !update) return 'exists'
      if (!this.names.has(e.iface) && this.limit !== 0 && this.count >= this.limit) return 'limit'
      const r = this.names.has(e.iface) ? 'updated' : 'added'
      this.names.set(e.iface, e.value >>> 0)
      return r
    }
    if (e.addr6 !== undefined) {
      const had = this.v6.has(e.addr6, e.len)
      if (had && !update) return 'exists'
      if (!had && this.limit !== 0 && this.count >= this.limit) return 'limit'
      this.v6.set(e.addr6, e.len, e.value)
      return had ? 'updated' : 'added'
    }
    const key = (e.addr & maskOf(e.len)) >>> 0
    const k = key * 33 + e.len
    if (this.entries.has(k)) {
      if (!update) return 'exists'
      this.entries.set(k, e.value >>> 0)
      this.touch()
      return 'updated'
    }
    if (this.limit !== 0 && this.entries.size >= this.limit) return 'limit'
    this.entries.set(k, e.value >>> 0)
    this.touch()
    return 'added'
  }

  /** The value stored under exactly this prefix, if any (an atomic add's undo record). */
  exact(e: IpfwTableEntry): number | undefined {
    if (e.iface !== undefined) return this.names.get(e.iface)
    if (e.addr6 !== undefined) return this.v6.get(e.addr6, e.len)
    return this.entries.get(((e.addr & maskOf(e.len)) >>> 0) * 33 + e.len)
  }

  /**
   * swap_tables: the two exchange their contents; names, indexes, rule references, limits and
   * locks stay. Rules referring to either see the other's entries from the next packet on.
   */
  swapContents(o: IpfwTable): void {
    const e = this.entries
    this.entries = o.entries
    o.entries = e
    const n = this.names
    this.names = o.names
    o.names = n
    this.v6.swap(o.v6)
    this.touch()
    o.touch()
  }

  delete(e: IpfwTableEntry): TableResult {
    if (e.iface !== undefined) return this.names.delete(e.iface) ? 'deleted' : 'notfound'
    if (e.addr6 !== undefined) return this.v6.delete(e.addr6, e.len) ? 'deleted' : 'notfound'
    const k = ((e.addr & maskOf(e.len)) >>> 0) * 33 + e.len
    if (!this.entries.delete(k)) return 'notfound'
    this.touch()
    return 'deleted'
  }

  flush(): void {
    this.entries.clear()
    this.names.clear()
    this.v6.clear()
    this.touch()
  }

  /** The entries in radix walk order (address, then length), or by name. Control plane: allocates. */
  list(): IpfwTableEntry[] {
    const out: IpfwTableEntry[] = []
    if (this.type === 'iface') {
      for (const [iface, value] of this.names) out.push({ addr: 0, len: 0, value, iface })
      return out.sort((a, b) => (a.iface! < b.iface! ? -1 : a.iface! > b.iface! ? 1 : 0))
    }
    for (const [k, value] of this.entries) {
      const len = k % 33
      out.push({ addr: (k - len) / 33, len, value })
    }
    out.sort((a, b) => a.addr - b.addr || a.len - b.len)
    // The inet6 radix head is walked after the inet one.
    for (const e of this.v6.list()) out.push({ addr: 0, len: e.len, value: e.value, addr6: e.addr6 })
    return out
  }

  info(): IpfwTableInfo {
    return {
      name: this.name,
      set: this.set,
      kidx: this.kidx,
      type: this.type,
      refcnt: this.refcnt,
      count: this.count,
      limit: this.limit,
      size: INFO_SIZE + TENTRY_SIZE * this.count,
      algo: `${this.type}:${this.type === 'addr' ? 'radix' : 'array'}`,
      locked: this.locked,
    }
  }

  /**
   * Longest-prefix match: the index of the matching entry's value (read it with value()), or -1.
   * Allocation-free once the intervals are built.
   */
  lookup(addr: number): number {
    if (this.stale) this.rebuild()
    // The packet path passes int32 addresses; the intervals are unsigned.
    const a = addr >>> 0
    const s = this.starts
    const idx = this.idx
    let lo = 0
    let hi = this.nIntervals - 1
    if (idx !== null) {
      const h = a >>> 16
      lo = idx[h]!
      hi = idx[h + 1]!
    }
    // The last interval whose start is ≤ addr (starts[0] is 0, so one always exists).
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (s[mid]! <= a) lo = mid
      else hi = mid - 1
    }
    return this.hit[lo]!
  }

  value(i: number): number {
    return this.values[i]!
  }

  /** Longest-prefix match of the IPv6 address a[at..at+3]: an index for value6(), or -1. */
  lookup6(a: Uint32Array, at: number): number {
    return this.v6.lookup(a, at)
  }

  value6(i: number): number {
    return this.v6.value(i)
  }

  /** An iface table holds this interface name (a Map probe on the name: no allocation). */
  hasIface(name: string): boolean {
    return this.names.has(name)
  }

  /** Flatten the prefixes into disjoint intervals, innermost prefix winning (a sweep with a stack). */
  private rebuild(): void {
    const list = this.list().filter((e) => e.addr6 === undefined)
    const n = list.length
    this.values = new Uint32Array(n)
    for (let i = 0; i < n; i++) this.values[i] = list[i]!.value
    // At most 2n + 1 intervals: each prefix opens one and closes one.
    const starts = new Uint32Array(2 * n + 1)
    const hit = new Int32Array(2 * n + 1)
    let m = 0
    const emit = (start: number, h: number) => {
      if (m > 0 && starts[m - 1] === start) hit[m - 1] = h
      else if (m > 0 && hit[m - 1] === h) return
      else {
        starts[m] = start
        hit[m++] = h
      }
    }
    // Stack of open prefixes (index into list) with their last address.
    const stack: number[] = []
    const ends: number[] = []
    emit(0, -1)
    for (let i = 0; i < n; i++) {
      const e = list[i]!
      const end = e.addr + 2 ** (32 - e.len) - 1
      // Close the prefixes that end before this one starts.
      while (stack.length > 0 && ends[ends.length - 1]! < e.addr) {
        const closedEnd = ends.pop()!
        stack.pop()
        if (closedEnd + 1 <= 0xffffffff) emit(closedEnd + 1, stack.length > 0 ? stack[stack.length - 1]! : -1)
      }
      stack.push(i)
      ends.push(end)
      emit(e.addr, i)
    }
    while (stack.length > 0) {
      const closedEnd = ends.pop()!
      stack.pop()
      if (closedEnd + 1 <= 0xffffffff) emit(closedEnd + 1, stack.length > 0 ? stack[stack.length - 1]! : -1)
    }
    this.starts = starts
    this.hit = hit
    this.nIntervals = m
    this.idx = m > FAN_MIN ? fanIndex(starts, m) : null
    this.stale = false
  }
}

/** Intervals above which a table gets its /16 index (below, the binary search is as short). */
const FAN_MIN = 64
const FAN = 1 << 16

/** IpfwTable.idx for the m intervals of starts: idx[h] is the last interval starting at or below h << 16. */
function fanIndex(starts: Uint32Array, m: number): Int32Array {
  const idx = new Int32Array(FAN + 1)
  let k = 0
  for (let h = 0; h < FAN; h++) {
    const at = h * FAN
    while (k + 1 < m && starts[k + 1]! <= at) k++
    idx[h] = k
  }
  idx[FAN] = m - 1
  return idx
}

/** The valid table names (ipfw_check_object_name): letters, digits, `_-.`, under 64 characters. */
export function tableNameValid(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,63}$/.test(name) && name !== 'all'
}

/** One vnet's tables (V_layer3_chain's tables namespace). */
export class IpfwTables {
  private readonly byName = new Map<string, IpfwTable>()
  /** Bit per used kernel index; index 0 stays reserved as FreeBSD's. */
  private readonly used = new Set<number>()
  /** net.inet.ip.fw.tables_max. */
  tablesMax = 128
  /** Called after any change to a table's IPv4 entries (the chain makes its fast pass forget). */
  onChange: (() => void) | null = null

  get(name: string): IpfwTable | undefined {
    return this.byName.get(name)
  }

  /** IP_FW_TABLE_XCREATE; EEXIST when it exists (ipfw(8) handles `missing`). */
  create(name: string, set: number, type: string, limit: number, locked = false): IpfwTable {
    if (!tableNameValid(name)) throw new SysError('EINVAL', 'table')
    if (this.byName.has(name)) throw new SysError('EEXIST', 'table')
    // mac and flow tables (and IPv6 keys) are not here.
    if (!TYPES.includes(type)) throw new SysError('EOPNOTSUPP', 'table')
    if (this.byName.size >= this.tablesMax) throw new SysError('ENOSPC', 'table')
    let kidx = 1
    while (this.used.has(kidx)) kidx++
    this.used.add(kidx)
    const t = new IpfwTable(name, set, kidx, limit, type as TableType, this)
    t.locked = locked
    this.byName.set(name, t)
    return t
  }

  /** IP_FW_TABLE_XDESTROY: ESRCH when absent, EBUSY while a rule refers to it. */
  destroy(name: string): void {
    const t = this.need(name)
    if (t.refcnt > 0) throw new SysError('EBUSY', 'table')
    this.byName.delete(name)
    this.used.delete(t.kidx)
  }

  need(name: string): IpfwTable {
    const t = this.byName.get(name)
    if (t === undefined) throw new SysError('ESRCH', 'table')
    return t
  }

  /** All tables, in ipfw's order (stringnum_cmp: numbers by value, then names). */
  all(): IpfwTable[] {
    return [...this.byName.values()].sort((a, b) => stringnumCmp(a.name, b.name))
  }

  /** A rule referring to `name` is added: the table is created for it if missing (compat). */
  ref(name: string, type: TableType): void {
    const t = this.byName.get(name) ?? this.create(name, 0, type, 0)
    t.refcnt++
  }

  unref(name: string): void {
    const t = this.byName.get(name)
    if (t !== undefined && t.refcnt > 0) t.refcnt--
  }
}

/** stringnum_cmp of ipfw2.c: shorter strings first (so 2 < 10), then bytewise. */
function stringnumCmp(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Take (dir 1) or drop (dir -1) the references a rule's instructions hold on tables: a referenced
 * table cannot be destroyed, and a rule naming a missing table creates it (FreeBSD's compat layer).
 */
export function ruleTables(tables: IpfwTables, insns: readonly IpfwInsn[], dir: 1 | -1): void {
  for (const i of insns) {
    const ref = tableRefOf(i)
    if (ref === null) continue
    if (dir > 0) tables.ref(ref.name, ref.type)
    else tables.unref(ref.name)
  }
}

/**
 * Rules may refer only to tables of the type their opcodes look up (EINVAL, as FreeBSD's
 * ipfw_rewrite_table_uidx), existing ones or ones the batch itself would create.
 */
export function checkRuleTables(tables: IpfwTables, insns: readonly IpfwInsn[]): void {
  const wanted = new Map<string, TableType>()
  for (const i of insns) {
    const ref = tableRefOf(i)
    if (ref === null) continue
    const type = tables.get(ref.name)?.type ?? wanted.get(ref.name) ?? ref.type
    if (type !== ref.type) throw new SysError('EINVAL', 'ipfw')
    wanted.set(ref.name, type)
  }
}
