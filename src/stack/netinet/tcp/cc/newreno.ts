/**
 * The NewReno congestion-control module (FreeBSD's cc_newreno(4), sys/netinet/cc/cc_newreno.c):
 * RFC 5681 slow start and congestion avoidance with RFC 3465 byte counting (abc_l_var), RFC 6928
 * initial window (set by ccConnInit), RFC 6582 fast recovery exit, ssthresh = beta * cwnd on loss
 * (net.inet.tcp.cc.newreno.beta, 50) and beta_ecn with ABE. The behaviour lives in cc.ts, where
 * FreeBSD keeps it for all modules to share; HyStart++ (used only by the RACK stack) is not here.
 * A read-only table entry: no state of its own.
 */

import {
  type CcAlgo,
  newrenoAckReceived,
  newrenoAfterIdle,
  newrenoCongSignal,
  newrenoPostRecovery,
} from './cc.js'

export const newreno: CcAlgo = Object.freeze({
  name: 'newreno',
  ackReceived: newrenoAckReceived,
  congSignal: newrenoCongSignal,
  postRecovery: newrenoPostRecovery,
  afterIdle: newrenoAfterIdle,
})
