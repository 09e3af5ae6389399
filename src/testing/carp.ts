/**
 * What the carp(4) tests share: a pair of vnets on an epair (a: epair0a, b: epair0b) with carp
 * loaded, the SIOCSVH request `ifconfig … vhid N` makes, and a vhid's state by its ifconfig name.
 * Test code only.
 */

import type { CarpSetReq, Syscalls } from '../host/syscalls.js'
import { type netisrGuard, pairNet } from './fixtures.js'
import type { Net } from './net.js'

const STATE: readonly string[] = ['INIT', 'BACKUP', 'MASTER']

/** Two vnets on an epair with carp loaded, tracked by the test file's netisr guard. */
export function carpPair(guard: ReturnType<typeof netisrGuard>, seed: number): Net {
  const net = guard.track(pairNet(seed))
  net.root.kldload('carp')
  return net
}

/** The request of `ifconfig IF vhid 1` with ifconfig's defaults (advbase 1, advskew 0, no key). */
export function carpReq(o: Partial<CarpSetReq> = {}): CarpSetReq {
  return { vhid: 1, state: 0, advbase: 0, advskew: 0, key: new Uint8Array(20), peer: 0, peer6: null, ...o }
}

/** INIT, BACKUP or MASTER: vhid `vhid` on ifName, as ifconfig prints it. */
export function carpState(sys: Syscalls, ifName: string, vhid = 1): string {
  return STATE[sys.carpGet(ifName, vhid)[0]!.state]!
}
