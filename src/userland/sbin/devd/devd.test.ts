/**
 * devd(8): devd.conf(5) parsing (options, priorities, comments, match clauses), event lines and
 * variable expansion, and the classic carp(4) failover set-up in virtual time: a devd in each of
 * two vnet jails runs its notify action on `system=CARP` events, so the logs show each router's
 * MASTER / INIT / BACKUP transitions as its master fails and comes back.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { sh } from '../../../testing/net_lab.js'
import { blockMatches, expand, parseDevdConf, parseEvent } from './devd_conf.js'

const CONF = `
# FreeBSD-style configuration
options {
	directory "/etc/devd";
	pid-file "/var/run/devd-x.pid";
	set carp-types "(MASTER|BACKUP)";
};

/* The failover hook */
notify 0 {
	match "system"		"CARP";
	match "subsystem"	"[0-9]+@[0-9a-z.]+";
	match "type"		"$carp-types";
	action "/root/carp-switch $subsystem \${type}";
};

notify 10 {
	match "system" "IFNET";
	match "type" "!LINK_UP"; // everything but link up
	action "logger -t ifnet $subsystem $type";
};

attach 100 {
	device-name "em[0-9]+";
	action "echo attached";
};
`

test('devd.conf: options, blocks by priority, comments, match clauses', () => {
  const c = parseDevdConf(CONF, '/etc/devd.conf')
  assert.deepEqual(c.errors, [])
  assert.deepEqual(c.directories, ['/etc/devd'])
  assert.equal(c.pidFile, '/var/run/devd-x.pid')
  assert.equal(c.vars.get('carp-types'), '(MASTER|BACKUP)')
  assert.deepEqual(
    c.blocks.map((b) => [b.kind, b.priority, b.matches.length, b.actions]),
    [
      ['attach', 100, 1, ['echo attached']],
      ['notify', 10, 2, ['logger -t ifnet $subsystem $type']],
      ['notify', 0, 3, [`/root/carp-switch $subsystem $\{type}`]],
    ],
  )
  assert.deepEqual(c.blocks[0]!.matches[0], { variable: 'device-name', pattern: 'em[0-9]+', negate: false })
  assert.deepEqual(c.blocks[1]!.matches[1], { variable: 'type', pattern: 'LINK_UP', negate: true })
  const bad = parseDevdConf(
    'options { bogus 1; };\nfrobnicate;\nnotify 0 { match "a" "b"; whatever "x"; };\n',
    'f',
  )
  assert.deepEqual(bad.errors, [
    'f: unknown option bogus',
    'f: syntax error near frobnicate',
    'f: unknown notify statement whatever',
  ])
  assert.equal(bad.blocks.length, 1)
})

test('events: kinds, variables, anchored and negated matches, expansion', () => {
  const c = parseDevdConf(CONF, '/etc/devd.conf')
  const carp = parseEvent('!system=CARP subsystem=1@epair0b type=MASTER')!
  assert.equal(carp.kind, 'notify')
  assert.deepEqual(
    [...carp.vars],
    [
      ['system', 'CARP'],
      ['subsystem', '1@epair0b'],
      ['type', 'MASTER'],
    ],
  )
  const hook = c.blocks[2]!
  assert.ok(blockMatches(hook, carp.vars, c.vars))
  assert.equal(expand(hook.actions[0]!, carp.vars, c.vars), '/root/carp-switch 1@epair0b MASTER')
  // INIT is not among $carp-types; a match covers the whole value (CARPX is not CARP).
  assert.ok(!blockMatches(hook, parseEvent('!system=CARP subsystem=1@em0 type=INIT')!.vars, c.vars))
  assert.ok(!blockMatches(hook, parseEvent('!system=CARPX subsystem=1@em0 type=MASTER')!.vars, c.vars))
  const ifnet = c.blocks[1]!
  assert.ok(blockMatches(ifnet, parseEvent('!system=IFNET subsystem=em0 type=LINK_DOWN')!.vars, c.vars))
  assert.ok(!blockMatches(ifnet, parseEvent('!system=IFNET subsystem=em0 type=LINK_UP')!.vars, c.vars))
  assert.deepEqual([...parseEvent('+em0 at pci0 "quoted value"')!.vars], [])
  assert.equal(parseEvent('?system=X')!.kind, 'nomatch')
  assert.equal(parseEvent('hello'), null)
})

const FAILOVER = `
kldload carp
for j in a b; do jail -c name=$j host.hostname=$j vnet persist > /dev/null; done
e=$(ifconfig epair create)
ifconfig $e vnet a
ifconfig \${e%a}b vnet b
jexec a ifconfig $e 10.0.0.1/24 up
jexec b ifconfig \${e%a}b 10.0.0.2/24 up
for j in a b; do
  printf 'options { pid-file "/var/run/devd-%s.pid"; };\\nnotify 0 {\\n\\tmatch "system" "CARP";\\n\\tmatch "subsystem" "[0-9]+@[0-9a-z.]+";\\n\\taction "echo $subsystem $type >> /tmp/carp-%s.log";\\n};\\n' $j $j > /etc/devd-$j.conf
  jexec $j devd -f /etc/devd-$j.conf
done
jexec a devd -f /etc/devd-a.conf
echo "second devd: $?"
jexec a ifconfig $e vhid 1 advskew 0 10.0.0.254/24 alias
jexec b ifconfig \${e%a}b vhid 1 advskew 100 10.0.0.254/24 alias
sleep 6
jexec a ifconfig $e down
sleep 6
jexec a ifconfig $e up
sleep 6
echo a; cat /tmp/carp-a.log
echo b; cat /tmp/carp-b.log
`

test("carp failover: each jail's devd runs its action on the CARP events of its own vnet", async () => {
  const r = await sh(new Host(nodeClockDriver(), { clock: 'virtual', seed: 9 }), FAILOVER)
  assert.match(r.err, /^devd: devd already running, pid: \d+\n$/)
  const [, a, b] = r.out.split(/^[ab]\n/m)
  assert.match(r.out, /^second devd: 1\n/)
  // a: BACKUP on creation, MASTER after 3 s, INIT when its interface goes down, BACKUP back up
  // (b is master by then and a waits without preemption).
  assert.equal(a, '1@epair0a BACKUP\n1@epair0a MASTER\n1@epair0a INIT\n1@epair0a BACKUP\n')
  // b: BACKUP, then MASTER once a's advertisements stop.
  assert.equal(b, '1@epair0b BACKUP\n1@epair0b MASTER\n')
})
