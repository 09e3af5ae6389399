/**
 * named, host and the stub resolver across a small lab in virtual time, through the built CLI
 * (`virtnet sh --host-files`, as IMUNES's scripts run): a root server, a master and a slave for
 * `hr` (the slave loads by AXFR), a recursive server with root hints, and a client whose
 * resolv.conf has a search domain. Files go in with `mkdir -p` and `hcp DIR/* node:DIR`.
 */

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
const CLI = join(ROOT, 'dist/src/platform/node/cli.js')
const tmp = mkdtempSync(join(tmpdir(), 'virtnet-named-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

const LAB = `name: dns
nodes:
  root: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }
  hr: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.2/24 } ] }
  hr2: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.3/24 } ] }
  res: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.4/24 } ] }
  pc: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.5/24 } ] }
  sw: { kind: switch }
links:
  - { a: root, b: sw }
  - { a: hr, b: sw }
  - { a: hr2, b: sw }
  - { a: res, b: sw }
  - { a: pc, b: sw }
`

const FILES: Record<string, string> = {
  'root/named.conf': `// the root
options { directory "/etc/namedb"; dnssec-validation no; };
zone "." { type master; file "root"; allow-transfer { 10.0.0.0/24; }; };
`,
  'root/root': `$TTL 3600
@ IN SOA a.root. admin.a.root. ( 1 ; serial
   28 14 3600000 0 )
@        IN NS a.root.
a.root.  IN A  10.0.0.1
hr.      IN NS ns.hr.
hr.      IN NS ns2.hr.
ns.hr.   IN A  10.0.0.2
ns2.hr.  IN A  10.0.0.3
`,
  'hr/named.conf': `options { directory "/etc/namedb"; };
zone "hr" { type master; file "hr"; allow-transfer { 10.0.0.3; }; };
`,
  'hr/hr': `$TTL 60
$ORIGIN hr.
@ IN SOA ns.hr. root.ns.hr. (
        2 28 14 3600000 0 )
        IN NS ns
        IN NS ns2
ns      IN A 10.0.0.2
ns2     IN A 10.0.0.3
mm      IN A 20.0.0.4
        IN MX 10 mail
mail    IN A 20.0.0.5
www     IN CNAME mm
txt     IN TXT "hello world"
`,
  'hr2/named.conf': `options { directory "/etc/namedb"; };
zone "hr" { type slave; masters { 10.0.0.2; }; file "hr.slave"; };
`,
  'res/named.conf': `options { directory "/etc/namedb"; };
zone "." { type hint; file "named.root"; };
`,
  'res/named.root': `.        3600000 IN NS a.root.
a.root.  3600000    A  10.0.0.1
`,
  'resolv.pc': 'search hr\nnameserver 10.0.0.4\n',
}

test('authoritative, slave (AXFR) and recursive named; host output and exit codes', () => {
  writeFileSync(join(tmp, 'dns.yaml'), LAB)
  for (const [p, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(tmp, 'files', p)), { recursive: true })
    writeFileSync(join(tmp, 'files', p), text)
  }
  writeFileSync(
    join(tmp, 't.sh'),
    `eid=\`imunes -b dns.yaml | tail -1 | cut -d' ' -f4\`
cd files
for n in root hr hr2 res; do
  himage $n@$eid killall -9 named > /dev/null 2>&1
  himage $n@$eid mkdir -p /etc/namedb
  hcp $n/* $n@$eid:/etc/namedb
  himage $n@$eid named -c /etc/namedb/named.conf; echo "named $n rc=$?"
done
hcp resolv.pc pc@$eid:/etc/resolv.conf
cd -  > /dev/null
sleep 5
himage hr2@$eid ls /etc/namedb
himage pc@$eid host mm.hr; echo "rc=$?"
himage pc@$eid host www.hr; echo "rc=$?"
himage pc@$eid host mm; echo "rc=$?"
himage pc@$eid host nope.hr; echo "rc=$?"
himage pc@$eid host -t txt txt.hr; echo "rc=$?"
himage pc@$eid host -t ns hr; echo "rc=$?"
himage pc@$eid host mail.hr 10.0.0.3; echo "rc=$?"
himage res@$eid cp /dev/null /etc/resolv.conf
himage res@$eid host mail.hr; echo "rc=$?"
himage pc@$eid host 20.0.0.4; echo "rc=$?"
himage pc@$eid host mm.hr 10.0.0.9; echo "rc=$?"
echo 'zone "x" { type bogus; file "f"; };' > /tmp/bad.conf
hcp /tmp/bad.conf pc@$eid:/tmp/bad.conf
himage pc@$eid named -c /tmp/bad.conf; echo "bad rc=$?"
imunes -b -e $eid > /dev/null
`,
  )
  const r = spawnSync(process.execPath, [CLI, 'sh', '--host-files', 't.sh'], {
    cwd: tmp,
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.equal(
    r.stdout,
    [
      'named root rc=0',
      'named hr rc=0',
      'named hr2 rc=0',
      'named res rc=0',
      'hr.slave',
      'named.conf',
      'mm.hr has address 20.0.0.4',
      'mm.hr mail is handled by 10 mail.hr.',
      'rc=0',
      'www.hr is an alias for mm.hr.',
      'mm.hr has address 20.0.0.4',
      'mm.hr mail is handled by 10 mail.hr.',
      'rc=0',
      'mm.hr has address 20.0.0.4',
      'mm.hr mail is handled by 10 mail.hr.',
      'rc=0',
      'Host nope.hr not found: 3(NXDOMAIN)',
      'rc=1',
      'txt.hr descriptive text "hello world"',
      'rc=0',
      'hr name server ns.hr.',
      'hr name server ns2.hr.',
      'rc=0',
      'Using domain server:',
      'Name: 10.0.0.3',
      'Address: 10.0.0.3#53',
      'Aliases: ',
      '',
      'mail.hr has address 20.0.0.5',
      'rc=0',
      'mail.hr has address 20.0.0.5',
      'rc=0',
      'Host 4.0.0.20.in-addr.arpa not found: 3(NXDOMAIN)',
      'rc=1',
      'Using domain server:',
      'Name: 10.0.0.9',
      'Address: 10.0.0.9#53',
      'Aliases: ',
      '',
      ';; connection timed out; no servers could be reached',
      'rc=1',
      'bad rc=1',
      '',
    ].join('\n'),
  )
  assert.match(r.stderr, /bad\.conf:1: zone 'x': type 'bogus' is not supported/)
})
