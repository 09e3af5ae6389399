/**
 * One vnet's ipfw (V_layer3_chain and the per-vnet knobs of ip_fw2.c / ip_fw_pfil.c /
 * ip_fw_dynamic.c): the static rules in order, ending with the default rule 65535, the dynamic
 * states, the enabled sets and the net.inet.ip.fw.* sysctls. The control operations here are what
 * ipfw(8)'s sockopts do (add, delete, zero, flush, set enable/disable); they validate everything
 * before changing anything and throw SysError with FreeBSD's errno.
 *
 * It must not touch packets (ip_fw2.ts matches them) nor exist before the module is loaded: the
 * state is created on first use in a vnet, from the host-wide configuration the loaded hook carries.
 */

import type { MsgBuf } from '../../../kern/subr_msgbuf.js'
import type { Clock } from '../../../util/clock.js'
import { SysError } from '../../../util/errno.js'
import type { Rng } from '../../../util/rng.js'
import { intKnob } from '../../net/sysctl.js'
import { Slot, type Vnet, type VnetModule, vstate } from '../../net/vnet.js'
import { RuleCounters, SINK } from './ip_fw_counters.js'
import { DynTable } from './ip_fw_dynamic.js'
import { PktFacts } from './ip_fw_facts.js'
import { IpfwLimits } from './ip_fw_limit.js'
import { IpfwLog } from './ip_fw_log.js'
import type { IpfwNat } from './ip_fw_nat.js'
import {
  A,
  IPFW_DEFAULT_RULE,
  type IpfwInsn,
  type IpfwRuleInfo,
  type IpfwRuleSpec,
  O,
  RESVD_SET,
} from './ip_fw_rule.js'
import { checkRule, ruleInfo } from './ip_fw_sockopt.js'
import type { QuickTable } from './quick/ip_fw_quick.js'
import { quickReject } from './quick/ip_fw_quick.js'
import { checkRuleTables, IpfwTables, ruleTables } from './table/ip_fw_table.js'

/** The host-wide part of a loaded ipfw: what the loader's tunables said at kldload time. */
export interface IpfwConfig {
  /** net.inet.ip.fw.default_to_accept (CTLFLAG_RDTUN): the default rule's action. */
  readonly defaultToAccept: boolean
}

/** The name ipfw's hook has on the inet pfil head; the chain finds its configuration through it. */
export const IPFW_HOOK = 'ipfw'

/** The kernel's copy of a rule: validated, with its counters. */
export class KRule {
  readonly spec: IpfwRuleSpec
  readonly insns: IpfwInsn[]
  readonly num: number
  readonly set: number
  /** Insertion order, which orders rules sharing a number. */
  readonly seq: number
  /** A keep-state rule probes the dynamic table before its own matches (O_PROBE_STATE). */
  readonly probe: boolean
  readonly keepState: boolean
  /** A `limit` rule: its states have parents (ip_fw_limit.ts), so the fast pass's memo leaves them alone. */
  readonly limited: boolean
  /** The spec's fields ipfw_chk reads on every match, held here so that every rule has one shape. */
  readonly action: number
  readonly actionArg: number
  readonly log: boolean
  readonly prob: number
  /** Quick-reject prefix (quick/ip_fw_quick.ts): protocol (-1 any), int32 address/mask pairs (0/0 any). */
  readonly qProto: number
  readonly qSrcAddr: number
  readonly qSrcMask: number
  readonly qDstAddr: number
  readonly qDstMask: number
  /** The prefix holds an IPv4 address: no IPv6 packet matches. */
  readonly qV4: boolean
  /** The instructions after the quick-reject prefix. */
  readonly rest: IpfwInsn[]
  /** The chain's counters, where this rule's are at slot cs. */
  private readonly ctr: RuleCounters
  /**
   * The rule's counter slot in its chain's RuleCounters: given when the rule goes into the chain,
   * kept while it moves about in it, SINK once it is deleted.
   */
  cs = SINK

  constructor(spec: IpfwRuleSpec, seq: number, ctr: RuleCounters) {
    this.ctr = ctr
    this.spec = spec
    this.insns = spec.insns
    this.num = spec.num
    this.set = spec.set
    this.seq = seq
    this.limited = spec.insns.some((i) => i.op === O.LIMIT)
    this.keepState = this.limited || spec.insns.some((i) => i.op === O.KEEP_STATE)
    this.probe = this.keepState
    this.action = spec.action
    this.actionArg = spec.actionArg
    this.log = spec.log
    this.prob = spec.prob
    const q = quickReject(spec.insns)
    this.qProto = q.proto
    this.qSrcAddr = q.srcAddr
    this.qSrcMask = q.srcMask
    this.qDstAddr = q.dstAddr
    this.qDstMask = q.dstMask
    this.qV4 = q.v4
    this.rest = q.rest
  }

  /** Packets matched (the counters are read here; the packet path counts through RuleCounters). */
  get pcnt(): number {
    return this.ctr.pkts[this.cs]!
  }
  /** Bytes matched: the IP lengths of those packets. */
  get bcnt(): number {
    return this.ctr.bytes[this.cs]!
  }
  /** Last match, ns of the host clock (0 = never). */
  get timestamp(): number {
    return this.ctr.ts[this.cs]!
  }
}

export class IpfwStats {
  /** Packets too short for the headers a rule needed (pullup failed): denied. */
  pullupFailed = 0
  /** Packets denied because a state could not be installed (dyn_max reached). */
  dynDenied = 0
  /** `log` rules matched (tapped to ipfw0 with verbose=0; there is no syslog yet). */
  logged = 0
}

export class IpfwChain {
  /** Static rules sorted by (number, insertion); the last is the default rule. */
  rules: KRule[]
  /** Every rule's packet and byte counters and last match time, by KRule.cs. */
  readonly ctr = new RuleCounters()
  readonly dyn = new DynTable<KRule>()
  readonly stats = new IpfwStats()
  readonly tables = new IpfwTables()
  readonly log: IpfwLog
  readonly limits = new IpfwLimits(this.dyn)
  dynParentMax = 4096
  /** net.link.bridge.ipfw: layer-2 ipfw on bridged frames. */
  bridgeIpfw = 0
  /** Bit i set: set i disabled (see disabledSets). */
  private sets = 0
  private seq = 0
  private enabled = 1
  private enabled6 = 1
  /** net.inet6.ip6.fw.deny_unknown_exthdrs: drop IPv6 packets with headers ipfw cannot walk. */
  denyUnknownExthdrs = 1
  /** net.inet6.ip6.fw.permit_single_frag6: an atomic fragment (offset 0, no M) is not a fragment. */
  permitSingleFrag6 = 1
  onePass = 1
  verbose = 0
  verboseLimit = 0
  autoincStep = 100
  dynMax = 16384
  dynAckLifetime = 300
  dynSynLifetime = 20
  dynFinLifetime = 1
  dynRstLifetime = 1
  dynUdpLifetime = 10
  dynShortLifetime = 5
  dynKeepalive = 1
  dynKeepalivePeriod = 5
  readonly rng: Rng
  readonly defaultToAccept: boolean
  /** Call stacks of call/return (IPFW_CALLSTACK_SIZE deep), one per nested ipfw_chk. */
  readonly callStack = new Int32Array(16 * 4)
  /** How many ipfw_chk passes are running in this vnet (a reject's packet passes the chain too). */
  nest = 0
  /** Header fields of the packet of each nested pass. */
  readonly facts = [new PktFacts(), new PktFacts(), new PktFacts(), new PktFacts()]
  /** ICMP code of the last reject verdict (ICMPv6 code for an IPv6 packet). */
  rejectCode = 0
  /** The addresses of a reset6 being built (send_reject6), so that no reset allocates them. */
  readonly rst6Src = new Uint8Array(16)
  readonly rst6Dst = new Uint8Array(16)
  /** The NAT instances (chain->nat), made by the first `ipfw nat N config` (ip_fw_nat.ts). */
  nat: IpfwNat | null = null
  /** Index of the `nat` rule of the last NAT verdict (the next pass resumes after it) and its instance. */
  natRule = 0
  natNum = 0
  /** Next hop (and port, 0 for none) of the last fwd verdict. */
  fwdAddr = 0
  fwdPort = 0
  /** The rules compiled for the fast pass (quick/ip_fw_quick.ts), rebuilt when `rules` changes. */
  quick: QuickTable | null = null
  /** The rule where the fast pass handed over to the full one. */
  quickStart = 0
  /**
   * Where the fast pass stopped at a `pipe`/`queue` rule that its prefix alone matches (QK.DN), or
   * -1: quickStart then names the same rule, and the hook may send the packet to dummynet directly.
   */
  quickDn = -1
  /** The pipe/queue rule of the last dummynet verdict and its index. */
  dnRule: KRule | null = null
  dnSlot = 0
  /** The divert/tee port of the last divert or tee verdict, its rule's number and index. */
  divPort = 0
  divRuleNum = 0
  divSlot = 0

  /** The host's kernel message buffer, where `log` writes with net.inet.ip.fw.verbose=1. */
  readonly msgbuf: MsgBuf

  private readonly v: Vnet
  /** The host's clock, for the rules' last-match times (one load less per packet than v.env.clock). */
  readonly clock: Clock

  constructor(v: Vnet, cfg: IpfwConfig) {
    this.v = v
    this.clock = v.env.clock
    this.msgbuf = v.env.msgbuf
    this.defaultToAccept = cfg.defaultToAccept
    this.rng = v.env.rng.stream(`ipfw:${v.id}`)
    this.log = new IpfwLog()
    this.rules = [this.defaultRule()]
    // A table's entries decide where the fast pass's walks stop: what it remembered goes with them.
    this.tables.onChange = () => this.quick?.memoReset(this.sets)
  }

  /**
   * Bit i set: set i disabled. Changing it makes the fast pass forget where its walks stopped
   * (they skipped the rules of the disabled sets), so that its memo never answers for old sets.
   */
  get disabledSets(): number {
    return this.sets
  }
  set disabledSets(n: number) {
    this.sets = n
    this.quick?.memoReset(n)
  }

  /**
   * net.inet.ip.fw.enable. Off takes ipfw off this vnet's inet head and on puts it back (ipfw_hook
   * in ip_fw_pfil.c), so a vnet with its firewall off pays nothing per packet.
   */
  get enable(): number {
    return this.enabled
  }
  set enable(n: number) {
    this.enabled = n
    const loaded = this.v.env.pfilInet.find(IPFW_HOOK)
    if (loaded === undefined) return
    if (n === 0) this.v.pfilInet.unlink(IPFW_HOOK)
    else if (!this.v.pfilInet.has(IPFW_HOOK)) this.v.pfilInet.link(loaded)
  }

  /**
   * net.inet6.ip6.fw.enable: the same for the inet6 head (V_fw6_enable), so IPv6 can be left
   * unfiltered while IPv4 is filtered, and the other way round.
   */
  get enable6(): number {
    return this.enabled6
  }
  set enable6(n: number) {
    this.enabled6 = n
    const loaded = this.v.env.pfilInet6.find(IPFW_HOOK)
    if (loaded === undefined) return
    if (n === 0) this.v.pfilInet6.unlink(IPFW_HOOK)
    else if (!this.v.pfilInet6.has(IPFW_HOOK)) this.v.pfilInet6.link(loaded)
  }

  private defaultRule(): KRule {
    const r = new KRule(
      {
        num: IPFW_DEFAULT_RULE,
        set: RESVD_SET,
        prob: 1,
        log: false,
        logAmount: 0,
        insns: [],
        action: this.defaultToAccept ? A.ALLOW : A.DENY,
        actionArg: 0,
        fwdAddr: 0,
        fwdPort: 0,
      },
      this.seq++,
      this.ctr,
    )
    r.cs = this.ctr.alloc()
    return r
  }

  /** Index of the first rule numbered ≥ num (skipto / call targets): a binary search. */
  firstAtLeast(num: number): number {
    let lo = 0
    let hi = this.rules.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.rules[mid]!.num < num) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  // control operations (ipfw(8)'s sockopts)

  /** IP_FW_XADD: validate and insert rules, numbering the unnumbered; all or nothing. */
  add(specs: readonly IpfwRuleSpec[]): IpfwRuleInfo[] {
    const checked = specs.map((sp) => checkRule(sp, this.v.numFibs))
    checkRuleTables(
      this.tables,
      checked.flatMap((s) => s.insns),
    )
    let last = this.rules.length > 1 ? this.rules[this.rules.length - 2]!.num : 0
    const added: KRule[] = []
    for (const s of checked) {
      if (s.num === 0) {
        s.num = last + this.autoincStep
        if (s.num >= IPFW_DEFAULT_RULE) s.num = last < IPFW_DEFAULT_RULE - 1 ? IPFW_DEFAULT_RULE - 1 : 0
        if (s.num === 0) throw new SysError('EINVAL', 'ipfw')
      }
      last = Math.max(last, s.num)
      added.push(new KRule(s, this.seq++, this.ctr))
    }
    // Each goes after the rules with its number (upper bound): a big ruleset loads in O(n) per rule.
    const rules = this.rules
    for (const r of added) {
      let lo = 0
      let hi = rules.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (rules[mid]!.num <= r.num) lo = mid + 1
        else hi = mid
      }
      rules.splice(lo, 0, r)
      r.cs = this.ctr.alloc()
      ruleTables(this.tables, r.insns, 1)
    }
    // The list changed in place: the fast pass's table no longer describes it (the hooks test only
    // that the table is there and for this list).
    this.quick = null
    return added.map(ruleInfo)
  }

  /** IP_FW_XDEL for rules lo..hi (in set `set`, or any set when -1); returns how many went. */
  delete(lo: number, hi: number, set: number): number {
    const gone = (r: KRule) =>
      r.num >= lo && r.num <= hi && r.num !== IPFW_DEFAULT_RULE && (set < 0 || r.set === set)
    const keep = this.rules.filter((r) => !gone(r))
    const n = this.rules.length - keep.length
    if (n === 0) return 0
    for (const r of this.rules)
      if (gone(r)) {
        ruleTables(this.tables, r.insns, -1)
        this.forget(r)
      }
    this.rules = keep
    this.log.prune(keep)
    this.dyn.expireWhere(Number.NEGATIVE_INFINITY, gone)
    this.limits.pruneRules(keep)
    return n
  }

  /** Delete all rules of a set (`ipfw delete set N`). */
  deleteSet(set: number): number {
    return this.delete(0, IPFW_DEFAULT_RULE - 1, set)
  }

  /** IP_FW_XZERO / XRESETLOG: counters of rules lo..hi (all when lo is 0); returns how many matched. */
  zero(lo: number, hi: number): number {
    let n = 0
    for (const r of this.rules)
      if (lo === 0 || (r.num >= lo && r.num <= hi)) {
        this.ctr.zero(r.cs)
        n++
      }
    return n
  }

  /** A rule leaves the chain: its counter slot is free again, and it counts in the sink from now on. */
  private forget(r: KRule): void {
    this.ctr.release(r.cs)
    r.cs = SINK
  }

  /** IP_FW_FLUSH: every rule but the default one, and every state. */
  flush(): void {
    const last = this.rules.length - 1
    for (let i = 0; i < last; i++) {
      ruleTables(this.tables, this.rules[i]!.insns, -1)
      this.forget(this.rules[i]!)
    }
    ruleTables(this.tables, this.rules[last]!.insns, -1)
    this.rules = [this.rules[last]!]
    this.log.prune(this.rules)
    this.dyn.expireWhere(0, () => true)
    this.limits.pruneRules(this.rules)
  }

  setEnable(mask: number, enable: boolean): void {
    if (enable) this.disabledSets &= ~mask
    else this.disabledSets |= mask
    this.disabledSets &= 0x7fffffff
  }

  /** `set move [rule] N to M`, `set swap N M` (sets), as IP_FW_SET_MOVE / SET_SWAP. */
  setMove(from: number, to: number, rule: boolean, swap: boolean): void {
    const next: KRule[] = []
    for (const r of this.rules) {
      let set = r.set
      if (r.num !== IPFW_DEFAULT_RULE) {
        if (rule ? r.num === from : r.set === from) set = to
        else if (swap && r.set === to) set = from
      }
      if (set === r.set) next.push(r)
      else {
        // The same rule in another set: its counters go with it, the old object counts in the sink.
        const moved = new KRule({ ...r.spec, set }, r.seq, this.ctr)
        moved.cs = r.cs
        r.cs = SINK
        next.push(moved)
      }
    }
    this.rules = next
  }

  list(): IpfwRuleInfo[] {
    return this.rules.map(ruleInfo)
  }
}

const range = (min: number, max: number) => ({ min, max })

export const ipfwModule: VnetModule<IpfwChain> = {
  name: 'ipfw',
  slot: Slot.IPFW,
  create: (v) => {
    const hook = v.env.pfilInet.find(IPFW_HOOK) as unknown as { cfg: IpfwConfig } | undefined
    return new IpfwChain(v, hook?.cfg ?? { defaultToAccept: false })
  },
  sysctls: [
    intKnob('net.inet.ip.fw.enable', 'Enable ipfw', (v) => ipfw(v), 'enable', range(0, 1)),
    intKnob('net.inet6.ip6.fw.enable', 'Enable ipfw+6', (v) => ipfw(v), 'enable6', range(0, 1)),
    intKnob(
      'net.inet6.ip6.fw.deny_unknown_exthdrs',
      'Deny packets with unknown IPv6 Extension Headers',
      (v) => ipfw(v),
      'denyUnknownExthdrs',
      range(0, 1),
    ),
    intKnob(
      'net.inet6.ip6.fw.permit_single_frag6',
      'Permit single packet IPv6 fragments',
      (v) => ipfw(v),
      'permitSingleFrag6',
      range(0, 1),
    ),
    intKnob(
      'net.inet.ip.fw.one_pass',
      'Only do a single pass through ipfw when using dummynet(4)',
      (v) => ipfw(v),
      'onePass',
      range(0, 1),
    ),
    intKnob('net.inet.ip.fw.verbose', 'Log matches to ipfw rules', (v) => ipfw(v), 'verbose', range(0, 1)),
    intKnob(
      'net.inet.ip.fw.verbose_limit',
      'Set upper limit of matches of ipfw rules logged',
      (v) => ipfw(v),
      'verboseLimit',
      range(0, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.fw.autoinc_step',
      'Rule number auto-increment step',
      (v) => ipfw(v),
      'autoincStep',
      range(1, 1000),
    ),
    {
      name: 'net.inet.ip.fw.default_rule',
      descr: 'The default/max possible rule number.',
      kind: 'int',
      scope: 'vnet',
      get: () => IPFW_DEFAULT_RULE,
    },
    {
      name: 'net.inet.ip.fw.default_to_accept',
      descr: 'Make the default rule accept all packets.',
      kind: 'int',
      scope: 'global',
      get: (v) => (ipfw(v).defaultToAccept ? 1 : 0),
    },
    {
      name: 'net.inet.ip.fw.static_count',
      descr: 'Number of static rules',
      kind: 'int',
      ctype: 'uint',
      scope: 'vnet',
      get: (v) => ipfw(v).rules.length,
    },
    intKnob(
      'net.inet.ip.fw.dyn_max',
      'Max number of dynamic states.',
      (v) => ipfw(v),
      'dynMax',
      range(0, 0x7fffffff),
    ),
    intKnob('net.link.bridge.ipfw', 'Layer2 filter with IPFW', (v) => ipfw(v), 'bridgeIpfw', range(0, 1)),
    intKnob(
      'net.inet.ip.fw.dyn_parent_max',
      'Max number of parent dynamic states.',
      (v) => ipfw(v),
      'dynParentMax',
      range(0, 0x7fffffff),
    ),
    {
      name: 'net.inet.ip.fw.dyn_parent_count',
      descr: 'Current number of parent states. ',
      kind: 'int',
      scope: 'vnet',
      get: (v) => {
        // As dyn_count: expired children are gone, and with them their childless parents.
        const ch = ipfw(v)
        ch.dyn.expireWhere(v.env.clock.now(), null)
        return ch.limits.parents
      },
    },
    {
      name: 'net.inet.ip.fw.dyn_count',
      descr: 'Current number of dynamic states.',
      kind: 'int',
      scope: 'vnet',
      get: (v) => {
        // Expired states are gone for the reader, as FreeBSD's once-a-second expiry makes them.
        const ch = ipfw(v)
        ch.dyn.expireWhere(v.env.clock.now(), null)
        return ch.dyn.count
      },
    },
    intKnob(
      'net.inet.ip.fw.dyn_ack_lifetime',
      'Lifetime of dynamic states for TCP ACK.',
      (v) => ipfw(v),
      'dynAckLifetime',
      range(1, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.fw.dyn_syn_lifetime',
      'Lifetime of dynamic states for TCP SYN.',
      (v) => ipfw(v),
      'dynSynLifetime',
      range(1, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.fw.dyn_fin_lifetime',
      'Lifetime of dynamic states for TCP FIN.',
      (v) => ipfw(v),
      'dynFinLifetime',
      range(1, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.fw.dyn_rst_lifetime',
      'Lifetime of dynamic states for TCP RST.',
      (v) => ipfw(v),
      'dynRstLifetime',
      range(1, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.fw.dyn_udp_lifetime',
      'Lifetime of dynamic states for UDP.',
      (v) => ipfw(v),
      'dynUdpLifetime',
      range(1, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.fw.dyn_short_lifetime',
      'Lifetime of dynamic states for other situations.',
      (v) => ipfw(v),
      'dynShortLifetime',
      range(1, 0x7fffffff),
    ),
    intKnob(
      'net.inet.ip.fw.dyn_keepalive',
      'Enable keepalives for dynamic states.',
      (v) => ipfw(v),
      'dynKeepalive',
      range(0, 1),
    ),
  ],
}

export function ipfw(v: Vnet): IpfwChain {
  // The slot read with a constant index first: this runs in every pass of the packet filter.
  const s = v.slots[IPFW_SLOT]
  return s !== undefined ? (s as IpfwChain) : vstate(v, ipfwModule)
}

const IPFW_SLOT: number = Slot.IPFW
