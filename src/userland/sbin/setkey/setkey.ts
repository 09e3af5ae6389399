/**
 * setkey(8) for TCP-MD5 (RFC 2385) associations: `setkey -c` reads commands from standard input,
 * `-f FILE` from a file, `-F` flushes and `-D` dumps the caller's vnet's database. Commands end with
 * `;`: `add SRC DST tcp SPI -A tcp-md5 KEY`, `delete SRC DST tcp SPI`, `flush [tcp]`, `dump [tcp]`,
 * with IPv4 or IPv6 pairs.
 * KEY is a "quoted string" or 0xHEX. ESP/AH and the security policy database are not here: such
 * commands are refused with a message naming them. Parse errors stop the run as setkey's do.
 */

import type { TcpMd5Sa } from '../../../host/syscalls.js'
import { isSysError } from '../../../util/errno.js'
import { formatIpv4, parseIpv4 } from '../../../wire/addr.js'
import type { SigAddr } from '../../../wire/inet/tcp_md5.js'
import { formatIpv6, parseIpv6 } from '../../../wire/inet6/in6_addr.js'
import type { Command, Io, Proc } from '../../types.js'

const USAGE = `usage: setkey [-v] -c
       setkey [-v] -f filename
       setkey [-Pvp] -D
       setkey [-Pv] -F`

class SetkeyError extends Error {}

/** Words of a command text: quoted strings kept whole (without their quotes), `;` on its own. */
function tokens(text: string): string[] {
  const out: string[] = []
  const re = /"([^"]*)"|;|[^\s;"]+/g
  const clean = text.replace(/#[^\n]*/g, '')
  for (let m = re.exec(clean); m !== null; m = re.exec(clean)) {
    out.push(m[1] !== undefined ? `"${m[1]}` : m[0])
  }
  return out
}

/** An IPv4 or IPv6 address, with an optional `[port]` (and for IPv6 a `%zone`) that TCP-MD5 ignores. */
function addr(s: string | undefined): SigAddr {
  const text = s?.replace(/\[\d+\]$/, '')
  const a = text === undefined ? null : (parseIpv4(text) ?? parseIpv6(text.replace(/%[^%]+$/, '')))
  if (a === null) throw new SetkeyError(`syntax error: bad address ${s ?? ''}`)
  return a
}

function pair(src: SigAddr, dst: SigAddr): { src: SigAddr; dst: SigAddr } {
  if ((typeof src === 'number') !== (typeof dst === 'number'))
    throw new SetkeyError('syntax error: the two addresses are of different families')
  return { src, dst }
}

function addrText(a: SigAddr): string {
  return typeof a === 'number' ? formatIpv4(a) : formatIpv6(a)
}

function spiOf(s: string | undefined): number {
  if (s === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(s))
    throw new SetkeyError(`syntax error: bad SPI ${s ?? ''}`)
  const n = Number(s)
  if (n > 0xffffffff) throw new SetkeyError(`syntax error: bad SPI ${s}`)
  return n
}

function keyOf(s: string | undefined): Uint8Array {
  if (s?.startsWith('"')) return Uint8Array.from(s.slice(1), (c) => c.charCodeAt(0) & 0xff)
  if (s !== undefined && /^0x([0-9a-f]{2})+$/i.test(s))
    return Uint8Array.from(s.slice(2).match(/../g)!, (h) => Number.parseInt(h, 16))
  throw new SetkeyError(`syntax error: bad key ${s ?? ''}`)
}

function protoOk(p: string | undefined): void {
  if (p === 'tcp') return
  throw new SetkeyError(`${p ?? 'protocol'}: only tcp (TCP-MD5) associations are supported`)
}

/** `A: tcp-md5 HEX` as setkey -D prints keys: 4-byte groups. */
function hexGroups(k: Uint8Array): string {
  const hex = [...k].map((b) => b.toString(16).padStart(2, '0')).join('')
  return hex.match(/.{1,8}/g)!.join(' ')
}

function dump(sas: readonly TcpMd5Sa[]): string {
  if (sas.length === 0) return 'No SAD entries.\n'
  let out = ''
  for (const s of sas) {
    out += `${addrText(s.src)} ${addrText(s.dst)} \n`
    out += `\ttcp mode=any spi=${s.spi}(0x${s.spi.toString(16).padStart(8, '0')}) reqid=0(0x00000000)\n`
    out += `\tA: tcp-md5  ${hexGroups(s.key)}\n`
    out += '\tstate=mature \n'
  }
  return out
}

/** Run the commands of `text`; the first failure stops the run. */
function runCommands(text: string, io: Io, proc: Proc): number {
  const t = tokens(text)
  let i = 0
  while (i < t.length) {
    const start = i
    while (i < t.length && t[i] !== ';') i++
    if (i >= t.length) throw new SetkeyError('syntax error: missing ;')
    const cmd = t.slice(start, i)
    i++
    if (cmd.length === 0) continue
    const [verb, ...a] = cmd
    switch (verb) {
      case 'add': {
        protoOk(a[2])
        const alg = a.indexOf('-A')
        if (alg < 0 || a[alg + 1] !== 'tcp-md5')
          throw new SetkeyError('syntax error: tcp associations need -A tcp-md5 KEY')
        proc.sys.keyCtl({
          op: 'add',
          sa: { ...pair(addr(a[0]), addr(a[1])), spi: spiOf(a[3]), key: keyOf(a[alg + 2]) },
        })
        break
      }
      case 'delete':
        protoOk(a[2])
        proc.sys.keyCtl({ op: 'delete', ...pair(addr(a[0]), addr(a[1])), spi: spiOf(a[3]) })
        break
      case 'flush':
        if (a.length > 0) protoOk(a[0])
        proc.sys.keyCtl({ op: 'flush' })
        break
      case 'dump':
        if (a.length > 0) protoOk(a[0])
        io.stdout.write(dump(proc.sys.keyCtl({ op: 'dump' })))
        break
      case 'spdadd':
      case 'spddelete':
      case 'spdflush':
      case 'spddump':
      case 'get':
      case 'deleteall':
        throw new SetkeyError(`${verb}: the security policy database and ESP/AH are not supported`)
      default:
        throw new SetkeyError(`syntax error at [${verb}]`)
    }
  }
  return 0
}

export const setkey: Command = async (argv, io, proc) => {
  const args = argv.slice(1).filter((a) => a !== '-v')
  const fail = (msg: string): number => {
    io.stderr.write(`setkey: ${msg}\n`)
    return 1
  }
  try {
    if (args.length === 1 && args[0] === '-F') return runCommands('flush;', io, proc)
    if (args.length === 1 && args[0] === '-D') return runCommands('dump;', io, proc)
    if (args.length === 1 && args[0] === '-c') {
      let text = ''
      for (let chunk = await io.stdin.read(); chunk !== null; chunk = await io.stdin.read()) text += chunk
      return runCommands(text, io, proc)
    }
    if (args.length === 2 && args[0] === '-f') {
      const text = proc.fs.read(args[1]!)
      if (text === undefined) return fail(`${args[1]}: No such file or directory`)
      return runCommands(text, io, proc)
    }
  } catch (e) {
    if (e instanceof SetkeyError) return fail(e.message)
    if (isSysError(e)) return fail(`${e.op === 'socket' ? 'socket' : 'send'}: ${e.strerror}`)
    throw e
  }
  io.stderr.write(`${USAGE}\n`)
  return 1
}
