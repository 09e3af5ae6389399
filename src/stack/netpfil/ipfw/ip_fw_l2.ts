/**
 * ipfw on the link pfil head (FreeBSD's ipfw_check_frame in ip_fw_pfil.c): a bridged frame, header
 * included, runs through the vnet's chain when net.link.bridge.ipfw=1 (bridge_pfil). The pass is
 * marked layer2, so `layer2`, `mac-type` and `mac` match; an IPv4 frame also shows its IP fields,
 * any other (ARP ...) only matches rules that look at no IP field. Only pass or drop exist here:
 * reject, reset and deny drop the frame; fwd passes it (FreeBSD ignores it at layer 2).
 *
 * Allocation-free; never throws; a frame too short for its headers is dropped and counted.
 */

import type { Mbuf } from '../../../buf/mbuf.js'
import { readMac } from '../../../wire/addr.js'
import { ETHER_HDR_LEN } from '../../../wire/link/ethernet.js'
import type { Ifnet } from '../../net/ifnet.js'
import { PFIL, type PfilHook } from '../../net/pfil.js'
import type { Vnet } from '../../net/vnet.js'
import { IPFW_HOOK, ipfw } from './ip_fw_chain.js'
import { readFacts } from './ip_fw_facts.js'
import { ipfwChk, VERDICT_FWD, VERDICT_PASS } from './ip_fw2.js'

const ETHERTYPE_IP = 0x0800

export function ipfwCheckFrame(v: Vnet, m: Mbuf, ifp: Ifnet, dir: number): number {
  const ch = ipfw(v)
  if (ch.enable === 0 || ch.bridgeIpfw === 0) return PFIL.PASS
  if (ch.nest >= 3 || m.len < ETHER_HDR_LEN) {
    ch.stats.pullupFailed++
    v.env.pool.put(m)
    return PFIL.CONSUMED
  }
  const p = ch.facts[ch.nest]!
  const b = m.data
  const o = m.off
  p.macDst = readMac(b, o)
  p.macSrc = readMac(b, o + 6)
  p.etherType = (b[o + 12]! << 8) | b[o + 13]!
  let ok = true
  if (
    (p.etherType === ETHERTYPE_IP && m.len >= ETHER_HDR_LEN + 20) ||
    (p.etherType === 0x86dd && m.len >= ETHER_HDR_LEN + 40)
  ) {
    m.off += ETHER_HDR_LEN
    m.len -= ETHER_HDR_LEN
    ok = readFacts(p, m)
    m.off -= ETHER_HDR_LEN
    m.len += ETHER_HDR_LEN
  } else {
    // Not IP: no IP field can match (addresses 0, protocol 0, no layer 4).
    p.v4 = false
    p.v6 = false
    p.odd6 = 0
    p.src = 0
    p.dst = 0
    p.proto = 0
    p.hlen = 0
    p.iplen = m.len
    p.ttl = 0
    p.tos = 0
    p.offset = 0
    p.l4 = false
    p.tcpFlags = 0
    p.sport = 0
    p.dport = 0
  }
  if (!ok) {
    ch.stats.pullupFailed++
    v.env.pool.put(m)
    return PFIL.CONSUMED
  }
  p.layer2 = true
  p.dir = dir
  p.ifname = ifp.name
  ch.nest++
  p.m = null
  let verdict: number
  try {
    verdict = ipfwChk(v, ch, p, v.env.clock.now())
  } finally {
    ch.nest--
    p.layer2 = false
  }
  if (verdict === VERDICT_PASS || verdict === VERDICT_FWD) return PFIL.PASS
  v.env.pool.put(m)
  return PFIL.CONSUMED
}

/** The hook ipfw links on the link head when the module loads. */
export function ipfwL2Hook(): PfilHook {
  return { name: IPFW_HOOK, input: ipfwCheckFrame, output: ipfwCheckFrame }
}
