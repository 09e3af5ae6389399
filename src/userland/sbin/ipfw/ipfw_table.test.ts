/**
 * ipfw tables as scripts through the routed lab (a — r — b) in virtual time: FreeBSD 14's
 * `ipfw table` commands with their output, messages and statuses; rules matching `from table(N)`,
 * `to table(N,V)` and `lookup dst-ip N` with longest-prefix values; tables per vnet; and a
 * 10,000-rule set with a 100,000-entry table that loads from a file and matches.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED, ROUTED_IPFW, sh, virtualHost } from '../../../testing/net_lab.js'
import { MemFs } from '../../bin/sh/streams.js'

test('table commands: create, add, list, info, lookup, delete, flush, destroy, all; errors as FreeBSD', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED}
kldload ipfw
ipfw table 1 create type addr; echo create=$?
ipfw table 1 create; echo again=$?
ipfw table 1 create missing; echo missing=$?
ipfw table 1 add 10.0.0.0/8 5; echo add=$?
ipfw table 1 add 10.1.0.0/16 7 10.1.2.3 0x10
ipfw table 1 add 10.1.2.3; echo dup=$?
ipfw -q table 1 add 10.1.2.3 9; echo update=$?
ipfw table 1 list
ipfw table 1 info
ipfw table 1 lookup 10.1.9.9
ipfw table 1 lookup 11.0.0.1; echo nolookup=$?
ipfw table 1 delete 10.1.0.0/16; echo del=$?
ipfw table 1 delete 10.1.0.0/16; echo delagain=$?
ipfw table 2 delete 1.2.3.4; echo delmissing=$?
ipfw table mynet add 192.168.0.0/24
ipfw table all list
ipfw table 3 create type mac; echo mac=$?
ipfw table 3 create type bogus; echo bogus=$?
ipfw table 1 add 10.0.0.0/40; echo mask=$?
ipfw table 1 add foo; echo host=$?
ipfw table 1 bogus; echo cmd=$?
ipfw table all add 1.2.3.4; echo allname=$?
ipfw table 1 list 2>&1 | head -1
ipfw table 9 info; echo noinfo=$?
ipfw table 1 flush; ipfw table 1 list; echo flushed=$?
ipfw table 9 destroy; echo nodestroy=$?
ipfw add 100 deny ip from "table(mynet)" to any
ipfw table mynet destroy; echo busy=$?
ipfw table all info
ipfw delete 100
ipfw table all destroy; ipfw table all list; echo gone=$?
jexec a ipfw table 1 list; echo jail=$?
jexec -U nobody a ipfw table 1 list; echo nobody=$?`,
  )
  assert.equal(
    r.out,
    [
      'create=0',
      'again=71',
      'missing=0',
      'added: 10.0.0.0/8 5',
      'add=0',
      'added: 10.1.0.0/16 7',
      'added: 10.1.2.3/32 16',
      'exists: 10.1.2.3/32 0',
      'dup=71',
      'update=0',
      '10.0.0.0/8 5',
      '10.1.0.0/16 7',
      '10.1.2.3/32 9',
      '--- table(1), set(0) ---',
      ' kindex: 1, type: addr',
      ' references: 0, valtype: legacy',
      ' algorithm: addr:radix',
      ' items: 3, size: 656',
      '10.1.0.0/16 7',
      'nolookup=69',
      'deleted: 10.1.0.0/16 0',
      'del=0',
      'notfound: 10.1.0.0/16 0',
      'delagain=71',
      'delmissing=65',
      'added: 192.168.0.0/24 0',
      '--- table(1), set(0) ---',
      '10.0.0.0/8 5',
      '10.1.2.3/32 9',
      '--- table(mynet), set(0) ---',
      '192.168.0.0/24 0',
      'mac=71',
      'bogus=64',
      'mask=65',
      'host=68',
      'cmd=64',
      'allname=64',
      '10.0.0.0/8 5',
      'noinfo=71',
      'flushed=0',
      'nodestroy=0',
      '00100 deny ip from table(mynet) to any',
      'busy=71',
      '--- table(1), set(0) ---',
      ' kindex: 1, type: addr',
      ' references: 0, valtype: legacy',
      ' algorithm: addr:radix',
      ' items: 0, size: 296',
      '--- table(mynet), set(0) ---',
      ' kindex: 2, type: addr',
      ' references: 1, valtype: legacy',
      ' algorithm: addr:radix',
      ' items: 1, size: 416',
      'gone=0',
      'jail=71',
      'nobody=69',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [
      'ipfw: Table creation failed: File exists',
      'ipfw: Adding record failed: record already exists',
      'ipfw: Entry 11.0.0.1 not found',
      'ipfw: Deleting record failed: record not found',
      'ipfw: Table 2 does not exist',
      'ipfw: DEPRECATED: inserting data into non-existent table mynet. (auto-created)',
      'ipfw: Table creation failed: Operation not supported',
      'ipfw: Unknown tabletype: bogus. Supported: addr, mac, iface, number, flow',
      'ipfw: bad IPv4 mask width: 40',
      "ipfw: hostname ``foo'' unknown",
      'ipfw: invalid table command bogus',
      'ipfw: table name required',
      'ipfw: failed to request table info: No such process',
      'ipfw: failed to destroy table 9: No such process',
      'ipfw: failed to destroy table mynet: Device busy',
      'ipfw: failed to request table info: No such process',
      'ipfw: socket: Operation not permitted',
      '',
    ].join('\n'),
  )
})

test('table limits, modify, atomic add, lock/unlock and swap, as FreeBSD 14; a swap redirects the rules', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec r ipfw table 1 create limit 2
jexec r ipfw table 1 add 10.0.0.1 1 10.0.0.2 2 10.0.0.3 3; echo limit=$?
jexec r ipfw table 1 modify limit 5; echo modify=$?
jexec r ipfw table 1 info | grep limit
jexec r ipfw table 1 modify type addr; echo modbad=$?
jexec r ipfw table 1 atomic add 10.0.0.4 4 10.0.0.1 9 10.0.0.5 5; echo atomic=$?
jexec r ipfw table 1 list
jexec r ipfw table 1 atomic delete 10.0.0.1; echo atomicdel=$?
jexec r ipfw table 1 lock; echo lock=$?
jexec r ipfw table 1 info | head -2 | tail -1
jexec r ipfw table 1 add 10.0.0.6; echo lockedadd=$?
jexec r ipfw -q table 1 delete 10.0.0.1; echo lockeddel=$?
jexec r ipfw table 1 flush; jexec r ipfw table 1 list | wc -l
jexec r ipfw table 1 unlock; jexec r ipfw table 1 add 10.0.0.6 6 10.0.0.7 7; echo unlocked=$?
jexec r ipfw table 2 create locked; jexec r ipfw table 2 info | head -2 | tail -1
jexec r ipfw table 2 create locked missing; echo samelocked=$?
jexec r ipfw table 2 create missing; echo notlocked=$?
jexec r ipfw table 2 unlock
jexec r ipfw table 3 create limit 1
jexec r ipfw table 3 swap 1; echo swaplimit=$?
jexec r ipfw table 1 swap nosuch; echo swapmissing=$?
jexec r ipfw table 1 swap 1; echo swapself=$?
jexec r ipfw table 1 swap bad/name; echo swapname=$?
jexec r ipfw table 1 swap; echo swapnone=$?
jexec r ipfw -q table blk add 10.0.1.0/24
jexec r ipfw -q table empty create
jexec r ipfw -q add 100 deny icmp from "table(blk)" to any
jexec a ping -c 1 -t 1 10.0.2.2 > /dev/null; echo blocked=$?
jexec r ipfw table blk swap empty; echo swap=$?
jexec a ping -c 1 -t 1 10.0.2.2 > /dev/null; echo swapped=$?
jexec r ipfw table empty list
jexec r ipfw table blk info | grep -e items -e references`,
  )
  assert.equal(
    r.out,
    [
      'added: 10.0.0.1/32 1',
      'added: 10.0.0.2/32 2',
      'limit: 10.0.0.3/32 3',
      'limit=71',
      'modify=0',
      ' limit: 5',
      'modbad=64',
      // The first error takes back what the batch added; the entries after it are never tried.
      'added(reverted): 10.0.0.4/32 4',
      'exists: 10.0.0.1/32 9',
      'ignored: 10.0.0.5/32 5',
      'atomic=71',
      '10.0.0.1/32 1',
      '10.0.0.2/32 2',
      'atomicdel=64',
      'lock=0',
      ' kindex: 1, type: addr, locked',
      'ignored: 10.0.0.6/32 0',
      'lockedadd=71',
      'ignored: 10.0.0.1/32 0',
      'lockeddel=71',
      // A lock stops adds and deletes, not a flush (flush_table checks only read-only algorithms).
      '       0',
      'added: 10.0.0.6/32 6',
      'added: 10.0.0.7/32 7',
      'unlocked=0',
      ' kindex: 2, type: addr, locked',
      'samelocked=0',
      'notlocked=65',
      'swaplimit=64',
      'swapmissing=0',
      'swapself=0',
      'swapname=64',
      'swapnone=64',
      'blocked=2',
      'swap=0',
      'swapped=0',
      '10.0.1.0/24 0',
      ' references: 1, valtype: legacy',
      ' items: 0, size: 296',
      '',
    ].join('\n'),
  )
  assert.equal(
    r.err,
    [
      'ipfw: Adding record failed: limit hit',
      'ipfw: cmd is not supported for modification',
      'ipfw: Adding record failed: record already exists',
      'ipfw: atomic is not compatible with delete',
      'ipfw: Adding record failed: table is locked',
      'ipfw: Deleting record failed: table is locked',
      'ipfw: The existing table is not compatible with one you are creating.',
      'ipfw: Unable to swap table: check limits',
      'ipfw: table name bad/name is invalid',
      'ipfw: second table name required',
      '',
    ].join('\n'),
  )
})

test('number and iface tables: lookup dst-port/src-port/dscp, recv/xmit/via table(N); keys checked by type', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec r ipfw table ports create type number
jexec r ipfw table ports add 7 1 9 2 80; echo add=$?
jexec r ipfw table ports add http; echo badnum=$?
jexec r ipfw table ports list
jexec r ipfw table ports lookup 9
jexec r ipfw table ports info | head -2 | tail -1
jexec r ipfw table ports info | grep algorithm
jexec r ipfw table ifs create type iface
jexec r ipfw -q table ifs add \${e1%a}b 3
jexec r ipfw table ifs lookup \${e1%a}b
jexec r ipfw table nosuch lookup 1.2.3.4; echo nolookup=$?
jexec r ipfw -q add 100 deny udp from any to any lookup dst-port ports
jexec r ipfw -q add 110 count ip from any to any recv "table(ifs)"
jexec r ipfw -q add 120 count ip from any to any xmit "table(ifs)"
jexec r ipfw -q add 130 count ip from any to any lookup dscp dscps
jexec r ipfw add 140 deny ip from any to any lookup uid 5; echo uid=$?
jexec r ipfw add 150 deny ip from "table(ports)" to any; echo mismatch=$?
jexec r ipfw table dscps info | head -2 | tail -1
jexec a sh -c 'echo x | nc -u -w 1 10.0.2.2 7; echo x | nc -u -w 1 10.0.2.2 8'
jexec a ping -c 1 10.0.2.2 > /dev/null; echo ping=$?
jexec r ipfw show 100-130
jexec r ipfw table ifs delete \${e1%a}b; jexec r ipfw table ifs list | wc -l`,
  )
  assert.equal(
    r.out,
    [
      'added: 7 1',
      'added: 9 2',
      'added: 80 0',
      'add=0',
      'badnum=65',
      '7 1',
      '9 2',
      '80 0',
      '9 2',
      ' kindex: 1, type: number',
      ' algorithm: number:array',
      'epair0b 3',
      'nolookup=65',
      'uid=65',
      // A rule may not use a number table as addresses: the kernel refuses the rule.
      'mismatch=69',
      // `lookup dscp dscps` created its table, of the type it looks up.
      ' kindex: 3, type: number',
      'ping=0',
      // UDP to port 7 dies at 100 on its way in from a; UDP to port 8 (30 B) and the echo request
      // (84 B) come in on the table's interface, the port unreachable (56 B) and the echo reply go out
      // on it; nothing carries a DSCP in the empty table.
      '00100 1  30 deny udp from any to any lookup dst-port ports',
      '00110 2 114 count ip from any to any recv table(ifs)',
      '00120 2 140 count ip from any to any xmit table(ifs)',
      '00130 0   0 count ip from any to any lookup dscp dscps',
      'deleted: epair0b 0',
      '       0',
      '',
    ].join('\n'),
  )
  assert.match(r.err, /ipfw: Invalid number: http\n/)
  assert.match(r.err, /ipfw: Table nosuch does not exist\n/)
  assert.match(r.err, /ipfw: lookup uid is not supported yet\n/)
  assert.match(r.err, /ipfw: getsockopt\(IP_FW_XADD\): Invalid argument\n/)
})

test('rules match tables: from table(N), to table(N,V) by the longest prefix, lookup dst-ip; per vnet', async () => {
  const host = virtualHost()
  const r = await sh(
    host,
    `${ROUTED_IPFW}
jexec r ipfw -q table blocked add 10.0.1.0/24
jexec r ipfw -q add 100 deny icmp from "table(blocked)" to any
jexec a ping -c 1 -t 1 10.0.2.2 > /dev/null; echo blocked=$?
jexec r ipfw -q table blocked delete 10.0.1.0/24
jexec a ping -c 1 -t 1 10.0.2.2 > /dev/null; echo unblocked=$?
jexec r ipfw -q delete 100
jexec r ipfw -q table 2 add 10.0.0.0/8 1 10.0.2.0/24 2 10.0.2.2 3
jexec r ipfw -q add 200 count icmp from any to "table(2,1)"
jexec r ipfw -q add 210 count icmp from any to "table(2,2)"
jexec r ipfw -q add 220 count icmp from any to "table(2,3)"
jexec r ipfw -q add 230 count icmp from any to any lookup dst-ip 2
jexec r ipfw -q add 240 count icmp from any to not "table(2)"
jexec a ping -c 2 10.0.2.2 > /dev/null; echo ping=$?
jexec a ping -c 1 -t 1 10.0.2.1 > /dev/null; echo ping=$?
jexec r ipfw show 200-240
jexec r ipfw table 2 list
jexec b ipfw table 2 list; echo otherjail=$?`,
  )
  assert.equal(
    r.out,
    [
      'blocked=2',
      'unblocked=0',
      'ping=0',
      'ping=0',
      // The router sees each forwarded packet twice (in and out). Requests to 10.0.2.2 meet its /32
      // (value 3), the one to 10.0.2.1 its /24 (value 2); replies to 10.0.1.2 only the /8 (value 1).
      '00200  5 420 count icmp from any to table(2,1)',
      '00210  1  84 count icmp from any to table(2,2)',
      '00220  4 336 count icmp from any to table(2,3)',
      '00230 10 840 count icmp from any to any lookup dst-ip 2',
      '00240  0   0 count icmp from any to not table(2)',
      '10.0.0.0/8 1',
      '10.0.2.0/24 2',
      '10.0.2.2/32 3',
      'otherjail=71',
      '',
    ].join('\n'),
  )
})

test('a 10,000-rule set and a 100,000-entry table load from a file and match', async () => {
  const host = virtualHost()
  const fs = new MemFs()
  const lines: string[] = []
  // 100,000 /32s spread over 172.16/12, plus the lab's 10.0.1.0/24 with value 7.
  for (let i = 0; i < 100_000; i++)
    lines.push(`table big add 172.${16 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255} ${i}`)
  lines.push('table big add 10.0.1.0/24 7')
  for (let i = 1; i <= 10_000; i++)
    lines.push(`add ${i} deny udp from 192.168.0.0/16 to 10.0.2.2 ${20000 + i}`)
  lines.push(
    // A file is split at blanks with no shell quoting, so table(N) is written bare (ipfw_readfile).
    'add 10001 count icmp from table(big,7) to any',
    'add 10002 deny icmp from table(big,99999) to any',
  )
  lines.push('add 10003 allow ip from any to any')
  fs.truncate('/rules')
  fs.append('/rules', lines.join('\n'))
  const r = await sh(
    host,
    `${ROUTED}
kldload ipfw
jexec a ipfw -q add allow ip from any to any
jexec b ipfw -q add allow ip from any to any
jexec r ipfw -q /rules; echo load=$?
jexec r sysctl net.inet.ip.fw.static_count
jexec r ipfw table big info
jexec r ipfw table big lookup 172.17.134.159
jexec a ping -c 2 10.0.2.2 > /dev/null; echo ping=$?
jexec r ipfw show 10001-10003`,
    fs,
  )
  assert.equal(
    r.out,
    [
      'load=0',
      'net.inet.ip.fw.static_count: 10004',
      '--- table(big), set(0) ---',
      ' kindex: 1, type: addr',
      ' references: 2, valtype: legacy',
      ' algorithm: addr:radix',
      ' items: 100001, size: 12000416',
      '172.17.134.159/32 99999',
      'ping=0',
      // Requests from 10.0.1.2 (its /24 has value 7) in and out of r; replies are from 10.0.2.2.
      '10001 4 336 count icmp from table(big,7) to any',
      '10002 0   0 deny icmp from table(big,99999) to any',
      // The pings only (the links carry no IPv6: no inet6 address there).
      '10003 8 672 allow ip from any to any',
      '',
    ].join('\n'),
  )
})
