/**
 * pfil(9) heads: hooks run in the order they were linked, each as a method of its hook object; the
 * first that does not pass ends the run; one hook alone is called directly, and unlinking or
 * linking a second goes back to the loop. nextHop/nextPort start each run cleared.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Mbuf } from '../../buf/mbuf.js'
import { virtualHost } from '../../testing/net_lab.js'
import type { Ifnet } from './ifnet.js'
import { PFIL, PFIL_IN, PFIL_OUT, PfilHead, type PfilHook } from './pfil.js'
import type { Vnet } from './vnet.js'

class Recorder implements PfilHook {
  readonly name: string
  readonly verdict: number
  readonly log: string[]
  constructor(name: string, log: string[], verdict: number = PFIL.PASS) {
    this.name = name
    this.log = log
    this.verdict = verdict
  }
  input(_v: Vnet, _m: Mbuf, _ifp: Ifnet, dir: number): number {
    this.log.push(`${this.name}:in:${dir}`)
    return this.verdict
  }
  output(_v: Vnet, _m: Mbuf, _ifp: Ifnet, dir: number): number {
    this.log.push(`${this.name}:out:${dir}`)
    return this.verdict
  }
}

test('hooks run in link order as methods, the first that does not pass ends the run', () => {
  const v = virtualHost().vnet0
  const m = v.env.pool.get(64)
  const ifp = {} as Ifnet
  const log: string[] = []
  const head = new PfilHead()
  assert.equal(head.nIn, 0)
  head.link(new Recorder('a', log))
  assert.equal(head.nIn, 1)
  assert.equal(head.nOut, 1)
  head.nextHop = 5
  assert.equal(head.runIn(v, m, ifp), PFIL.PASS)
  assert.equal(head.nextHop, 0, 'cleared at the start of a run')
  assert.deepEqual(log.splice(0), [`a:in:${PFIL_IN}`])

  head.link(new Recorder('b', log, PFIL.CONSUMED))
  head.link(new Recorder('c', log))
  assert.equal(head.runOut(v, m, ifp), PFIL.CONSUMED)
  assert.deepEqual(log.splice(0), [`a:out:${PFIL_OUT}`, `b:out:${PFIL_OUT}`], 'c never ran')

  head.unlink('b')
  assert.equal(head.runIn(v, m, ifp), PFIL.PASS)
  assert.deepEqual(log.splice(0), [`a:in:${PFIL_IN}`, `c:in:${PFIL_IN}`])

  head.unlink('a')
  assert.equal(head.nIn, 1)
  assert.equal(head.runOut(v, m, ifp), PFIL.PASS)
  assert.deepEqual(log.splice(0), [`c:out:${PFIL_OUT}`], 'the one hook left, called directly')

  const copy = head.clone()
  assert.ok(copy.has('c') && !copy.has('a'))
  assert.throws(() => head.link(new Recorder('c', log)), /linked twice/)
  head.unlink('c')
  assert.equal(head.nIn + head.nOut, 0)
  v.env.pool.put(m)
})
