/**
 * tcpdump 4.99's BOOTP/DHCPv4 printer (print-bootp.c, rewritten): the one-line form (operation,
 * client's Ethernet address, length) and, with -v, the header's non-zero fields and the RFC 1048
 * vendor extensions (DHCP options, RFC 2132) one per line in tcpdump's formats. Where the capture
 * ends early the text ends in ` [|bootp]`; nothing here throws on packet bytes. Printing only.
 */

import {
  type BitNames,
  be16,
  be32,
  bitNames,
  hexLines,
  ip4,
  mac,
  need,
  printChar,
  printN,
  TRUNCATED,
} from './print_bytes.js'

/**
 * tag2str: each option's print format (first character) and name. i address, p address pairs,
 * l/L unsigned/signed 32-bit, s 16-bit, b dotted bytes, x hex bytes, a text, B booleans,
 * $ special, ' ' no data.
 */
const TAGS: Readonly<Record<number, string>> = {
  0: ' PAD',
  1: 'iSubnet-Mask',
  2: 'LTime-Zone',
  3: 'iDefault-Gateway',
  4: 'iTime-Server',
  5: 'iIEN-Name-Server',
  6: 'iDomain-Name-Server',
  7: 'iLOG',
  8: 'iCS',
  9: 'iLPR-Server',
  10: 'iIM',
  11: 'iRL',
  12: 'aHostname',
  13: 'sBS',
  255: ' END',
  14: 'aDP',
  15: 'aDomain-Name',
  16: 'iSS',
  17: 'aRP',
  18: 'aEP',
  19: 'BIPF',
  20: 'BSRT',
  21: 'pPF',
  22: 'sRSZ',
  23: 'bTTL',
  24: 'lMTU-Timeout',
  25: 'sMTU-Table',
  26: 'sMTU',
  27: 'BLSN',
  28: 'iBR',
  29: 'BMD',
  30: 'BMS',
  31: 'BRouter-Discovery',
  32: 'iRSA',
  33: 'pStatic-Route',
  34: 'BUT',
  35: 'lAT',
  36: 'BIE',
  37: 'bTT',
  38: 'lKI',
  39: 'BKG',
  40: 'aYD',
  41: 'iYS',
  42: 'iNTP',
  43: 'bVendor-Option',
  44: 'iNetbios-Name-Server',
  45: 'iWDD',
  46: '$Netbios-Node',
  47: 'aNetbios-Scope',
  48: 'iXFS',
  49: 'iXDM',
  64: 'sN+D',
  65: 'iN+S',
  68: 'iMH',
  69: 'iSMTP',
  70: 'iPOP3',
  71: 'iNNTP',
  72: 'iWWW',
  73: 'iFG',
  74: 'iIRC',
  75: 'iSTS',
  76: 'iSTDA',
  50: 'iRequested-IP',
  51: 'lLease-Time',
  52: '$OO',
  66: 'aTFTP',
  67: 'aBF',
  53: ' DHCP-Message',
  54: 'iServer-ID',
  55: 'bParameter-Request',
  56: 'aMSG',
  57: 'sMSZ',
  58: 'lRN',
  59: 'lRB',
  60: 'aVendor-Class',
  61: '$Client-ID',
  98: 'aUAP',
  116: 'BNOAUTO',
  78: 'bSLP-DA',
  79: 'bSLP-SCOPE',
  117: 'sNSSEARCH',
  77: '$User-Class',
  118: 'iSUBNET',
  121: '$Classless-Static-Route',
  249: '$Classless-Static-Route-Microsoft',
  150: 'iTFTP-Server-Address',
  80: 'aSLP-NA',
  81: '$FQDN',
  82: '$Agent-Information',
  83: 'bARMT',
  88: 'aTZSTR',
  89: 'bFQDNS',
  90: 'bAUTH',
  91: 'LLast-Transaction-Time',
  92: 'iAssociated-IP',
  93: 'sARCH',
  94: 'bNDI',
  97: 'bGUID',
  95: 'aLDAP',
  100: 'aPOSIX-TZ',
  101: 'aTZ-Name',
  112: 'iNI',
  113: 'aNITAG',
  114: 'aURL',
  161: 'aMUD-URL',
}

/** DHCP message types (RFC 2132 §9.6, RFC 4388). */
const DHCP_MSG: Readonly<Record<number, string>> = {
  1: 'Discover',
  2: 'Offer',
  3: 'Request',
  4: 'Decline',
  5: 'ACK',
  6: 'NACK',
  7: 'Release',
  8: 'Inform',
  10: 'LeaseQuery',
  11: 'LeaseUnassigned',
  12: 'LeaseUnknown',
  13: 'LeaseActive',
}

const FLAGS: BitNames = [[0x8000, 'Broadcast']]
const NETBIOS_NODE: Readonly<Record<number, string>> = { 1: 'b-node', 2: 'p-node', 4: 'm-node', 8: 'h-node' }
const OVERLOAD: Readonly<Record<number, string>> = { 1: 'file', 2: 'sname', 3: 'file+sname' }
const ARP_HRD: Readonly<Record<number, string>> = {
  1: 'ether',
  6: 'ieee802',
  7: 'arcnet',
  15: 'frelay',
  23: 'strip',
  24: 'ieee1394',
}
const AGENT_SUB: Readonly<Record<number, string>> = { 1: 'Circuit-ID', 2: 'Remote-ID', 6: 'Subscriber-ID' }

const tag = (t: number): string => TAGS[t] ?? '?Unknown'

/** The BOOTP fields' offsets (RFC 951 §3). */
const OP = 0
const HTYPE = 1
const HLEN = 2
const HOPS = 3
const XID = 4
const SECS = 8
const BFLAGS = 10
const CIADDR = 12
const YIADDR = 16
const SIADDR = 20
const GIADDR = 24
const CHADDR = 28
const SNAME = 44
const FILE = 108
const VEND = 236

/** nd_printztn: up to n characters or a NUL; the capture ending first is a truncation. */
function printZ(b: Uint8Array, at: number, n: number, snapend: number, out: string[]): void {
  let s = ''
  for (let i = 0; i < n; i++) {
    if (at + i >= snapend) {
      out.push(s, '"')
      throw TRUNCATED
    }
    if (b[at + i] === 0) break
    s += printChar(b[at + i]!)
  }
  out.push(s, '"')
}

/** bootp_print: the UDP payload at cp (length bytes), the capture ending at snapend. */
function bootp(b: Uint8Array, cp: number, length: number, snapend: number, v: number, out: string[]): void {
  need(snapend, cp, 1)
  const op = b[cp + OP]!
  out.push(
    `BOOTP/DHCP, ${op === 1 ? 'Request' : op === 2 ? 'Reply' : `unknown (0x${op.toString(16).padStart(2, '0')})`}`,
  )
  need(snapend, cp, 3)
  const htype = b[cp + HTYPE]!
  const hlen = b[cp + HLEN]!
  if (htype === 1 && hlen === 6 && op === 1) {
    need(snapend, cp + CHADDR, 6)
    out.push(` from ${mac(b, cp + CHADDR)}`)
  }
  out.push(`, length ${length}`)
  if (v === 0) return
  need(snapend, cp, SECS + 2)
  if (htype !== 1) out.push(`, htype ${htype}`)
  if (htype !== 1 || hlen !== 6) out.push(`, hlen ${hlen}`)
  if (b[cp + HOPS]) out.push(`, hops ${b[cp + HOPS]}`)
  const xid = be32(b, cp + XID)
  if (xid) out.push(`, xid 0x${xid.toString(16)}`)
  if (be16(b, cp + SECS)) out.push(`, secs ${be16(b, cp + SECS)}`)
  need(snapend, cp + BFLAGS, 2)
  const flags = be16(b, cp + BFLAGS)
  out.push(`, Flags [${bitNames(flags, FLAGS)}]`)
  if (v > 1) out.push(` (0x${flags.toString(16).padStart(4, '0')})`)
  const addrs: readonly [number, string][] = [
    [CIADDR, 'Client-IP'],
    [YIADDR, 'Your-IP'],
    [SIADDR, 'Server-IP'],
    [GIADDR, 'Gateway-IP'],
  ]
  for (const [off, name] of addrs) {
    need(snapend, cp + off, 4)
    if (be32(b, cp + off)) out.push(`\n\t  ${name} ${ip4(b, cp + off)}`)
  }
  if (htype === 1 && hlen === 6) {
    need(snapend, cp + CHADDR, 6)
    out.push(`\n\t  Client-Ethernet-Address ${mac(b, cp + CHADDR)}`)
  }
  need(snapend, cp + SNAME, 1)
  if (b[cp + SNAME]) {
    out.push('\n\t  sname "')
    printZ(b, cp + SNAME, 64, snapend, out)
  }
  need(snapend, cp + FILE, 1)
  if (b[cp + FILE]) {
    out.push('\n\t  file "')
    printZ(b, cp + FILE, 128, snapend, out)
  }
  need(snapend, cp + VEND, 4)
  const magic = be32(b, cp + VEND)
  if (magic === 0x63825363) rfc1048(b, cp + VEND, snapend, v, out)
  else if (magic === 0x434d5500) cmu(b, cp + VEND, snapend, out)
  else if (magic !== 0) out.push(`\n\t  Vendor-#0x${magic.toString(16)}`)
}

/** The CMU vendor area (its flags, then each non-zero address). */
function cmu(b: Uint8Array, at: number, snapend: number, out: string[]): void {
  out.push(' vend-cmu')
  need(snapend, at + 4, 4)
  const f = b[at + 4]!
  if ((f & ~1) !== 0) out.push(` F:0x${f.toString(16)}`)
  const fields: readonly [number, string][] = [
    [12, 'DG'],
    [8, f & 1 ? 'SM' : 'SM*'],
    [16, 'NS1'],
    [20, 'NS2'],
    [24, 'IEN1'],
    [28, 'IEN2'],
    [32, 'TS1'],
    [36, 'TS2'],
  ]
  for (const [off, name] of fields) {
    need(snapend, at + off, 4)
    if (be32(b, at + off)) out.push(` ${name}:${ip4(b, at + off)}`)
  }
}

/** RFC 1048 extensions: options until END (or, from -vvv, the end of the capture). */
function rfc1048(b: Uint8Array, bp: number, snapend: number, v: number, out: string[]): void {
  out.push('\n\t  Vendor-rfc1048 Extensions')
  out.push(`\n\t    Magic Cookie 0x${be32(b, bp).toString(16).padStart(8, '0')}`)
  bp += 4
  while (bp < snapend) {
    const t = b[bp++]!
    if (t === 0 && v < 3) continue
    if (t === 255 && v < 3) return
    const entry = tag(t)
    let c = entry[0]!
    const name = entry.slice(1)
    let len = 0
    if (t !== 0 && t !== 255) {
      need(snapend, bp, 1)
      len = b[bp++]!
    }
    out.push(`\n\t    ${name} (${t}), length ${len}${len > 0 ? ': ' : ''}`)
    if (t === 0 && v > 2) {
      let n = 1
      while (bp < snapend && b[bp] === 0) {
        bp++
        n++
      }
      if (n > 1) out.push(`, occurs ${n}`)
    }
    need(snapend, bp, len)
    if (t === 53 && len === 1) {
      out.push(DHCP_MSG[b[bp]!] ?? `Unknown (${b[bp]})`)
      bp++
      continue
    }
    if (t === 55) {
      for (let i = 0; i < len; i++) {
        const inner = b[bp + i]!
        out.push(`${i % 4 === 0 ? '\n\t      ' : ', '}${tag(inner).slice(1)} (${inner})`)
      }
      bp += len
      continue
    }
    if (c === '?') c = len & 1 ? 'b' : len & 2 ? 's' : 'l'
    const left = c === '$' ? special(b, t, bp, len, snapend, out) : plain(b, c, bp, len, out)
    bp += len
    if (left) out.push(`\n\t  trailing data length ${left}`)
  }
}

/** An option in one of the plain formats; the bytes the format leaves over. */
function plain(b: Uint8Array, c: string, bp: number, len: number, out: string[]): number {
  const parts: string[] = []
  let p = bp
  const end = bp + len
  switch (c) {
    case 'a':
      out.push(`"${printN(b, bp, len, end)}"`)
      return 0
    case 'i':
    case 'l':
    case 'L':
      for (; end - p >= 4; p += 4)
        parts.push(c === 'i' ? ip4(b, p) : c === 'L' ? `${be32(b, p) | 0}` : `${be32(b, p)}`)
      out.push(parts.join(','))
      return end - p
    case 'p':
      for (; end - p >= 8; p += 8) parts.push(`(${ip4(b, p)}:${ip4(b, p + 4)})`)
      out.push(parts.join(','))
      return end - p
    case 's':
      for (; end - p >= 2; p += 2) parts.push(`${be16(b, p)}`)
      out.push(parts.join(','))
      return end - p
    case 'B':
      for (; p < end; p++) {
        const x = b[p]!
        parts.push(x === 0 ? 'N' : x === 1 ? 'Y' : `${x}?`)
      }
      out.push(parts.join(','))
      return 0
    default:
      for (; p < end; p++) parts.push(c === 'x' ? b[p]!.toString(16).padStart(2, '0') : `${b[p]}`)
      out.push(parts.join(c === 'x' ? ':' : '.'))
      return 0
  }
}

/** The options print-bootp.c decodes by hand; the bytes left over (0: all consumed). */
function special(b: Uint8Array, t: number, bp: number, len: number, snapend: number, out: string[]): number {
  const end = bp + len
  switch (t) {
    case 46:
    case 52:
      if (len < 1) {
        out.push('[ERROR: length < 1 bytes]')
        return 0
      }
      out.push((t === 46 ? NETBIOS_NODE : OVERLOAD)[b[bp]!] ?? `#${b[bp]}`)
      return len - 1
    case 81: {
      if (len < 3) {
        out.push('[ERROR: length < 3 bytes]')
        return 0
      }
      const f = b[bp]!
      if (f & 0xf0) out.push(`[ERROR: MBZ nibble 0x${((f & 0xf0) >> 4).toString(16)} != 0] `)
      if (f & 0x0f)
        out.push(`[${f & 1 ? 'S' : ''}${f & 2 ? 'O' : ''}${f & 4 ? 'E' : ''}${f & 8 ? 'N' : ''}] `)
      if (b[bp + 1] || b[bp + 2]) out.push(`${b[bp + 1]}/${b[bp + 2]} `)
      out.push(`"${printN(b, bp + 3, len - 3, snapend)}"`)
      return 0
    }
    case 61: {
      if (len < 1) {
        out.push('[ERROR: length < 1 bytes]')
        return 0
      }
      const type = b[bp]!
      if (type === 0) {
        out.push(`"${printN(b, bp + 1, len - 1, snapend)}"`)
        return 0
      }
      const hex: string[] = []
      for (let p = bp + 1; p < end; p++) hex.push(b[p]!.toString(16).padStart(2, '0'))
      out.push(`${ARP_HRD[type] ?? `hardware-type ${type},`} ${hex.join(':')}`)
      return 0
    }
    case 82: {
      let p = bp
      while (end - p >= 2) {
        const sub = b[p]!
        const sl = b[p + 1]!
        p += 2
        const head = `\n\t      ${AGENT_SUB[sub] ?? 'Unknown'} SubOption ${sub}, length ${sl}`
        if (sl > end - p) {
          out.push(`${head}: length goes past end of option`)
          return 0
        }
        out.push(`${head}: `)
        out.push(AGENT_SUB[sub] ? printN(b, p, sl, snapend) : hexLines(b, p, sl, '\n\t\t'))
        p += sl
      }
      return end - p
    }
    case 121:
    case 249: {
      if (len < 5) {
        out.push('[ERROR: length < 5 bytes]')
        return 0
      }
      const routes: string[] = []
      let p = bp
      while (p < end) {
        const width = b[p++]!
        if (width > 32) {
          out.push(`${routes.join(',')}${routes.length ? ',' : ''}[ERROR: Mask width (${width}) > 32]`)
          return 0
        }
        const sig = (width + 7) >> 3
        if (end - p < sig + 4) {
          out.push(
            `${routes.join(',')}${routes.length ? ',' : ''}[ERROR: Remaining length (${end - p}) < ${sig + 4} bytes]`,
          )
          return 0
        }
        let dst = 'default'
        if (width !== 0) {
          const o: number[] = []
          for (let i = 0; i < 4; i++) o.push(i < sig ? b[p + i]! : 0)
          dst = `${o.join('.')}/${width}`
        }
        p += sig
        routes.push(`(${dst}:${ip4(b, p)})`)
        p += 4
      }
      out.push(routes.join(','))
      return 0
    }
    case 77: {
      if (len < 2) {
        out.push('[ERROR: length < 2 bytes]')
        return 0
      }
      let p = bp
      for (let n = 1; p < end; n++) {
        const sl = b[p++]!
        out.push(`\n\t      instance#${n}: `)
        if (sl === 0) {
          out.push('[ERROR: suboption length must be non-zero]')
          return 0
        }
        if (end - p < sl) {
          out.push('[ERROR: invalid option]')
          return 0
        }
        out.push(`"${printN(b, p, sl, snapend)}", length ${sl}`)
        p += sl
      }
      return 0
    }
    default:
      out.push(`[unknown special tag ${t}, size ${len}]`)
      return 0
  }
}

/** The text print-bootp.c gives for the UDP payload at cp (length bytes), end the capture's end. */
export function bootpPrint(b: Uint8Array, cp: number, end: number, length: number, v: number): string {
  const out: string[] = []
  try {
    bootp(b, cp, length, end, v, out)
  } catch (e) {
    if (e !== TRUNCATED) throw e
    out.push(' [|bootp]')
  }
  return out.join('')
}
