/**
 * iperf3(1): network throughput tests speaking the real iperf3 protocol, so a stock iperf3 can be
 * either end. `-s` serves, `-c HOST` tests against a server; `-p`, `-t`, `-n`, `-P`, `-R`,
 * `-u -b RATE`, `-l`, `-i`, `-J` and `-1` as iperf3 has them; output in iperf3's text format or,
 * with `-J`, its JSON document. Time is the host's clock, so in virtual time a 10 s test takes
 * only as long as its packets need.
 */

import { civilTime, DAY_NAMES, MONTH_NAMES } from '../../../util/civil_time.js'
import { SEC } from '../../../util/clock.js'
import { isSysError } from '../../../util/errno.js'
import { getopt } from '../../getopt.js'
import type { Command, Io } from '../../types.js'
import { IperfError, runClient } from './client.js'
import type { IntervalRec, Stream, Test } from './engine.js'
import { IPERF_VERSION, type Params } from './protocol.js'
import { endJson, intervalJson } from './report.js'
import { runServer, withDefaults } from './server.js'
import { unitParse } from './units.js'

const USAGE = "Usage: iperf3 [-s|-c host] [options]\nTry `iperf3 --help' for more information.\n"

const HELP = `Usage: iperf3 [-s|-c host] [options]
       iperf3 [-h|--help] [-v|--version]

Server or Client:
  -p, --port      #         server port to listen on/connect to
  -i, --interval  #         seconds between periodic throughput reports
  -J, --json                output in JSON format
  -v, --version             show version information and quit
  -h, --help                show this message and quit
Server specific:
  -s, --server              run in server mode
  -1, --one-off             handle one client connection then exit
Client specific:
  -c, --client    <host>    run in client mode, connecting to <host>
  -u, --udp                 use UDP rather than TCP
  -b, --bitrate #[KMG]      target bitrate in bits/sec (0 for unlimited)
                            (default 1 Mbit/sec for UDP, unlimited for TCP)
  -t, --time      #         time in seconds to transmit for (default 10 secs)
  -n, --bytes     #[KMG]    number of bytes to transmit (instead of -t)
  -l, --length    #[KMG]    length of buffer to read or write
                            (default 128 KB for TCP, 1460 for UDP)
  -P, --parallel  #         number of parallel client streams to run
  -R, --reverse             run in reverse mode (server sends, client receives)

[KMG] indicates options that support a K/M/G suffix for kilo-, mega-, or giga-
`

export interface IperfOpts {
  server: boolean
  client: string | null
  port: number
  json: boolean
  oneOff: boolean
  intervalNs: number
  params: Params
}

/** Where a test's output goes: iperf3's text as it happens, or the `-J` document at the end. */
export interface Output {
  text(s: string): void
  start(fields: Record<string, unknown>): void
  connected(s: Stream, line: string): void
  testStart(t: Test): void
  interval(t: Test, rec: IntervalRec, text: string): void
  end(t: Test, text: string): void
  fail(msg: string): void
}

function textOutput(io: Io): Output {
  return {
    text: (s) => void io.stdout.write(s),
    start: () => {},
    connected: (_s, line) => void io.stdout.write(line),
    testStart: () => {},
    interval: (_t, _rec, text) => void io.stdout.write(text),
    end: (_t, text) => void io.stdout.write(text),
    fail: () => {},
  }
}

/** The `-J` document, printed whole when the test ends (or fails). */
function jsonOutput(io: Io, now: () => number): Output {
  const start: Record<string, unknown> = {
    connected: [],
    version: `iperf ${IPERF_VERSION}`,
    system_info: 'VirtNet',
  }
  const secs = Math.floor(now() / SEC)
  start.timestamp = { time: httpDate(secs), timesecs: secs }
  const intervals: unknown[] = []
  const print = (doc: Record<string, unknown>): void =>
    void io.stdout.write(`${JSON.stringify({ start, intervals, ...doc }, null, '\t')}\n`)
  return {
    text: () => {},
    start: (f) => void Object.assign(start, f),
    connected: (s) =>
      void (start.connected as unknown[]).push({
        socket: s.socket,
        local_host: ipText(s.local.addr),
        local_port: s.local.port,
        remote_host: ipText(s.remote.addr),
        remote_port: s.remote.port,
      }),
    testStart: (t) => {
      start.test_start = {
        protocol: t.udp ? 'UDP' : 'TCP',
        num_streams: t.params.parallel,
        blksize: t.params.len,
        omit: 0,
        duration: t.params.time,
        bytes: t.params.bytes,
        blocks: 0,
        reverse: t.params.reverse ? 1 : 0,
        tos: 0,
      }
    },
    interval: (t, rec) => void intervals.push(intervalJson(t, rec)),
    end: (t) => print({ end: endJson(t) }),
    fail: (msg) => print({ end: {}, error: msg }),
  }
}

/** `Sat, 05 Dec 2026 12:00:00 GMT` for seconds since the epoch (the host clock's). */
function httpDate(secs: number): string {
  const t = civilTime(secs)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${DAY_NAMES[t.weekday]}, ${two(t.day)} ${MONTH_NAMES[t.month - 1]} ${t.year} ${two(t.hour)}:${two(t.minute)}:${two(t.second)} GMT`
}

function ipText(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`
}

class ParamError extends Error {}

function parse(argv: readonly string[]): IperfOpts | 'help' | 'version' {
  const r = getopt('iperf3', argv.slice(1), 'sc:p:t:n:P:Rub:l:i:J1hvV4N')
  if (typeof r === 'string') throw new ParamError(`\x00${r}`)
  if (r.rest.length > 0) throw new ParamError('unrecognized argument')
  const o: IperfOpts = {
    server: false,
    client: null,
    port: 5201,
    json: false,
    oneOff: false,
    intervalNs: SEC,
    params: { udp: false, time: 10, bytes: 0, parallel: 1, reverse: false, len: 0, bandwidth: 0 },
  }
  let clientOnly = false
  let timeSet = false
  for (const [f, arg] of r.opts) {
    if (f === 'h') return 'help'
    if (f === 'v') return 'version'
    if (f === 's') {
      if (o.client !== null) throw new ParamError('cannot be both server and client')
      o.server = true
    } else if (f === 'c') {
      if (o.server) throw new ParamError('cannot be both server and client')
      o.client = arg
    } else if (f === 'p') {
      const n = /^\d+$/.test(arg) ? Number(arg) : -1
      if (!(n >= 1 && n <= 65535)) throw new ParamError('bad port number')
      o.port = n
    } else if (f === 'i') {
      const n = Number(arg)
      if (!(n === 0 || (n >= 0.1 && n <= 60)))
        throw new ParamError('invalid report interval (min = 0.1, max = 60 seconds)')
      o.intervalNs = n * SEC
    } else if (f === 'J') o.json = true
    else if (f === '1') o.oneOff = true
    else if (f === 'V' || f === '4' || f === 'N') {
      // Verbose extras, IPv4 only and TCP_NODELAY change nothing that this iperf3 prints.
    } else {
      clientOnly = true
      if (f === 't') {
        const n = Number(arg)
        if (!(Number.isInteger(n) && n >= 0 && n <= 86400))
          throw new ParamError('test duration valid values are 0 to 86400 seconds')
        o.params.time = n
        timeSet = true
      } else if (f === 'n') {
        const n = unitParse(arg)
        if (!(n > 0)) throw new ParamError('bogus value for --bytes')
        o.params.bytes = Math.floor(n)
      } else if (f === 'P') {
        const n = /^\d+$/.test(arg) ? Number(arg) : -1
        if (!(n >= 1 && n <= 128))
          throw new ParamError('number of parallel streams too large (maximum = 128)')
        o.params.parallel = n
      } else if (f === 'R') o.params.reverse = true
      else if (f === 'u') o.params.udp = true
      else if (f === 'b') {
        const n = unitParse(arg.replace(/\/.*$/, ''), true)
        if (!(n >= 0)) throw new ParamError('bogus value for --bitrate')
        o.params.bandwidth = Math.floor(n)
      } else if (f === 'l') {
        const n = unitParse(arg)
        if (!(n >= 1 && n <= 1024 * 1024))
          throw new ParamError('block size too large (maximum = 1048576 bytes)')
        o.params.len = Math.floor(n)
      }
    }
  }
  if (!o.server && o.client === null) throw new ParamError('must either be a client (-c) or server (-s)')
  if (o.server && clientOnly) throw new ParamError('some option you are trying to set is client only')
  if (timeSet && o.params.bytes !== 0)
    throw new ParamError('only one test end condition (-t, -n, -k) may be specified')
  if (o.params.bytes !== 0) o.params.time = 0
  if (o.params.udp && o.params.len > 65507)
    throw new ParamError('block size invalid (minimum = 16 bytes, maximum = 65507 bytes)')
  o.params = withDefaults(o.params)
  return o
}

export const iperf3: Command = async (argv, io, proc) => {
  let o: IperfOpts | 'help' | 'version'
  try {
    o = parse(argv)
  } catch (e) {
    if (!(e instanceof ParamError)) throw e
    // getopt's own complaint comes first, as iperf3's getopt_long prints it.
    if (e.message.startsWith('\x00')) io.stderr.write(`${e.message.slice(1)}\n`)
    else io.stderr.write(`iperf3: parameter error - ${e.message}\n\n`)
    io.stderr.write(USAGE)
    return 1
  }
  if (o === 'help') {
    io.stdout.write(HELP)
    return 0
  }
  if (o === 'version') {
    io.stdout.write(`iperf ${IPERF_VERSION} (cJSON 1.7.13)\nVirtNet\n`)
    return 0
  }
  const opts = o
  const err = (msg: string): void => void io.stderr.write(`iperf3: error - ${msg}\n`)
  const newOutput = (): Output => (opts.json ? jsonOutput(io, () => proc.sys.now()) : textOutput(io))
  try {
    if (opts.server) return await runServer(proc, opts, newOutput, err)
    const out = newOutput()
    try {
      await runClient(proc, opts, out)
    } catch (e) {
      if (proc.killed) return 1
      if (!(e instanceof IperfError) && !isSysError(e)) throw e
      const msg = e instanceof IperfError ? e.message : e.strerror
      if (opts.json) out.fail(msg)
      else err(msg)
      return 1
    }
    return 0
  } catch (e) {
    if (e instanceof IperfError) {
      err(e.message)
      return 1
    }
    throw e
  }
}
