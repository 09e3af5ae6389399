/**
 * cc_after_idle as tcp_output calls it (RFC 5681 §4.1): a NewReno sender whose cwnd grew to six
 * segments falls back to the restart window, min(IW, cwnd), once it has been idle for an RTO — since
 * the last segment arrived (t_rcvtime) or since new data last left (t_sndtime, even while the peer
 * keeps sending) — and keeps its cwnd after a shorter pause. Scripts written here, run by our
 * packetdrill in virtual time; an extra or missing segment fails them.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runPkt } from '../../../../testing/pkt_run.js'

/**
 * Two rounds grow cwnd from IW (initcwnd_segments=2: 2000 bytes) to 6000 (RFC 3465, two segments
 * per ACK), with a 100 ms RTT (so the RTO is about half a second). `pause` is the script lines of
 * the idle period; `flight` the segments the 6000-byte write then sends before the next ACK.
 */
function script(pause: string[], flight: number, algo = 'newreno'): string {
  const L = [
    `0 \`sysctl -w net.inet.tcp.cc.algorithm=${algo} net.inet.tcp.initcwnd_segments=2\``,
    '+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3',
    '+0 bind(3, ..., ...) = 0',
    '+0 listen(3, 1) = 0',
    '+0 < S 0:0(0) win 65535 <mss 1000>',
    '+0 > S. 0:0(0) ack 1 win 65535 <mss 1460>',
    '+.1 < . 1:1(0) ack 1 win 65535',
    '+0 accept(3, ..., ...) = 4',
    '+0 write(4, ..., 2000) = 2000',
    '+0 > . 1:1001(1000) ack 1 win 65535',
    '+0 > P. 1001:2001(1000) ack 1 win 65535',
    '+.1 < . 1:1(0) ack 2001 win 65535',
    '+0 write(4, ..., 4000) = 4000',
    '+0 > . 2001:3001(1000) ack 1 win 65535',
    '+0 > . 3001:4001(1000) ack 1 win 65535',
    '+0 > . 4001:5001(1000) ack 1 win 65535',
    '+0 > P. 5001:6001(1000) ack 1 win 65535',
    '+.1 < . 1:1(0) ack 6001 win 65535',
    ...pause,
    '+0 write(4, ..., 6000) = 6000',
  ]
  const ack = pause.some((l) => l.includes('< P.'))
    ? 1 + 100 * pause.filter((l) => l.includes('< P.')).length
    : 1
  for (let i = 0; i < flight; i++) {
    const s = 6001 + i * 1000
    L.push(`+0 > ${s + 1000 === 12001 ? 'P.' : '.'} ${s}:${s + 1000}(1000) ack ${ack} win 65535`)
  }
  // Nothing more until the ACK; then the rest, which the grown window lets out at once.
  L.push(`+.1 < . ${ack}:${ack}(0) ack ${6001 + flight * 1000} win 65535`)
  for (let s = 6001 + flight * 1000; s < 12001; s += 1000)
    L.push(`+0 > ${s + 1000 === 12001 ? 'P.' : '.'} ${s}:${s + 1000}(1000) ack ${ack} win 65535`)
  return `${L.join('\n')}\n`
}

async function ok(text: string): Promise<void> {
  const { r } = await runPkt(text)
  assert.deepEqual(r, { ok: true, line: 0, message: '' })
}

describe('cc_after_idle: restart window after an idle RTO (RFC 5681 §4.1)', () => {
  test('idle 3 s (> RTO): the next flight is the restart window, 2 segments', async () => {
    await ok(script(['+3 `true`'], 2))
  })

  test('idle 50 ms (< RTO): cwnd is kept, all 6 segments go at once', async () => {
    await ok(script(['+.05 `true`'], 6))
  })

  test('the same with CUBIC', async () => {
    await ok(script(['+3 `true`'], 2, 'cubic'))
    await ok(script(['+.05 `true`'], 6, 'cubic'))
  })

  test('receiving all along does not count as busy: 1.2 s without sending new data restarts too (t_sndtime)', async () => {
    // The peer sends 100 bytes every 0.3 s; each is ACKed (delayed ACK, 40 ms). t_rcvtime stays
    // fresh, but nothing new has left for more than an RTO.
    const pause: string[] = []
    for (let k = 0; k < 4; k++) {
      pause.push(`+.3 < P. ${1 + k * 100}:${101 + k * 100}(100) ack 6001 win 65535`)
      pause.push(`+.04 > . 6001:6001(0) ack ${101 + k * 100} win 65535`)
    }
    await ok(script(pause, 2))
  })

  test('the restart window is checked against the script: 3 segments there fail', async () => {
    const { r } = await runPkt(script(['+3 `true`'], 3))
    assert.equal(r.ok, false)
  })
})

describe('the congestion-control sysctls', () => {
  test('cc.abe gates cc.newreno.beta_ecn (EACCES); the betas take 1 to 100 (EINVAL); rfc3390/rfc3465 switch', async () => {
    const { sys } = await runPkt('0 `sysctl -w net.inet.tcp.msl=30000`\n')
    const errno = (f: () => unknown): string => {
      try {
        f()
        return 'ok'
      } catch (e) {
        return (e as { code: string }).code
      }
    }
    assert.equal(sys.sysctlGet('net.inet.tcp.cc.abe').value, 0)
    assert.equal(sys.sysctlGet('net.inet.tcp.cc.newreno.beta').value, 50)
    assert.equal(sys.sysctlGet('net.inet.tcp.cc.newreno.beta_ecn').value, 80)
    assert.equal(
      errno(() => sys.sysctlSet('net.inet.tcp.cc.newreno.beta_ecn', '70')),
      'EACCES',
    )
    sys.sysctlSet('net.inet.tcp.cc.abe', '1')
    sys.sysctlSet('net.inet.tcp.cc.newreno.beta_ecn', '70')
    assert.equal(sys.sysctlGet('net.inet.tcp.cc.newreno.beta_ecn').value, 70)
    for (const bad of ['0', '101']) {
      assert.equal(
        errno(() => sys.sysctlSet('net.inet.tcp.cc.newreno.beta', bad)),
        'EINVAL',
      )
      assert.equal(
        errno(() => sys.sysctlSet('net.inet.tcp.cc.newreno.beta_ecn', bad)),
        'EINVAL',
      )
    }
    assert.equal(sys.sysctlGet('net.inet.tcp.cc.newreno.beta').value, 50)
    for (const n of ['rfc3390', 'rfc3465', 'cc.abe_frlossreduce']) {
      const name = `net.inet.tcp.${n}`
      const was = sys.sysctlGet(name).value
      sys.sysctlSet(name, was === 1 ? '0' : '1')
      assert.equal(sys.sysctlGet(name).value, was === 1 ? 0 : 1, name)
    }
  })
})
