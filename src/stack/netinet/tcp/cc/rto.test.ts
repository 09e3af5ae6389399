/**
 * What a retransmission timeout leaves of the window, as FreeBSD 14's modules set it on CC_RTO:
 * NewReno (cc_newreno.c) ssthresh = max(2, min(snd_wnd, pipe) * beta / 100 / mss) * mss with the
 * connection's beta (net.inet.tcp.cc.newreno.beta when it was made); CUBIC (cc_cubic.c) the same
 * with beta in its fixed point (179 >> 8, 0.699); both cwnd = one segment, counted as
 * tcp_fixed_maxseg() — t_maxseg less the options every segment carries.
 * Scripts written here, run by our packetdrill in virtual time: ten segments leave, none is
 * acknowledged, the first goes again after the 1 s RTO, and tcp_info is read at that moment.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runPkt } from '../../../../testing/pkt_run.js'

/** The script, with the sysctls and the tcp_info figures expected just after the RTO. */
function script(algo: string, beta: number, ssthresh: number, cwnd: number): string {
  const L = [
    `0 \`sysctl -w net.inet.tcp.cc.algorithm=${algo} net.inet.tcp.cc.newreno.beta=${beta}\``,
    '+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
    '+0 bind(3, ..., ...) = 0',
    '+0 listen(3, 1) = 0',
    '+0 < S 0:0(0) win 65535 <mss 1000>',
    '+0 > S. 0:0(0) ack 1 win 65535 <mss 1460>',
    '+.1 < . 1:1(0) ack 1 win 65535',
    '+0 accept(3, ..., ...) = 4',
    '+0 write(4, ..., 10000) = 10000',
  ]
  for (let i = 0; i < 10; i++) {
    const s = 1 + i * 1000
    L.push(`+0 > ${i === 9 ? 'P.' : '.'} ${s}:${s + 1000}(1000) ack 1 win 65535`)
  }
  L.push('+1 > . 1:1001(1000) ack 1 win 65535')
  L.push(`+0 %{ assert tcpi_snd_ssthresh == ${ssthresh} }%`)
  L.push(`+0 %{ assert tcpi_snd_cwnd == ${cwnd} }%`)
  return `${L.join('\n')}\n`
}

async function ok(text: string): Promise<void> {
  const { r } = await runPkt(text)
  assert.deepEqual(r, { ok: true, line: 0, message: '' })
}

describe('cc: the window after an RTO (CC_RTO)', () => {
  test('NewReno: beta applies, 80% of the 10 segments in flight', async () => {
    await ok(script('newreno', 80, 8000, 1000))
  })

  test('NewReno at the default beta (50): half; the script fails on any other figure', async () => {
    await ok(script('newreno', 50, 5000, 1000))
    const { r } = await runPkt(script('newreno', 50, 8000, 1000))
    assert.deepEqual(r, {
      ok: false,
      line: 21,
      message: 'expected assert tcpi_snd_ssthresh == 8000 got tcpi_snd_ssthresh == 5000',
    })
  })

  test("CUBIC: 10000 * 179 >> 8 = 6992 bytes, so 6 segments (0.7 would give 7); beta is NewReno's only", async () => {
    await ok(script('cubic', 80, 6000, 1000))
  })

  test('with timestamps the segment is tcp_fixed_maxseg: 1000 less the 12 option bytes', async () => {
    const ts = (val: number, ecr: number) => `<nop,nop,TS val ${val} ecr ${ecr}>`
    const L = [
      '0 `sysctl -w net.inet.tcp.cc.algorithm=newreno`',
      '+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
      '+0 bind(3, ..., ...) = 0',
      '+0 listen(3, 1) = 0',
      `+0 < S 0:0(0) win 65535 <mss 1000,nop,nop,TS val 100 ecr 0>`,
      `+0 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,nop,TS val 100 ecr 100>`,
      `+.1 < . 1:1(0) ack 1 win 65535 ${ts(200, 100)}`,
      '+0 accept(3, ..., ...) = 4',
      '+0 write(4, ..., 9880) = 9880',
    ]
    for (let i = 0; i < 10; i++) {
      const s = 1 + i * 988
      L.push(`+0 > ${i === 9 ? 'P.' : '.'} ${s}:${s + 988}(988) ack 1 win 65535 ${ts(200, 200)}`)
    }
    L.push(`+1 > . 1:989(988) ack 1 win 65535 ${ts(1200, 200)}`)
    // Counting in t_maxseg, as this stack did before, gives 1000: option bytes taken for data.
    L.push('+0 %{ assert tcpi_snd_cwnd == 988 }%')
    await ok(`${L.join('\n')}\n`)
  })
})
