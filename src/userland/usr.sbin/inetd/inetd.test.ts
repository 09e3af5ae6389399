/**
 * inetd(8) with ftpd and telnetd, and sshd, between two vnet jails in virtual time, started the way
 * IMUNES's services start them (`sed -i` on FreeBSD's commented /etc/inetd.conf, `service inetd
 * onerestart`, `service sshd onestart`): what netstat shows listening, an FTP session through
 * nc (guest login, refused root, SYST, PWD, EPSV then LIST over the data connection), telnetd's
 * login dialogue, sshd's identification and SSH_MSG_DISCONNECT, and stopping them again.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { type ShResult, sh } from '../../../testing/net_lab.js'
import { disconnectPayload, sshPacket } from '../../secure/usr.sbin/sshd.js'
import { DEFAULT_INETD_CONF, parseInetdConf, servicePort } from './inetd_conf.js'

const SETUP = `
for j in a b; do jail -c name=$j host.hostname=$j vnet persist > /dev/null; done
e=$(ifconfig epair create)
ifconfig $e vnet a
ifconfig \${e%a}b vnet b
jexec a ifconfig $e 10.0.0.1/24 up
jexec b ifconfig \${e%a}b 10.0.0.2/24 up
`

async function run(script: string): Promise<ShResult> {
  return sh(new Host(nodeClockDriver(), { clock: 'virtual', seed: 5 }), SETUP + script)
}

test('inetd.conf: FreeBSD default enables nothing; enabled lines, families, bad lines', () => {
  assert.deepEqual(parseInetdConf(DEFAULT_INETD_CONF, undefined), { services: [], errors: [] })
  const on = DEFAULT_INETD_CONF.replace(/^#ftp/gm, 'ftp')
  const p = parseInetdConf(`${on}telnet stream tcp46 nowait/4 root /usr/libexec/telnetd telnetd\n`, undefined)
  assert.deepEqual(
    p.services.map((s) => [s.name, s.port, s.families, s.maxChild, s.program, s.argv]),
    [
      ['ftp', 21, [4], 0, '/usr/libexec/ftpd', ['ftpd', '-l']],
      ['ftp', 21, [6], 0, '/usr/libexec/ftpd', ['ftpd', '-l']],
      ['telnet', 23, [4, 6], 4, '/usr/libexec/telnetd', ['telnetd']],
    ],
  )
  const bad = parseInetdConf(
    'echo stream tcp nowait root internal\ntftp dgram udp wait root /usr/libexec/tftpd tftpd\nnosuch stream tcp nowait root /x x\nftp stream\n',
    undefined,
  )
  assert.deepEqual(bad.services, [])
  assert.deepEqual(bad.errors, [
    'echo/tcp: internal services are not supported',
    'tftp/udp: dgram udp services are not supported',
    'nosuch/tcp: unknown service',
    'ftp stream: incomplete line',
  ])
  assert.equal(servicePort('www', 'http\t\t80/tcp\twww www-http\t#WorldWideWeb HTTP\n'), 80)
  assert.equal(servicePort('ftp', 'http 80/tcp\n'), undefined)
})

test('IMUNES-style ftp and telnet through inetd: listening, an FTP session, a login prompt, then stopped', async () => {
  const conf = DEFAULT_INETD_CONF.replace(/\t/g, '\\t').replace(/\n/g, '\\n')
  const r = await run(`
printf '${conf}' > /etc/inetd.conf
jexec b sed -i -e "s/^#ftp/ftp/" /etc/inetd.conf
jexec b sed -i -e "s/^#telnet/telnet/" /etc/inetd.conf
jexec b service inetd onerestart
jexec b netstat -an | grep LISTEN
printf 'USER root\\r\\nUSER anonymous\\r\\nPASS me@\\r\\nSYST\\r\\nPWD\\r\\nLIST\\r\\nFOO\\r\\nQUIT\\r\\n' | jexec a nc -w 5 10.0.0.2 21
(printf 'USER ftp\\r\\nPASS x\\r\\nEPSV\\r\\n'; sleep 1; printf 'LIST\\r\\n'; sleep 1; printf 'QUIT\\r\\n') | jexec a nc -w 5 10.0.0.2 21 > /tmp/ftp.out &
sleep 1
port=$(sed -n 's/^229 .*(|||\\([0-9]*\\)|)\\r*$/\\1/p' /tmp/ftp.out)
jexec a nc -w 3 10.0.0.2 $port
wait
sed -n 's/\\r$//; 4,6p' /tmp/ftp.out
printf 'root\\r\\nsecret\\r\\n' | jexec a nc -w 3 10.0.0.2 23 | tr -d '\\r'
echo
jexec b service inetd onestop
jexec b netstat -an | grep -c LISTEN
`)
  assert.equal(r.err, 'inetd not running? (check /var/run/inetd.pid).\n')
  const lines = r.out.split('\n')
  assert.deepEqual(lines.slice(0, 6), [
    'Starting inetd.',
    'tcp4       0      0 *.21                   *.*                    LISTEN',
    'tcp6       0      0 *.21                   *.*                    LISTEN',
    'tcp4       0      0 *.23                   *.*                    LISTEN',
    'tcp6       0      0 *.23                   *.*                    LISTEN',
    '220 b FTP server (Version 6.00LS) ready.\r',
  ])
  assert.deepEqual(lines.slice(6, 14), [
    '530 User root access denied.\r',
    '331 Guest login ok, send your email address as password.\r',
    '230 Guest login ok, access restrictions apply.\r',
    '215 UNIX Type: L8 Version: BSD-199506\r',
    '257 "/" is current directory.\r',
    "425 Can't build data connection: no PASV or EPSV first.\r",
    "500 'FOO': command not understood.\r",
    '221 Goodbye.\r',
  ])
  // The data connection carries the (empty) guest directory's listing; the control one says so.
  assert.deepEqual(lines.slice(14, 18), [
    'total 0\r',
    '229 Entering Extended Passive Mode (|||48012|)',
    "150 Opening ASCII mode data connection for '/bin/ls'.",
    '226 Transfer complete.',
  ])
  assert.deepEqual(lines.slice(18), [
    '',
    '',
    'FreeBSD/amd64 (b) (pts/0)',
    '',
    'login: Password:',
    'Login incorrect',
    'login: ',
    'Stopping inetd.',
    'Waiting for PIDS: 117.',
    '0',
    '',
  ])
})

test('sshd: identification strings both ways, then SSH_MSG_DISCONNECT in a cleartext binary packet', async () => {
  const r = await run(`
jexec b service sshd onestart
jexec b sockstat -4 -6 -l | grep -c sshd
printf 'SSH-2.0-OpenSSH_9.6\\r\\n' | jexec a nc -w 3 10.0.0.2 22 > /tmp/ssh.out; echo rc=$?
head -1 /tmp/ssh.out
printf 'GET / HTTP/1.0\\r\\n\\r\\n' | jexec a nc -w 3 10.0.0.2 22 | tail -1
jexec b service sshd onestop > /dev/null
jexec b sockstat -l | grep -c sshd
`)
  assert.equal(
    r.out,
    'Starting sshd.\n2\nrc=0\nSSH-2.0-VirtNet_sshd FreeBSD\r\nInvalid SSH identification string.\r\n0\n',
  )
  // RFC 4253 §6: length, padding length >= 4, payload, padding, a multiple of 8 in all.
  const payload = disconnectPayload(3, 'key exchange is not implemented by this server')
  const pkt = sshPacket(payload, (n) => new Uint8Array(n).fill(0xaa))
  const v = new DataView(pkt.buffer)
  assert.equal(pkt.length % 8, 0)
  assert.equal(v.getUint32(0), pkt.length - 4)
  assert.ok(pkt[4]! >= 4)
  assert.equal(pkt[5], 1) // SSH_MSG_DISCONNECT
  assert.equal(v.getUint32(6), 3) // SSH_DISCONNECT_KEY_EXCHANGE_FAILED
  assert.equal(v.getUint32(10), 46)
  assert.equal(
    new TextDecoder().decode(pkt.subarray(14, 60)),
    'key exchange is not implemented by this server',
  )
  assert.equal(v.getUint32(60), 0) // language tag
  assert.deepEqual([...pkt.subarray(64)], new Array(pkt[4]).fill(0xaa))
})
