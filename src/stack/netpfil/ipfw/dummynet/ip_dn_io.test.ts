/**
 * dummynetFast against dummynetIo: two hosts, configured alike, take the same random run of packets,
 * pipe reconfigurations (unlimited, delay, bandwidth with a burst, loss) and clock steps; one sends
 * every packet through dummynetIo, the other tries dummynetFast first. Their verdicts, counters
 * (io_pkt, io_pkt_fast, io_pkt_drop), flow listings and the instance's credit and stamps must agree
 * after every step, and the fast one must actually have taken its case.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Host } from '../../../../host/host.js'
import { virtualHost } from '../../../../testing/net_lab.js'
import { Rng } from '../../../../util/rng.js'
import { IpProto, writeIpv4Header } from '../../../../wire/inet/ipv4.js'
import { PFIL_IN } from '../../../net/pfil.js'
import { PktFacts, readFacts } from '../ip_fw_facts.js'
import { DN_FS_DEFAULTS, DN_MAX_ID, type DnLinkCfg } from './dn_h.js'
import { dummynet } from './dn_module.js'
import { DN_IO, dummynetFast, dummynetIo } from './ip_dn_io.js'

const FS = 1 + 2 * DN_MAX_ID

function config(host: Host, link: DnLinkCfg, plr: number): void {
  dummynet(host.prison0.vnet).ctl({
    op: 'config-pipe',
    nr: 1,
    link,
    fs: { ...DN_FS_DEFAULTS, plr },
    sch: { type: '', mask: null, buckets: 0, fqCodel: null },
  })
}

/** One packet into host's pipe 1; the verdict, and whether dummynetFast gave it. */
function send(host: Host, fast: boolean, len: number): [number, boolean] {
  const v = host.prison0.vnet
  const m = v.env.pool.get(len)
  m.len = len
  // To an address nobody has: a reinjected packet is dropped by ip_input (no route), in both hosts.
  writeIpv4Header(m.data, m.off, 0xc6120001, 0xc6130001, IpProto.UDP, 64, 0, 1, len, 0)
  if (fast) {
    const r = dummynetFast(v, FS, len)
    if (r === DN_IO.FAST) {
      v.env.pool.put(m)
      return [r, true]
    }
    assert.equal(r, DN_IO.SLOW)
  }
  const p = new PktFacts()
  assert.ok(readFacts(p, m))
  const r = dummynetIo(v, m, v.loopback!, PFIL_IN, FS, {}, 0, 100, p)
  if (r === DN_IO.FAST) v.env.pool.put(m)
  return [r, false]
}

function state(host: Host): unknown {
  const st = dummynet(host.prison0.vnet)
  const si = st.schk.get(1 + DN_MAX_ID)?.si
  return {
    stats: { ...st.stats },
    flows: st.ctl({ op: 'list', what: 'pipe', ranges: [] }).objs,
    si: si === null || si === undefined ? null : [si.credit, si.schedTime, si.idleTime, si.active],
  }
}

test('dummynetFast agrees with dummynetIo on verdicts, counters and stamps, and takes its case', async () => {
  const full = virtualHost(3)
  const fast = virtualHost(3)
  const rng = new Rng(11)
  const links: DnLinkCfg[] = [
    { bw: 0, delay: 0, burst: 0 },
    { bw: 0, delay: 0, burst: 0 },
    { bw: 0, delay: 2, burst: 0 },
    { bw: 1_000_000, delay: 0, burst: 3000 },
    { bw: 0, delay: 0, burst: 5000 },
  ]
  for (const h of [full, fast]) {
    h.syscalls().kldload('ipfw')
    h.syscalls().kldload('dummynet')
    config(h, links[0]!, 0)
  }
  let fastTaken = 0
  for (let step = 0; step < 400; step++) {
    const x = rng.int(100)
    if (x < 4) {
      const link = links[rng.int(links.length)]!
      const plr = rng.int(8) === 0 ? 0.25 : 0
      for (const h of [full, fast]) config(h, link, plr)
    } else if (x < 20) {
      const ns = rng.int(3) * 1_000_000 + rng.int(1000)
      await Promise.all([full.clock.sleep(ns), fast.clock.sleep(ns)])
    } else {
      const len = 28 + rng.int(1000)
      const [a] = send(full, false, len)
      const [b, viaFast] = send(fast, true, len)
      assert.equal(b, a, `step ${step}`)
      if (viaFast) fastTaken++
    }
    assert.deepEqual(state(fast), state(full), `step ${step}`)
  }
  const st = dummynet(fast.prison0.vnet).stats
  assert.ok(st.ioPktFast > 50 && st.ioPkt > st.ioPktFast, `io_pkt ${st.ioPkt}, fast ${st.ioPktFast}`)
  assert.ok(fastTaken > 50, `fast ${fastTaken}`)
  for (const h of [full, fast]) h.clock.stop()
})
