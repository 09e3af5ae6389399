/**
 * Test support for dummynet's schedulers: the environment a scheduler instance runs in, with the
 * packets it drops counted and the last one kept for the test to look at.
 */

import type { Mbuf, MbufPool } from '../buf/mbuf.js'
import { FlowStats } from '../stack/netpfil/ipfw/dummynet/dn_queue.js'
import type { SchedEnv } from '../stack/netpfil/ipfw/dummynet/dn_sched.js'
import { Rng } from '../util/rng.js'

export type CountingSchedEnv = SchedEnv & { drops: number; last: Mbuf | null }

export function countingSchedEnv(pool: MbufPool, seed: number, stream: string): CountingSchedEnv {
  const e = {
    pool,
    rng: new Rng(seed, stream),
    ni: new FlowStats(),
    drops: 0,
    last: null as Mbuf | null,
    dropped(m: Mbuf) {
      e.drops++
      e.last = m
      pool.put(m)
    },
  }
  return e
}
