/**
 * The rule format shared by the kernel and ipfw(8) (FreeBSD's netinet/ip_fw.h): a rule is a list of
 * match microinstructions, each possibly negated (`not`) or or-ed with the next (`{ a or b }`),
 * followed by one action. ipfw(8) compiles text into this and prints it back; the kernel validates
 * it, copies it into its own form and matches packets against it.
 *
 * Plain data and constants only: no state, no matching, nothing that allocates per packet.
 */

/** Match opcodes (O_* of ip_fw.h; the numbers are VirtNet's own). */
export const O = {
  PROTO: 1,
  /** Addresses: `addrs` holds (address, mask) pairs; any pair matching matches. */
  IP_SRC: 2,
  IP_DST: 3,
  IP_SRC_ME: 4,
  IP_DST_ME: 5,
  /** Ports: `ports` holds (low, high) pairs. */
  IP_SRCPORT: 6,
  IP_DSTPORT: 7,
  /** `in` (negated: `out`). */
  IN: 8,
  /** `name` is an interface (a prefix when it ends in `*`), or with arg2 & IFACE_TABLE a table of them. */
  RECV: 9,
  XMIT: 10,
  VIA: 11,
  ESTAB: 12,
  /** arg = set flags, arg2 = flags that must be clear (`setup` is syn,!ack). */
  TCPFLAGS: 13,
  /** arg = bitmask of ICMP types 0..31. */
  ICMPTYPE: 14,
  FRAG: 15,
  /** Ranges in `ports`. */
  IPLEN: 16,
  IPTTL: 17,
  /** arg = set bits, arg2 = clear bits of the TOS byte. */
  IPTOS: 18,
  /** `keep-state`: install a dynamic rule when the rule matches. */
  KEEP_STATE: 19,
  /** Implicit before the first keep-state rule, explicit as check-state: look up dynamic rules. */
  PROBE_STATE: 20,
  /**
   * Table lookups (O_IP_SRC_LOOKUP/O_IP_DST_LOOKUP): `name` is the table, arg the value to compare
   * when arg2 & 1, arg2 & 2 when written `lookup src-ip|dst-ip N`.
   */
  IP_SRC_LOOKUP: 40,
  IP_DST_LOOKUP: 41,
  /** `limit MASKS N`: arg = limit_mask (LIMIT_MASK bits), arg2 = N; a stateful rule like keep-state. */
  LIMIT: 42,
  /** Layer 2 (ip_fw_l2.ts): `layer2`; `mac-type` ranges in list; `mac` in list (see there). */
  LAYER2: 43,
  MAC_TYPE: 44,
  MAC: 45,
  /** `lookup KEY NAME` in a number table: arg is the LOOKUP_KEY of the packet field looked up. */
  LOOKUP: 46,
  /**
   * IPv6 addresses (O_IP6_SRC/O_IP6_DST and their _MASK forms): `list` holds groups of eight words,
   * the address then the mask, each as four big-endian 32-bit words; any group matching matches.
   */
  IP6_SRC: 50,
  IP6_DST: 51,
  /** `me6`; `me` (IP_SRC_ME/IP_DST_ME) matches our addresses of either family. */
  IP6_SRC_ME: 52,
  IP6_DST_ME: 53,
  /** `icmp6types`: `list` is a bitmask of ICMPv6 types 0..ICMP6_MAXTYPE in eight words. */
  ICMP6TYPE: 54,
  /** `ext6hdr`: arg = EXT6.* bits, any present matches. */
  EXT_HDR: 55,
  /** `flow-id`: `list` holds the 20-bit flow labels. */
  FLOW6ID: 56,
  /** `ip6` / `ip4` as protocol or option: the packet's family. */
  IP6: 57,
  IP4: 58,
} as const

/** The extension-header bits of `ext6hdr` (EXT_* of ip_fw.h). */
export const EXT6 = {
  FRAGMENT: 0x1,
  HOPOPTS: 0x2,
  ROUTING: 0x4,
  AH: 0x8,
  ESP: 0x10,
  DSTOPTS: 0x20,
  RTHDR0: 0x40,
  RTHDR2: 0x80,
} as const

/** ICMP6_MAXTYPE: the highest type `icmp6types` accepts. */
export const ICMP6_MAXTYPE = 201

/** `unreach6`'s pseudo code for `reset6` (ICMP6_UNREACH_RST): answer TCP with a reset. */
export const ICMP6_UNREACH_RST = 0x100

/** arg2 of RECV/XMIT/VIA: `name` is an iface table (`recv table(NAME)`). */
export const IFACE_TABLE = 4

/** The packet fields `lookup` takes to a number table (FreeBSD's LOOKUP_* keys it has here). */
export const LOOKUP_KEY = { DST_PORT: 1, SRC_PORT: 2, DSCP: 3 } as const

/** Table types (IPFW_TABLE_*) VirtNet has. */
export type TableType = 'addr' | 'number' | 'iface'

/** The table an instruction refers to and the type it needs, or null. */
export function tableRefOf(i: IpfwInsn): { name: string; type: TableType } | null {
  if (i.op === O.IP_SRC_LOOKUP || i.op === O.IP_DST_LOOKUP) return { name: i.name, type: 'addr' }
  if (i.op === O.LOOKUP) return { name: i.name, type: 'number' }
  if ((i.op === O.RECV || i.op === O.XMIT || i.op === O.VIA) && (i.arg2 & IFACE_TABLE) !== 0)
    return { name: i.name, type: 'iface' }
  return null
}

export type Opcode = (typeof O)[keyof typeof O]

export const A = {
  ALLOW: 1,
  DENY: 2,
  /** arg = ICMP unreachable code (`reject` is `unreach host`). */
  REJECT: 3,
  RESET: 4,
  COUNT: 5,
  SKIPTO: 6,
  CALL: 7,
  RETURN: 8,
  CHECK_STATE: 9,
  NAT: 10,
  PIPE: 11,
  QUEUE: 12,
  FORWARD: 13,
  SETFIB: 14,
  /** arg = ICMPv6 unreachable code, or ICMP6_UNREACH_RST (`reset6`). */
  UNREACH6: 15,
  /** arg = the divert(4) port. */
  DIVERT: 16,
  TEE: 17,
} as const

export type ActionCode = (typeof A)[keyof typeof A]

/** Actions the kernel accepts today; the others are for the NAT work and later. */
export const A_IMPLEMENTED: ReadonlySet<number> = new Set([
  A.ALLOW,
  A.DENY,
  A.REJECT,
  A.RESET,
  A.COUNT,
  A.SKIPTO,
  A.CALL,
  A.RETURN,
  A.CHECK_STATE,
  A.NAT,
  A.FORWARD,
  A.SETFIB,
  A.PIPE,
  A.QUEUE,
  A.UNREACH6,
  A.DIVERT,
  A.TEE,
])

export interface IpfwInsn {
  op: Opcode
  not: boolean
  /** Or-ed with the next instruction (F_OR). */
  or: boolean
  arg: number
  arg2: number
  /** (address, mask) pairs for IP_SRC/IP_DST; (low, high) pairs for ports, iplen, ipttl. */
  list: number[]
  /** Interface name for RECV/XMIT/VIA; table name for the lookups. */
  name: string
}

export interface IpfwRuleSpec {
  /** 1..65534; 0 asks the kernel for the next number (last rule + net.inet.ip.fw.autoinc_step). */
  num: number
  set: number
  /** Match probability (`prob P`), 1 for always. */
  prob: number
  log: boolean
  /** `log logamount N`; 0 means net.inet.ip.fw.verbose_limit. */
  logAmount: number
  insns: IpfwInsn[]
  action: ActionCode
  /** Code for unreach, rule number for skipto/call, instance for nat/pipe/queue, fib for setfib. */
  actionArg: number
  /** Next hop for fwd (IPv4 address) and its port (0 = none). */
  fwdAddr: number
  fwdPort: number
  /** Written without `PROTO from SRC to DST` (IPFW_RULE_NOOPT): printed back the same way. */
  noopt?: boolean
}

/** A rule as `ipfw list` gets it back: with its counters. */
export interface IpfwRuleInfo extends IpfwRuleSpec {
  pcnt: number
  bcnt: number
  /** Last match, seconds since the epoch of the host clock (0 = never). */
  timestamp: number
}

/** A dynamic rule as `ipfw -d list` shows it. */
export interface IpfwDynInfo {
  rule: number
  pcnt: number
  bcnt: number
  /** Seconds left. */
  expire: number
  proto: number
  src: number
  sport: number
  dst: number
  dport: number
  /** An IPv6 state: the source and destination as eight big-endian words (src and dst are 0). */
  addr6?: number[]
  /** A `limit` rule's state (LIMIT) or its parent (PARENT, with its children count); else STATE. */
  kind?: 'LIMIT' | 'PARENT'
  count?: number
}

/** The highest rule number a user may add; 65535 is the default rule. */
export const IPFW_DEFAULT_RULE = 65535
/** Sets 0..30 hold rules; 31 is RESVD_SET, where only the default rule lives. */
export const RESVD_SET = 31

export function insn(op: Opcode, fields: Partial<Omit<IpfwInsn, 'op'>> = {}): IpfwInsn {
  return { op, not: false, or: false, arg: 0, arg2: 0, list: [], name: '', ...fields }
}
