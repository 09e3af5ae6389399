/**
 * iperf3's output from a test's records: the interval lines with their headers and, for several
 * streams, the [SUM] lines and separators (iperf_print_intermediate), the final summary with its
 * sender and receiver lines (iperf_print_results), both in iperf_locale.c's formats, and the same
 * as the `-J` document's "intervals" and "end". Pure: strings and objects out, nothing printed.
 */

import { formatIpv4 } from '../../../wire/addr.js'
import type { IntervalRec, Stream, StreamInterval, Test } from './engine.js'
import { gfmt, interval, unitFormat } from './units.js'

export const SEPARATOR = '- - - - - - - - - - - - - - - - - - - - - - - - -\n'
const HDR_BW = '[ ID] Interval           Transfer     Bitrate\n'
const HDR_RETR = '[ ID] Interval           Transfer     Bitrate         Retr\n'
const HDR_RETR_CWND = '[ ID] Interval           Transfer     Bitrate         Retr  Cwnd\n'
const HDR_UDP = '[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n'
const HDR_UDP_SENDER = '[ ID] Interval           Transfer     Bitrate         Total Datagrams\n'

const id3 = (n: number): string => `[${String(n).padStart(3)}]`

function head(tag: string, start: number, end: number, bytes: number, secs: number): string {
  const rate = secs > 0 ? bytes / secs : 0
  return `${tag} ${interval(start, end)} sec  ${unitFormat(bytes, 'A')}s  ${unitFormat(rate, 'a')}s/sec`
}

/** report_bw_format and its siblings: the text after the bitrate. */
function tailBw(what: string): string {
  return `                  ${what}\n`
}
function tailRetr(retr: number, what: string): string {
  return `  ${String(retr).padStart(3)}             ${what}\n`
}
function tailUdp(jitterMs: number, lost: number, total: number, what: string): string {
  const pct = total > 0 ? (100 * lost) / total : 0
  return `  ${jitterMs.toFixed(3).padStart(5)} ms  ${lost}/${total} (${gfmt(pct, 2)}%)  ${what}\n`
}

/** `[  5] local A port P connected to B port Q`. */
export function connectedLine(s: Stream): string {
  return `${id3(s.socket)} local ${formatIpv4(s.local.addr)} port ${s.local.port} connected to ${formatIpv4(s.remote.addr)} port ${s.remote.port}\n`
}

/** One interval's lines (and its header before the first, a separator between groups). */
export function intervalText(t: Test, rec: IntervalRec, first: boolean): string {
  let out = ''
  const sender = t.sending
  if (first) {
    if (!t.udp) out += t.senderHasRetrans === 1 && sender ? HDR_RETR_CWND : HDR_BW
    else out += sender ? HDR_UDP_SENDER : HDR_UDP
  } else if (t.streams.length > 1) out += SEPARATOR
  const secs = rec.end - rec.start
  for (const iv of rec.streams)
    out += head(id3(iv.stream.socket), rec.start, rec.end, iv.bytes, secs) + ivTail(t, iv)
  if (t.streams.length > 1) {
    const sum = (f: (iv: StreamInterval) => number): number => rec.streams.reduce((a, iv) => a + f(iv), 0)
    const bytes = sum((iv) => iv.bytes)
    out += head('[SUM]', rec.start, rec.end, bytes, secs)
    if (!t.udp)
      out +=
        t.senderHasRetrans === 1 && sender
          ? tailRetr(
              sum((iv) => iv.retrans),
              '',
            )
          : tailBw('')
    else if (sender) out += ` ${sum((iv) => iv.packets)}  \n`
    else
      out += tailUdp(
        (sum((iv) => iv.jitter) / t.streams.length) * 1000,
        sum((iv) => iv.errors),
        sum((iv) => iv.packets),
        '',
      )
  }
  return out
}

function ivTail(t: Test, iv: StreamInterval): string {
  if (!t.udp) {
    if (t.senderHasRetrans === 1 && iv.stream.sender)
      return `  ${String(iv.retrans).padStart(3)}   ${unitFormat(iv.cwnd, 'A')}s       \n`
    return tailBw('')
  }
  if (iv.stream.sender) return ` ${iv.packets}  \n`
  return tailUdp(iv.jitter * 1000, iv.errors, iv.packets, '')
}

/** Per stream: what the sending and the receiving side counted, and for how long. */
interface Sides {
  sent: number
  received: number
  senderTime: number
  receiverTime: number
  retrans: number
  senderPackets: number
  receiverPackets: number
  errors: number
  jitter: number
}

function sides(t: Test, s: Stream): Sides {
  const mine = (t.endNs - t.startNs) / 1e9
  const peerTime = s.peer !== null && s.peer.end_time > 0 ? s.peer.end_time : mine
  if (s.sender)
    return {
      sent: s.bytes,
      received: s.peer?.bytes ?? 0,
      senderTime: mine,
      receiverTime: peerTime,
      retrans: s.retrans,
      senderPackets: s.packets,
      receiverPackets: s.peer?.packets ?? 0,
      errors: s.peer?.errors ?? 0,
      jitter: s.peer?.jitter ?? 0,
    }
  return {
    sent: s.peer?.bytes ?? 0,
    received: s.bytes,
    senderTime: peerTime,
    receiverTime: mine,
    retrans: s.peer?.retransmits ?? 0,
    senderPackets: s.peer?.packets ?? 0,
    receiverPackets: s.packets,
    errors: s.errors,
    jitter: s.jitter,
  }
}

/** iperf_print_results for a one-direction test: the separator, the header, each stream's lines. */
export function summaryText(t: Test): string {
  let out = SEPARATOR
  out += t.udp ? HDR_UDP : t.senderHasRetrans ? HDR_RETR : HDR_BW
  // The server shows only its own side: it cannot know the other one's totals in time.
  const showSender = !(t.role === 's' && !t.sending)
  const showReceiver = !(t.role === 's' && t.sending)
  const all = t.streams.map((s) => [s, sides(t, s)] as const)
  for (const [s, x] of all) {
    const tag = id3(s.socket)
    if (showSender) {
      out += head(tag, 0, x.senderTime, x.sent, x.senderTime)
      if (t.udp) out += tailUdp(0, 0, x.senderPackets, 'sender')
      else out += t.senderHasRetrans ? tailRetr(x.retrans, 'sender') : tailBw('sender')
    }
    if (showReceiver) {
      out += head(tag, 0, x.receiverTime, x.received, x.receiverTime)
      out += t.udp ? tailUdp(x.jitter * 1000, x.errors, x.receiverPackets, 'receiver') : tailBw('receiver')
    }
  }
  if (t.streams.length > 1 && all.length > 0) {
    const sum = (f: (x: Sides) => number): number => all.reduce((a, [, x]) => a + f(x), 0)
    const senderTime = all[0]![1].senderTime
    const receiverTime = all[0]![1].receiverTime
    if (showSender) {
      out += head(
        '[SUM]',
        0,
        senderTime,
        sum((x) => x.sent),
        senderTime,
      )
      if (t.udp)
        out += tailUdp(
          0,
          0,
          sum((x) => x.senderPackets),
          'sender',
        )
      else
        out += t.senderHasRetrans
          ? tailRetr(
              sum((x) => x.retrans),
              'sender',
            )
          : tailBw('sender')
    }
    if (showReceiver) {
      out += head(
        '[SUM]',
        0,
        receiverTime,
        sum((x) => x.received),
        receiverTime,
      )
      out += t.udp
        ? tailUdp(
            (sum((x) => x.jitter) / all.length) * 1000,
            sum((x) => x.errors),
            sum((x) => x.receiverPackets),
            'receiver',
          )
        : tailBw('receiver')
    }
  }
  return out
}

/** The `-J` document's "intervals" entry for one interval. */
export function intervalJson(t: Test, rec: IntervalRec): Record<string, unknown> {
  const secs = rec.end - rec.start
  const one = (iv: StreamInterval): Record<string, unknown> => {
    const o: Record<string, unknown> = {
      socket: iv.stream.socket,
      start: rec.start,
      end: rec.end,
      seconds: secs,
      bytes: iv.bytes,
      bits_per_second: secs > 0 ? (iv.bytes * 8) / secs : 0,
    }
    if (!t.udp && iv.stream.sender && t.senderHasRetrans === 1)
      Object.assign(o, { retransmits: iv.retrans, snd_cwnd: iv.cwnd, rtt: iv.rtt })
    if (t.udp && iv.stream.sender) o.packets = iv.packets
    if (t.udp && !iv.stream.sender)
      Object.assign(o, {
        jitter_ms: iv.jitter * 1000,
        lost_packets: iv.errors,
        packets: iv.packets,
        lost_percent: iv.packets > 0 ? (100 * iv.errors) / iv.packets : 0,
      })
    return Object.assign(o, { omitted: false, sender: iv.stream.sender })
  }
  const streams = rec.streams.map(one)
  const bytes = rec.streams.reduce((a, iv) => a + iv.bytes, 0)
  const sum: Record<string, unknown> = {
    start: rec.start,
    end: rec.end,
    seconds: secs,
    bytes,
    bits_per_second: secs > 0 ? (bytes * 8) / secs : 0,
  }
  if (!t.udp && t.sending && t.senderHasRetrans === 1)
    sum.retransmits = rec.streams.reduce((a, iv) => a + iv.retrans, 0)
  Object.assign(sum, { omitted: false, sender: t.sending })
  return { streams, sum }
}

/** The `-J` document's "end". */
export function endJson(t: Test): Record<string, unknown> {
  const streams: Array<Record<string, unknown>> = []
  let sent = 0
  let received = 0
  let retrans = 0
  let senderTime = 0
  let receiverTime = 0
  for (const s of t.streams) {
    const x = sides(t, s)
    sent += x.sent
    received += x.received
    retrans += x.retrans
    senderTime = x.senderTime
    receiverTime = x.receiverTime
    const side = (bytes: number, secs: number, sender: boolean): Record<string, unknown> => ({
      socket: s.socket,
      start: 0,
      end: secs,
      seconds: secs,
      bytes,
      bits_per_second: secs > 0 ? (bytes * 8) / secs : 0,
      ...(sender && !t.udp && t.senderHasRetrans === 1
        ? { retransmits: x.retrans, max_snd_cwnd: s.maxCwnd }
        : {}),
      sender: s.sender,
    })
    if (t.udp)
      streams.push({
        udp: {
          ...side(x.sent, x.senderTime, true),
          jitter_ms: x.jitter * 1000,
          lost_packets: x.errors,
          packets: x.senderPackets || x.receiverPackets,
          lost_percent:
            (x.senderPackets || x.receiverPackets) > 0
              ? (100 * x.errors) / (x.senderPackets || x.receiverPackets)
              : 0,
          out_of_order: s.outOfOrder,
        },
      })
    else
      streams.push({
        sender: side(x.sent, x.senderTime, true),
        receiver: side(x.received, x.receiverTime, false),
      })
  }
  const total = (
    bytes: number,
    secs: number,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> => ({
    start: 0,
    end: secs,
    seconds: secs,
    bytes,
    bits_per_second: secs > 0 ? (bytes * 8) / secs : 0,
    ...extra,
    sender: t.sending,
  })
  const end: Record<string, unknown> = { streams }
  if (t.udp) end.sum = total(sent, receiverTime)
  else {
    end.sum_sent = total(sent, senderTime, t.senderHasRetrans === 1 ? { retransmits: retrans } : {})
    end.sum_received = total(received, receiverTime)
  }
  end.cpu_utilization_percent = {
    host_total: 0,
    host_user: 0,
    host_system: 0,
    remote_total: 0,
    remote_user: 0,
    remote_system: 0,
  }
  if (!t.udp) {
    end.sender_tcp_congestion = 'newreno'
    end.receiver_tcp_congestion = 'newreno'
  }
  return end
}
