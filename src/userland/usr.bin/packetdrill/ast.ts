/**
 * The syntax tree of a packetdrill script, shaped for an interpreter rather than for printing:
 * times in integer microseconds, TCP flags as a bit set with the header's own bit values, segment
 * numbers decoded into plain fields, TCP options as typed objects, system calls as a name, typed
 * argument expressions and the expected result. Every node carries the line it came from, so the
 * interpreter can say `FILE:LINE: ...`. Plain data only: no behaviour, no evaluation here (symbols
 * such as SOL_SOCKET stay names; what they mean is the interpreter's business).
 */

/** TCP header flag bits (RFC 9293 3.1, RFC 3168 for ECE/CWR), as they sit in the header byte. */
export const TcpFlag = Object.freeze({
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const)

export interface Script {
  readonly file: string
  /** `--name=value` lines at the top, in order (`--name` alone has the value ''). */
  readonly options: readonly ScriptOption[]
  /** A backquoted command with no time, between the options and the first event: run before it. */
  readonly init: ShellAction | null
  /** The events that apply to the chosen platform (see ParseOptions.platform), in script order. */
  readonly events: readonly ScriptEvent[]
  /** A backquoted command with no time after the last event: run when the script ends. */
  readonly cleanup: ShellAction | null
}

export interface ScriptOption {
  readonly name: string
  readonly value: string
  readonly line: number
}

export interface ScriptEvent {
  readonly line: number
  readonly time: EventTime
  readonly action: Action
}

/**
 * When an event happens. Relative times count from the previous event's time. `span` is a call
 * that blocks (`1.0...6.0 connect(...)`: starts at the first time, returns at the second); `range`
 * (`0.1~0.2`) is an event that may happen anywhere between the two; `any` (`*`) at any time.
 */
export type EventTime =
  | { readonly kind: 'absolute'; readonly usecs: number }
  | { readonly kind: 'relative'; readonly usecs: number }
  | {
      readonly kind: 'span' | 'range'
      readonly start: { readonly relative: boolean; readonly usecs: number }
      readonly end: { readonly relative: boolean; readonly usecs: number }
    }
  | { readonly kind: 'any' }

export type Action = SyscallAction | ShellAction | PythonAction | TcpPacket

export interface SyscallAction {
  readonly kind: 'syscall'
  readonly name: string
  readonly args: readonly Expr[]
  /** What the call must return (`= 3`, `= -1`, `= 0x02`). */
  readonly result: Expr
  /** The errno the call must set (`= -1 EINPROGRESS`), or null. */
  readonly errno: string | null
  /** The parenthesised text after the result (`(Operation now in progress)`), or null. */
  readonly note: string | null
}

/** A backquoted shell command, text as written between the backquotes (may span lines). */
export interface ShellAction {
  readonly kind: 'shell'
  readonly command: string
  readonly line: number
}

/** A `%{ ... }%` block (packetdrill runs it as Python; the suite uses `assert tcpi_state == ...`). */
export interface PythonAction {
  readonly kind: 'python'
  readonly code: string
}

/** ECN codepoint marks: `[noecn]`, `[ect0]`, `[ect1]`, `[ce]`; `[ect01]` means ECT(0) or ECT(1). */
export type EcnMark = 'noecn' | 'ect0' | 'ect1' | 'ect01' | 'ce'

/** IP header fields given as `(tos 0x28)`, `(ttl 3)`, `(class 0x28)`, `(hlim 3)`, `(flowlabel 1)`. */
export interface IpFields {
  readonly tos?: number
  readonly ttl?: number
  readonly class?: number
  readonly hlim?: number
  readonly flowlabel?: number
}

/** `<` (injected into the stack) or `>` (the stack must send it) TCP segment. */
export interface TcpPacket {
  readonly kind: 'tcp'
  readonly direction: 'inbound' | 'outbound'
  readonly ecn: EcnMark | null
  readonly ip: IpFields
  /** Bit set of TcpFlag values (`S.` is SYN|ACK). */
  readonly flags: number
  /** `seq:end(len)`: seq and end are null for `...(len)` (any sequence number). */
  readonly seq: number | null
  readonly end: number | null
  readonly len: number
  /**
   * `0:0(0)!`: the sequence number is absolute, not relative to an ISN. The suite writes it on RSTs
   * that answer segments outside any connection, whose sequence number RFC 9293 fixes at 0.
   */
  readonly seqAbsolute: boolean
  /** null when the script does not give it (outbound: not checked; inbound: the default). */
  readonly ack: number | null
  readonly win: number | null
  readonly urg: number | null
  /** The `<...>` option list in order; 'any' for `<...>` (outbound: options not checked). */
  readonly options: readonly TcpOption[] | 'any'
  /** `/udp(src > dst)`: the segment travels inside UDP with these ports (RFC 6951-style tunnel). */
  readonly udp: { readonly srcPort: number; readonly dstPort: number } | null
}

export type TcpOption =
  | { readonly kind: 'nop' }
  | { readonly kind: 'eol' }
  | { readonly kind: 'mss'; readonly mss: number }
  | { readonly kind: 'wscale'; readonly shift: number }
  | { readonly kind: 'sackOK' }
  | { readonly kind: 'sack'; readonly blocks: readonly { readonly start: number; readonly end: number }[] }
  | { readonly kind: 'timestamp'; readonly val: number; readonly ecr: number }
  /** TCP-MD5 signature (RFC 2385): `md5 valid` / `md5 invalid`; `md5` alone is null. */
  | { readonly kind: 'md5'; readonly valid: boolean | null }

/** Expressions in system call arguments and results. */
export type Expr =
  | { readonly kind: 'int'; readonly value: number; readonly line: number }
  | { readonly kind: 'ellipsis'; readonly line: number }
  | { readonly kind: 'symbol'; readonly name: string; readonly line: number }
  | { readonly kind: 'string'; readonly value: string; readonly line: number }
  | { readonly kind: 'array'; readonly items: readonly Expr[]; readonly line: number }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[]; readonly line: number }
  | { readonly kind: 'neg'; readonly operand: Expr; readonly line: number }
  | {
      readonly kind: 'binary'
      readonly op: BinaryOp
      readonly left: Expr
      readonly right: Expr
      readonly line: number
    }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly line: number }

export type BinaryOp = '|' | '&' | '+' | '-' | '*' | '/'

/** `{fd=3, events=POLLOUT}`: name is null for a positional field. */
export interface StructField {
  readonly name: string | null
  readonly value: Expr
}
