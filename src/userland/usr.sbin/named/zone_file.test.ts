import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DnsType } from '../../../wire/app/dns.js'
import { aclMatch, ConfError, parseNamedConf } from './named_conf.js'
import { absName, parseTtl, parseZoneFile, ZoneError } from './zone_file.js'

// The shapes IMUNES's DNS lab files have: SOA across lines with comments, relative owners, a
// blank owner, TTL before the type without a class, out-of-zone glue, mixed case.
const ZONE = `; Tu cu ubaciti SOA
$TTL 60000
@ IN SOA dnsZpm.zpm.fer.hr. root.dnsZpm.zpm.fer.hr (
        2002102801 ; serial
        28 ; refresh
        14 ; retry
        3600000 ; expire
        0 ; default_ttl
)

@         IN  NS   dnsZpm.zpm.fer.hr.
dnsZpm    IN  A    30.0.0.2
pc        IN  A    30.0.0.3
zpmMail   IN  A    30.0.0.4
www       IN  CNAME zpmMail.zpm.fer.hr.
          IN  TXT  "a \\"quoted\\" string" two
@        IN  MX  10  zpmMail.zpm.fer.hr.
v6    1h  IN  AAAA fc00::1
hr2.com.  IN  A    4.0.0.2
$ORIGIN sub.zpm.fer.hr.
x      300 A 1.2.3.4
`

test('master file: SOA over lines, relative and blank owners, $ORIGIN, TTLs, out-of-zone data', () => {
  const z = parseZoneFile(ZONE, 'zpm', 'zpm.fer.hr')
  assert.deepEqual(z.warnings, ['zpm:19: ignoring out-of-zone data (hr2.com)'])
  const by = (n: string, t: number) => z.records.filter((r) => r.name === n && r.type === t)
  assert.deepEqual(by('zpm.fer.hr', DnsType.SOA)[0]!.data, {
    kind: 'soa',
    mname: 'dnsZpm.zpm.fer.hr',
    rname: 'root.dnsZpm.zpm.fer.hr.zpm.fer.hr',
    serial: 2002102801,
    refresh: 28,
    retry: 14,
    expire: 3600000,
    minimum: 0,
  })
  assert.deepEqual(by('zpmMail.zpm.fer.hr', DnsType.A)[0], {
    name: 'zpmMail.zpm.fer.hr',
    type: 1,
    class: 1,
    ttl: 60000,
    data: { kind: 'a', addr: 0x1e000004 },
  })
  assert.deepEqual(by('www.zpm.fer.hr', DnsType.TXT)[0]!.data, {
    kind: 'txt',
    strings: ['a "quoted" string', 'two'],
  })
  assert.equal(by('v6.zpm.fer.hr', DnsType.AAAA)[0]!.ttl, 3600)
  assert.deepEqual(by('zpm.fer.hr', DnsType.MX)[0]!.data, {
    kind: 'mx',
    pref: 10,
    exchange: 'zpmMail.zpm.fer.hr',
  })
  assert.equal(by('x.sub.zpm.fer.hr', DnsType.A)[0]!.ttl, 300)
  assert.equal(z.records.length, 10)
})

test('master file errors carry file:line', () => {
  const bad = (text: string, msg: RegExp) =>
    assert.throws(
      () => parseZoneFile(text, 'f', 'z'),
      (e) => e instanceof ZoneError && msg.test(e.message),
    )
  bad('$TTL 1\na IN A 1.2.3\n', /^f:2: bad dotted quad '1.2.3'$/)
  bad('$TTL 1\na IN BOGUS x\n', /^f:2: unknown RR type 'BOGUS'$/)
  bad('$TTL 1\na IN MX 10\n', /^f:2: unexpected end of input$/)
  bad('$TTL 1\na IN SOA a b ( 1 2 3\n', /^f: unexpected end of input$/)
  bad('a IN A 1.2.3.4\n', /^f:1: no TTL specified$/)
  bad('$TTL 1\n  IN A 1.2.3.4\n', /^f:2: no current owner name$/)
  bad(`$TTL 1\n${'a'.repeat(64)} IN A 1.2.3.4\n`, /^f:2: bad owner name/)
  assert.equal(parseTtl('1w2d3h'), 604800 + 2 * 86400 + 3 * 3600)
  assert.equal(parseTtl('x'), null)
  assert.equal(absName('@', 'z'), 'z')
  assert.equal(absName('a.', 'z'), 'a')
  assert.equal(absName('a', ''), 'a')
})

test('named.conf: options, zones, ACLs; errors with file:line', () => {
  const c = parseNamedConf(
    `// comment
options {
  directory "/var/named/etc/namedb";
  dnssec-validation no;   # ignored
  recursion yes;
  allow-recursion { !10.1.0.0/16; 10.0.0.0/8; localhost; };
  forwarders { 8.8.8.8; };
};
/* block
   comment */
zone "." { type hint; file "named.root"; };
zone "IN-ADDR.ARPA" { type master; file "in-addr.arpa"; allow-transfer {2.0.0.2; 3.0.0.2;}; };
zone "hr" { type slave; masters { 7.0.0.2; }; allow-notify { 1.0.0.2; }; file "hr"; };
`,
    'named.conf',
  )
  assert.equal(c.directory, '/var/named/etc/namedb')
  assert.deepEqual(
    c.zones.map((z) => [z.name, z.type, z.file]),
    [
      ['', 'hint', 'named.root'],
      ['in-addr.arpa', 'master', 'in-addr.arpa'],
      ['hr', 'slave', 'hr'],
    ],
  )
  assert.deepEqual(c.zones[2]!.masters, [0x07000002])
  assert.deepEqual(c.forwarders, [0x08080808])
  const m = (a: number) =>
    aclMatch(
      c.allowRecursion!,
      a,
      (x) => x === 0x7f000001,
      () => false,
    )
  assert.equal(m(0x0a020304), true)
  assert.equal(m(0x0a010203), false)
  assert.equal(m(0x7f000001), true)
  assert.equal(m(0x0b000001), false)
  const bad = (text: string, msg: RegExp) =>
    assert.throws(
      () => parseNamedConf(text, 'n.conf'),
      (e) => e instanceof ConfError && msg.test(e.message),
    )
  bad('options { directory "x" };', /^n\.conf:1: missing ';' before '}'$/)
  bad('zone "a" { file "f"; };', /^n\.conf:1: zone 'a': type not present$/)
  bad('zone "a" { type master; };', /^n\.conf:1: zone 'a': missing 'file' entry$/)
  bad('zone "a" { type slave; file "f"; };', /^n\.conf:1: zone 'a': missing 'masters' entry$/)
  bad(
    'zone "a" { type master; file "f"; };\nzone "A." { type master; file "g"; };',
    /^n\.conf:2: zone 'A\.': already exists$/,
  )
  bad('bogus yes;', /^n\.conf:1: unknown option 'bogus'$/)
  bad('options { recursion maybe; };', /^n\.conf:1: boolean expected near 'maybe'$/)
})
