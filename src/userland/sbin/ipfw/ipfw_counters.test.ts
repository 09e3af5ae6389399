/**
 * `ipfw show` counters to the byte through the routed lab (a — r — b) in virtual time, whichever
 * way the packets were decided — the first one of a flow walking the rules, the next ones answered
 * by the fast pass's memo, a state found by check-state: per-rule packets and bytes after pings
 * through count, table, skipto and allow rules; rules added in front of and deleted around counted
 * ones; `ipfw zero` of one rule and of all, `resetlog` leaving the counters alone, `set move`
 * keeping them; a keep-state flow's rule and state counters (`ipfw -d show`); and an allow the
 * memo decides alone, from a hashed entry and from its first-rule slot.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED_IPFW, sh, virtualHost } from '../../../testing/net_lab.js'

test('ipfw show: per-rule counters after traffic, rules added and deleted around them, zero and resetlog', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec r ipfw -q table 1 create type addr
jexec r ipfw -q table 1 add 10.0.2.0/24
jexec r ipfw -q add 100 count icmp from 10.0.1.2 to any
jexec r ipfw -q add 200 count ip from 'table(1)' to any
jexec r ipfw -q add 300 skipto 500 icmp from any to any
jexec r ipfw -q add 400 deny ip from any to any
jexec r ipfw -q add 500 allow log logamount 2 icmp from any to any
jexec a ping -c 3 10.0.2.2 > /dev/null; echo ping=$?
jexec r ipfw show
jexec r ipfw -q add 250 count icmp from any to 10.0.2.2
jexec r ipfw -q delete 200
jexec r ipfw show
jexec r ipfw zero 100
jexec a ping -c 1 10.0.2.2 > /dev/null; echo ping=$?
jexec r ipfw show
jexec r ipfw resetlog
jexec r ipfw set move rule 500 to 3
jexec r ipfw show 500
jexec r ipfw zero
jexec r ipfw show`,
  )
  assert.equal(
    r.out,
    [
      'ping=0',
      // Three echo requests from a and three replies from b, each through r's chain twice (in,
      // then out): 84-byte datagrams.
      '00100  6  504 count icmp from 10.0.1.2 to any',
      '00200  6  504 count ip from table(1) to any',
      '00300 12 1008 skipto 500 icmp from any to any',
      '00400  0    0 deny ip from any to any',
      '00500 12 1008 allow log logamount 2 icmp from any to any',
      '65535  0    0 allow ip from any to any',
      // The new rule starts at zero; the others keep theirs, wherever they now are in the list.
      '00100  6  504 count icmp from 10.0.1.2 to any',
      '00250  0    0 count icmp from any to 10.0.2.2',
      '00300 12 1008 skipto 500 icmp from any to any',
      '00400  0    0 deny ip from any to any',
      '00500 12 1008 allow log logamount 2 icmp from any to any',
      '65535  0    0 allow ip from any to any',
      'Entry 100 cleared.',
      'ping=0',
      '00100  2  168 count icmp from 10.0.1.2 to any',
      '00250  2  168 count icmp from any to 10.0.2.2',
      '00300 16 1344 skipto 500 icmp from any to any',
      '00400  0    0 deny ip from any to any',
      '00500 16 1344 allow log logamount 2 icmp from any to any',
      '65535  0    0 allow ip from any to any',
      'Logging counts reset.',
      '00500 16 1344 allow log logamount 2 icmp from any to any',
      'Accounting cleared.',
      '00100 0 0 count icmp from 10.0.1.2 to any',
      '00250 0 0 count icmp from any to 10.0.2.2',
      '00300 0 0 skipto 500 icmp from any to any',
      '00400 0 0 deny ip from any to any',
      '00500 0 0 allow log logamount 2 icmp from any to any',
      '65535 0 0 allow ip from any to any',
      '',
    ].join('\n'),
  )
})

test('keep-state counters: the rule that made the state and the state itself, both directions', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec r ipfw -q add 100 check-state
jexec r ipfw -q add 200 count icmp from any to any
jexec r ipfw -q add 300 allow icmp from 10.0.1.0/24 to any keep-state
jexec r ipfw -q add 400 deny ip from any to any
jexec a ping -c 4 10.0.2.2 > /dev/null; echo ping=$?
jexec r ipfw show
jexec r ipfw -d show | sed -n '/Dynamic/,$p'
jexec r ipfw zero 300
jexec a ping -c 1 10.0.2.2 > /dev/null; echo ping=$?
jexec r ipfw show 300`,
  )
  assert.equal(
    r.out,
    [
      'ping=0',
      // Only the first request walks to rule 300 (and meets the count rule on the way); every
      // later packet, replies included, is the state's at check-state.
      '00100  0    0 check-state :default',
      '00200  1   84 count icmp from any to any',
      '00300 16 1344 allow icmp from 10.0.1.0/24 to any keep-state :default',
      '00400  0    0 deny ip from any to any',
      '65535  0    0 allow ip from any to any',
      // The state counts each pass of each packet too, both directions on the one state.
      '## Dynamic rules (1):',
      '00300 16 1344 (5s) STATE icmp 10.0.1.2 0 <-> 10.0.2.2 0 :default',
      'Entry 300 cleared.',
      'ping=0',
      '00300 4 336 allow icmp from 10.0.1.0/24 to any keep-state :default',
      '',
    ].join('\n'),
  )
})

test('an allow the memo decides alone is counted on every packet: a hashed entry, and the first-rule slot', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec r ipfw -q add 100 allow icmp from any to any
jexec a ping -c 3 10.0.2.2 > /dev/null; echo ping=$?
jexec r ipfw show
jexec r ipfw -q flush
jexec a ping -c 2 10.0.2.2 > /dev/null; echo ping=$?
jexec r ipfw show`,
  )
  assert.equal(
    r.out,
    [
      'ping=0',
      '00100 12 1008 allow icmp from any to any',
      '65535  0    0 allow ip from any to any',
      'ping=0',
      // Only the default rule: every packet is answered from the memo's first-rule slot.
      '65535 8 672 allow ip from any to any',
      '',
    ].join('\n'),
  )
})
