/**
 * The kernel side of ipfw(8)'s sockopts that carry rules (FreeBSD's ip_fw_sockopt.c): the check
 * every rule handed in passes before the chain takes it (check_ipfw_rule_body: opcodes, arguments,
 * lists, table names, actions' ranges), giving the kernel its own copy, and the copy-out of an
 * installed rule with its counters for `ipfw list`.
 *
 * Pure functions over rule data: no chain state, nothing per packet.
 */

import { SysError } from '../../../util/errno.js'
import type { KRule } from './ip_fw_chain.js'
import {
  A,
  A_IMPLEMENTED,
  IPFW_DEFAULT_RULE,
  type IpfwInsn,
  type IpfwRuleInfo,
  type IpfwRuleSpec,
  LOOKUP_KEY,
  O,
  RESVD_SET,
  tableRefOf,
} from './ip_fw_rule.js'
import { tableNameValid } from './table/ip_fw_table.js'

export function ruleInfo(r: KRule): IpfwRuleInfo {
  return {
    ...r.spec,
    insns: r.spec.insns.map((i) => ({ ...i, list: [...i.list] })),
    pcnt: r.pcnt,
    bcnt: r.bcnt,
    timestamp: Math.floor(r.timestamp / 1e9),
  }
}

const OPCODES: ReadonlySet<number> = new Set(Object.values(O))
const LOOKUP_KEYS: ReadonlySet<number> = new Set(Object.values(LOOKUP_KEY))

/** check_ipfw_rule_body: the kernel trusts nothing it is handed; returns its own copy. */
export function checkRule(s: IpfwRuleSpec, numFibs: number): IpfwRuleSpec {
  const bad = (): never => {
    throw new SysError('EINVAL', 'ipfw')
  }
  const int = (n: unknown, lo: number, hi: number) =>
    typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi
  if (!int(s.num, 0, IPFW_DEFAULT_RULE - 1) || !int(s.set, 0, RESVD_SET - 1)) bad()
  if (typeof s.prob !== 'number' || !(s.prob > 0 && s.prob <= 1)) bad()
  if (!Array.isArray(s.insns) || s.insns.length > 256) bad()
  if (!A_IMPLEMENTED.has(s.action)) throw new SysError('EOPNOTSUPP', 'ipfw')
  if ((s.action === A.SKIPTO || s.action === A.CALL) && !int(s.actionArg, 0, IPFW_DEFAULT_RULE)) bad()
  if (s.action === A.REJECT && !int(s.actionArg, 0, 255)) bad()
  if (s.action === A.UNREACH6 && !int(s.actionArg, 0, 0x100)) bad()
  // check_ipfw_rule_body: "invalid fib number" at or past net.fibs.
  if (s.action === A.SETFIB && !int(s.actionArg, 0, numFibs - 1)) bad()
  if (s.action === A.FORWARD && (!int(s.fwdAddr, 1, 0xffffffff) || !int(s.fwdPort, 0, 0xffff))) bad()
  if ((s.action === A.PIPE || s.action === A.QUEUE) && !int(s.actionArg, 0, 65535)) bad()
  if ((s.action === A.DIVERT || s.action === A.TEE) && !int(s.actionArg, 0, 65535)) bad()
  const insns: IpfwInsn[] = []
  for (const i of s.insns) {
    if (!OPCODES.has(i.op) || !int(i.arg, -0x80000000, 0xffffffff) || !int(i.arg2, -0x80000000, 0xffffffff))
      bad()
    if (!Array.isArray(i.list) || i.list.length > 512 || i.list.length % 2 !== 0) bad()
    for (const n of i.list) if (!int(n, 0, 0xffffffff)) bad()
    if (typeof i.name !== 'string' || i.name.length > 63) bad()
    const ref = tableRefOf(i)
    if (ref !== null && !tableNameValid(ref.name)) bad()
    if (i.op === O.LOOKUP && !LOOKUP_KEYS.has(i.arg)) bad()
    if ((i.op === O.IP6_SRC || i.op === O.IP6_DST) && (i.list.length === 0 || i.list.length % 8 !== 0)) bad()
    if (i.op === O.ICMP6TYPE && i.list.length !== 8) bad()
    insns.push({
      op: i.op,
      not: i.not === true,
      or: i.or === true,
      arg: i.arg >>> 0,
      arg2: i.arg2 >>> 0,
      list: i.list.map((n) => n >>> 0),
      name: i.name,
    })
  }
  // Address pairs are stored masked, so matching is one AND and one compare.
  for (const i of insns)
    if (i.op === O.IP_SRC || i.op === O.IP_DST)
      for (let k = 0; k < i.list.length; k += 2) i.list[k] = (i.list[k]! & i.list[k + 1]!) >>> 0
    else if (i.op === O.IP6_SRC || i.op === O.IP6_DST)
      for (let k = 0; k < i.list.length; k += 8)
        for (let w = 0; w < 4; w++) i.list[k + w] = (i.list[k + w]! & i.list[k + 4 + w]!) >>> 0
  return {
    num: s.num,
    set: s.set,
    prob: s.prob,
    log: s.log === true,
    logAmount: int(s.logAmount, 0, 0xffffffff) ? s.logAmount : 0,
    insns,
    action: s.action,
    actionArg: s.actionArg >>> 0,
    fwdAddr: s.action === A.FORWARD ? s.fwdAddr : 0,
    fwdPort: s.action === A.FORWARD ? s.fwdPort : 0,
    ...(s.noopt === true ? { noopt: true } : {}),
  }
}
