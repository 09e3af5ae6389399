/**
 * Parses the packet half of a packetdrill event: `<` or `>`, optional `[ecn]` mark and `(tos 0x28)`
 * style IP fields, TCP flag letters, `seq:end(len)`, `ack`/`win`/`urg`, the `<...>` option list and
 * a `/udp(src > dst)` encapsulation, into a TcpPacket with plain numeric fields. Numbers are checked
 * against their header field's width here, so the interpreter can put them on the wire as they are.
 * It does not decide what an absent field means (that differs inbound and outbound).
 */

import type { EcnMark, IpFields, TcpOption, TcpPacket } from './ast.js'
import { TcpFlag } from './ast.js'
import { describe, type Lexer } from './lexer.js'

const U8 = 0xff
const U16 = 0xffff
const U32 = 0xffffffff

const FLAG_LETTERS: Readonly<Record<string, number>> = Object.freeze({
  F: TcpFlag.FIN,
  S: TcpFlag.SYN,
  R: TcpFlag.RST,
  P: TcpFlag.PSH,
  U: TcpFlag.URG,
  E: TcpFlag.ECE,
  W: TcpFlag.CWR,
})

const ECN_MARKS: ReadonlySet<string> = new Set(['noecn', 'ect0', 'ect1', 'ect01', 'ce'] as const)

/** IP header fields allowed in `( ... )` and their widths. */
const IP_FIELDS: Readonly<Record<keyof IpFields, number>> = Object.freeze({
  tos: U8,
  ttl: U8,
  class: U8,
  hlim: U8,
  flowlabel: 0xfffff,
})

/** Parses a packet whose '<' or '>' is the next token. */
export function parseTcpPacket(lx: Lexer): TcpPacket {
  const dir = lx.next()
  const direction = dir.text === '<' ? 'inbound' : 'outbound'
  let ecn: EcnMark | null = null
  let ip: IpFields = {}
  for (;;) {
    if (lx.isPunct('[') && ecn === null) ecn = parseEcn(lx)
    else if (lx.isPunct('(') && Object.keys(ip).length === 0) ip = parseIpFields(lx)
    else break
  }
  const flags = parseFlags(lx)
  const { seq, end, len } = parseSeq(lx)
  const seqAbsolute = lx.acceptPunct('!')
  const fields: { ack: number | null; win: number | null; urg: number | null } = {
    ack: null,
    win: null,
    urg: null,
  }
  for (;;) {
    const t = lx.peek()
    if (t.kind !== 'ident' || !(t.text === 'ack' || t.text === 'win' || t.text === 'urg')) break
    const name = t.text
    if (fields[name] !== null) throw lx.error(t.line, `'${name}' given twice`)
    lx.next()
    fields[name] = lx.expectUint(`${name} number`, name === 'ack' ? U32 : U16)
  }
  const options = lx.isPunct('<') ? parseOptions(lx) : []
  const udp = lx.isPunct('/') ? parseUdp(lx) : null
  return { kind: 'tcp', direction, ecn, ip, flags, seq, end, len, seqAbsolute, ...fields, options, udp }
}

function parseEcn(lx: Lexer): EcnMark {
  lx.next()
  const t = lx.expectIdent('an ECN mark (noecn, ect0, ect1, ect01, ce)')
  if (!ECN_MARKS.has(t.text))
    throw lx.error(t.line, `unknown ECN mark '${t.text}' (noecn, ect0, ect1, ect01, ce)`)
  lx.expectPunct(']', 'after the ECN mark')
  return t.text as EcnMark
}

function parseIpFields(lx: Lexer): IpFields {
  lx.next()
  const out: { -readonly [K in keyof IpFields]: number } = {}
  do {
    const t = lx.expectIdent('an IP header field (tos, ttl, class, hlim, flowlabel)')
    if (!Object.hasOwn(IP_FIELDS, t.text))
      throw lx.error(t.line, `unknown IP header field '${t.text}' (tos, ttl, class, hlim, flowlabel)`)
    const name = t.text as keyof IpFields
    if (out[name] !== undefined) throw lx.error(t.line, `IP header field '${name}' given twice`)
    out[name] = lx.expectUint(name, IP_FIELDS[name])
  } while (lx.acceptPunct(','))
  lx.expectPunct(')', 'after the IP header fields')
  return out
}

/** `S`, `S.`, `.`, `FPU`, `SEW`...: letters for the flags, a trailing '.' for ACK. */
function parseFlags(lx: Lexer): number {
  let flags = 0
  const t = lx.peek()
  if (t.kind === 'ident') {
    if (t.text === 'icmp' || t.text === 'udp' || t.text === 'sctp')
      throw lx.error(t.line, `${t.text} packets are not supported (only TCP segments)`)
    for (const ch of t.text) {
      const bit = FLAG_LETTERS[ch]
      if (bit === undefined)
        throw lx.error(
          t.line,
          `unknown TCP flag '${ch}' in '${t.text}' (flags are F S R P U E W and '.' for ACK)`,
        )
      flags |= bit
    }
    lx.next()
    if (lx.acceptPunct('.')) flags |= TcpFlag.ACK
  } else if (lx.acceptPunct('.')) {
    flags = TcpFlag.ACK
  } else {
    throw lx.error(
      t.line,
      `expected TCP flags (such as S, S., ., F., R) after '<' or '>', found ${describe(t)}`,
    )
  }
  return flags
}

/** `seq:end(len)` or `...(len)` (any sequence number). */
function parseSeq(lx: Lexer): { seq: number | null; end: number | null; len: number } {
  const t = lx.peek()
  let seq: number | null = null
  let end: number | null = null
  if (!lx.acceptPunct('...')) {
    if (t.kind !== 'num')
      throw lx.error(t.line, `expected the sequence numbers 'seq:end(len)', found ${describe(t)}`)
    seq = lx.expectUint('sequence number', U32)
    lx.expectPunct(':', "between the sequence numbers in 'seq:end(len)'")
    end = lx.expectUint('end sequence number', U32)
  }
  lx.expectPunct('(', "before the length in 'seq:end(len)'")
  const len = lx.expectUint('segment length', U32)
  lx.expectPunct(')', "after the length in 'seq:end(len)'")
  if (seq !== null && end !== null && (end - seq + 0x100000000) % 0x100000000 !== len)
    throw lx.error(
      t.line,
      `inconsistent segment: ${seq}:${end} is ${(end - seq + 0x100000000) % 0x100000000} bytes, not ${len}`,
    )
  return { seq, end, len }
}

function parseOptions(lx: Lexer): readonly TcpOption[] | 'any' {
  lx.next()
  if (lx.acceptPunct('...')) {
    lx.expectPunct('>', "after '<...'")
    return 'any'
  }
  const out: TcpOption[] = []
  if (lx.acceptPunct('>')) return out
  do out.push(parseOption(lx))
  while (lx.acceptPunct(','))
  lx.expectPunct('>', 'at the end of the TCP options')
  return out
}

function parseOption(lx: Lexer): TcpOption {
  const t = lx.expectIdent('a TCP option')
  switch (t.text) {
    case 'nop':
    case 'eol':
    case 'sackOK':
      return { kind: t.text }
    case 'mss':
      return { kind: 'mss', mss: lx.expectUint('mss value', U16) }
    case 'wscale':
      return { kind: 'wscale', shift: lx.expectUint('wscale shift', U8) }
    case 'TS': {
      expectWord(lx, 'val', "after 'TS'")
      const val = lx.expectUint('TS val', U32)
      expectWord(lx, 'ecr', 'after the TS val')
      return { kind: 'timestamp', val, ecr: lx.expectUint('TS ecr', U32) }
    }
    case 'sack': {
      const blocks: { start: number; end: number }[] = []
      do {
        const start = lx.expectUint('SACK block start', U32)
        lx.expectPunct(':', 'in a SACK block start:end')
        blocks.push({ start, end: lx.expectUint('SACK block end', U32) })
      } while (lx.peek().kind === 'num')
      return { kind: 'sack', blocks }
    }
    case 'md5': {
      if (lx.isIdent('valid') || lx.isIdent('invalid'))
        return { kind: 'md5', valid: lx.next().text === 'valid' }
      return { kind: 'md5', valid: null }
    }
    default:
      throw lx.error(t.line, `unknown TCP option '${t.text}'`)
  }
}

function expectWord(lx: Lexer, word: string, where: string): void {
  const t = lx.peek()
  if (t.kind !== 'ident' || t.text !== word)
    throw lx.error(t.line, `expected '${word}' ${where}, found ${describe(t)}`)
  lx.next()
}

/** `/udp(src > dst)`. */
function parseUdp(lx: Lexer): { srcPort: number; dstPort: number } {
  lx.next()
  expectWord(lx, 'udp', "after '/' (only '/udp(src > dst)' encapsulation exists)")
  lx.expectPunct('(', "after '/udp'")
  const srcPort = lx.expectUint('UDP source port', U16)
  lx.expectPunct('>', "between the UDP ports in '/udp(src > dst)'")
  const dstPort = lx.expectUint('UDP destination port', U16)
  lx.expectPunct(')', "after the UDP ports in '/udp(src > dst)'")
  return { srcPort, dstPort }
}
