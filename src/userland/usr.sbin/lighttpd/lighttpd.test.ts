/**
 * lighttpd: the lab's lighttpd.conf parsed (lists, hashes, conditionals skipped with a warning,
 * unknown modules named), then served across a router in virtual time — fetch by name through
 * /etc/hosts, 404, 301 to a directory's slash form, 403 for excluded extensions, HEAD, two
 * pipelined requests on one persistent connection, HTTP/1.0, a request without Host, the access
 * log and pid file, and a second server refused with `Address already in use`.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROUTED, sh, virtualHost } from '../../../testing/net_lab.js'
import { MemFs } from '../../bin/sh/streams.js'
import { mimeType, siteOf } from './lighttpd.js'
import { ConfError, parseLighttpdConf } from './lighttpd_conf.js'

const CONF = `server.modules = ( "mod_access",
                    "mod_cgi", "mod_accesslog" )
server.document-root        = "/root/www.www/"
index-file.names            = ( "index.php", "index.html" )
mimetype.assign             = (
  ".html" => "text/html",
  ".tar.gz" => "application/x-tgz",
  ".gz" => "application/x-gzip",
  # default mime type
  ""              =>      "application/octet-stream",
 )
accesslog.filename          = "/var/log/lighttpd/access.log"
url.access-deny             = ( "~", ".inc" )
$HTTP["url"] =~ "\\.pdf$" {
  server.range-requests = "disable"
}
static-file.exclude-extensions = ( ".php", ".pl", ".fcgi" )
server.pid-file            = "/var/run/lighttpd.pid"
var.x = "a" + "b"
server.tag = "test-" + var.x
`

test("lighttpd.conf: the lab's settings, longest-suffix MIME types, warnings, errors", () => {
  const site = siteOf(parseLighttpdConf(CONF, 'l.conf'))
  assert.equal(site.docroot, '/root/www.www')
  assert.equal(site.port, 80)
  assert.deepEqual(site.index, ['index.php', 'index.html'])
  assert.equal(site.tag, 'test-ab')
  assert.equal(mimeType(site, '/a.tar.gz'), 'application/x-tgz')
  assert.equal(mimeType(site, '/a.gz'), 'application/x-gzip')
  assert.equal(mimeType(site, '/a.bin'), 'application/octet-stream')
  assert.deepEqual(site.warnings, [
    'mod_cgi: not available here (ignored)',
    '$HTTP["url"] =~ "\\.pdf$": conditional settings are not applied here',
  ])
  assert.throws(() => parseLighttpdConf('server.port = (\n', 'l.conf'), ConfError)
  assert.throws(
    () => parseLighttpdConf('server.port = 80\nserver.port = 81\n', 'l.conf'),
    /Duplicate config variable/,
  )
  assert.throws(() => siteOf(parseLighttpdConf('server.port = 80\n', 'l.conf')), /document-root is not set/)
  assert.match(
    siteOf(parseLighttpdConf('server.document-root = "/"\nfoo.bar = 1\n', 'l.conf')).warnings[0]!,
    /unknown config-key: foo.bar/,
  )
})

test('lighttpd serves files over HTTP/1.1 across a router', async () => {
  const host = virtualHost()
  const fs = new MemFs()
  fs.append('/usr/local/etc/lighttpd/lighttpd.conf', CONF)
  fs.append('/root/www.www/index.html', '<HTML>hello</HTML>\n')
  fs.append('/root/www.www/docs/a.txt', 'a\n')
  fs.append('/root/www.www/lesson2.pl', 'print 1;\n')
  fs.append('/etc/hosts', '10.0.2.2 www.tel.fer.hr\n')
  const setup = await sh(host, ROUTED, fs)
  assert.equal(setup.status, 0, setup.err)
  const r = await sh(
    host,
    `jexec b lighttpd -f /usr/local/etc/lighttpd/lighttpd.conf; echo start=$?
jexec b lighttpd -f /usr/local/etc/lighttpd/lighttpd.conf; echo again=$?
jexec a fetch -q -o - http://www.tel.fer.hr; echo get=$?
jexec a fetch -q -o - http://10.0.2.2/nope; echo missing=$?
jexec a fetch -q -o - http://10.0.2.2/docs; echo dir=$?
jexec a fetch -q -o - http://10.0.2.2/lesson2.pl; echo pl=$?
printf 'HEAD / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\nGET /docs/a.txt HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' | jexec a nc 10.0.2.2 80
printf 'GET / HTTP/1.1\\r\\n\\r\\n' | jexec a nc 10.0.2.2 80 | head -1
printf 'GET /docs/a.txt HTTP/1.0\\r\\n\\r\\n' | jexec a nc 10.0.2.2 80 | grep -c Connection:
printf 'BREW / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | jexec a nc 10.0.2.2 80 | head -1
cat /var/log/lighttpd/access.log
test -s /var/run/lighttpd.pid && echo pidfile
jexec b killall lighttpd`,
    fs,
  )
  const out = r.out.replace(/\r/g, '').replace(/^Date: .*\n/gm, '')
  assert.equal(
    out,
    `start=0
again=255
<HTML>hello</HTML>
get=0
missing=1
dir=1
pl=1
HTTP/1.1 200 OK
Content-Type: text/html
ETag: "${/ETag: "(\d+)"/.exec(out)?.[1]}"
Last-Modified: Thu, 01 Jan 1970 00:00:00 GMT
Accept-Ranges: bytes
Content-Length: 19
Server: test-ab

HTTP/1.1 200 OK
Content-Type: application/octet-stream
ETag: "${/ETag: "(\d+)"\n[\s\S]*ETag: "(\d+)"/.exec(out)?.[2]}"
Last-Modified: Thu, 01 Jan 1970 00:00:00 GMT
Accept-Ranges: bytes
Content-Length: 2
Connection: close
Server: test-ab

a
HTTP/1.1 400 Bad Request
1
HTTP/1.1 501 Not Implemented
10.0.1.2 www.tel.fer.hr - [01/Jan/1970:00:00:00 +0000] "GET / HTTP/1.1" 200 19 "-" "fetch libfetch/2.0"
10.0.1.2 10.0.2.2 - [01/Jan/1970:00:00:00 +0000] "GET /nope HTTP/1.1" 404 341 "-" "fetch libfetch/2.0"
10.0.1.2 10.0.2.2 - [01/Jan/1970:00:00:00 +0000] "GET /docs HTTP/1.1" 301 357 "-" "fetch libfetch/2.0"
10.0.1.2 10.0.2.2 - [01/Jan/1970:00:00:00 +0000] "GET /docs/ HTTP/1.1" 403 341 "-" "fetch libfetch/2.0"
10.0.1.2 10.0.2.2 - [01/Jan/1970:00:00:00 +0000] "GET /lesson2.pl HTTP/1.1" 403 341 "-" "fetch libfetch/2.0"
10.0.1.2 x - [01/Jan/1970:00:00:00 +0000] "HEAD / HTTP/1.1" 200 0 "-" "-"
10.0.1.2 x - [01/Jan/1970:00:00:00 +0000] "GET /docs/a.txt HTTP/1.1" 200 2 "-" "-"
10.0.1.2 - - [01/Jan/1970:00:00:00 +0000] "GET / HTTP/1.1" 400 345 "-" "-"
10.0.1.2 - - [01/Jan/1970:00:00:00 +0000] "GET /docs/a.txt HTTP/1.0" 200 2 "-" "-"
10.0.1.2 x - [01/Jan/1970:00:00:00 +0000] "BREW / HTTP/1.1" 501 353 "-" "-"
pidfile
`,
  )
  assert.match(r.err, /fetch: http:\/\/10.0.2.2\/nope: Not Found/)
  assert.match(r.err, /\(network.c\) bind\(\) 0.0.0.0:80: Address already in use/)
})
