/**
 * Mail end to end in virtual time: two vnet jails with their own trees, `pw useradd -h 0` making
 * the account, postfix started in both, mail(1) on one submitting to its postfix, which relays by
 * the domain's address to the other's smtpd, local delivery into /var/mail/imunes, and akpop3d
 * giving it back over POP3 (IMUNES's getMail lines); postfix's start/status/stop messages, chown
 * and chmod checks, chroot into a base tree.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sh, virtualHost } from '../../../testing/net_lab.js'
import { MemFs } from '../../bin/sh/streams.js'

const SETUP = `
jail -c name=www vnet persist path=/j/www host.hostname=www.tel.fer.hr > /dev/null
jail -c name=zpm vnet persist path=/j/zpm host.hostname=zpmMail.zpm.fer.hr > /dev/null
ea=$(ifconfig epair create)
ifconfig $ea vnet www
ifconfig \${ea%a}b vnet zpm
jexec www ifconfig $ea 10.0.0.1/24 up
jexec zpm ifconfig \${ea%a}b 10.0.0.2/24 up
jexec www ifconfig lo0 127.0.0.1/8 up
jexec zpm ifconfig lo0 127.0.0.1/8 up
`

test('mail -> postfix -> SMTP relay -> mbox -> akpop3d, in virtual time', async () => {
  const host = virtualHost()
  const fs = new MemFs()
  fs.append('/j/www/usr/local/etc/postfix/main.cf', 'myhostname = www.tel.fer.hr\nmydomain = tel.fer.hr\n')
  fs.append(
    '/j/zpm/usr/local/etc/postfix/main.cf',
    'myhostname = zpmMail.zpm.fer.hr\nmydestination = $myhostname, localhost, $mydomain\nalias_maps = hash:/usr/local/etc/postfix/aliases\n',
  )
  fs.append('/j/zpm/usr/local/etc/postfix/aliases', 'boss: imunes\n')
  fs.append('/j/www/etc/hosts', '10.0.0.2 zpm.fer.hr\n')
  const setup = await sh(host, SETUP, fs)
  assert.equal(setup.status, 0, setup.err)
  const r = await sh(
    host,
    `jexec zpm postalias hash:/usr/local/etc/postfix/aliases; echo postalias=$?
jexec zpm postalias hash:/nonexistent; echo postalias=$?
echo imunes | jexec zpm pw useradd imunes -d /home/imunes -g wheel -m -h 0; echo pw=$?
echo imunes | jexec zpm pw useradd imunes -g wheel -h 0; echo pw=$?
jexec zpm pw useradd other -g nosuchgroup; echo pw=$?
jexec zpm grep -c imunes /etc/passwd
jexec zpm touch /var/mail/imunes
jexec zpm chown imunes /var/mail/imunes; echo chown=$?
jexec zpm chown nobodyhere /var/mail/imunes; echo chown=$?
jexec zpm chmod 600 /var/mail/imunes; echo chmod=$?
jexec zpm chmod 99 /var/mail/imunes; echo chmod=$?
jexec www chown www:www /var/log; echo chown=$?
jexec zpm touch /var/log/maillog
jexec www postfix start; echo start=$?
jexec zpm postfix start; echo start=$?
jexec zpm postfix start; echo start=$?
jexec zpm /usr/local/bin/akpop3d -d -f /var/run/akpop3d.pid; echo pop=$?
jexec zpm /usr/local/bin/akpop3d -d -f /var/run/akpop3d.pid; echo pop=$?
printf 'hello\\n.dot\\n' | jexec www mail -s TEST boss@zpm.fer.hr; echo mail=$?
sleep 60
printf 'USER imunes\\nPASS imunes\\nLIST\\nQUIT\\n' | jexec www nc 10.0.0.2 110 | wc -l
grep -c 'status=sent (delivered to mailbox)' /j/zpm/var/log/maillog
jexec zpm postfix status; echo status=$?
jexec zpm postfix stop; echo stop=$?
jexec zpm postfix stop; echo stop=$?
jexec www postfix stop > /dev/null 2>&1
jexec zpm killall akpop3d`,
    fs,
  )
  assert.equal(
    r.out,
    `postalias=0
postalias=1
pw=0
pw=65
pw=67
1
chown=0
chown=1
chmod=0
chmod=1
chown=0
start=0
start=0
start=1
pop=0
pop=1
mail=0
       7
1
status=0
stop=0
stop=1
`,
  )
  assert.deepEqual(
    r.err.split('\n').filter((l) => l !== ''),
    [
      'postalias: fatal: open /nonexistent: No such file or directory',
      "pw: login name `imunes' already exists",
      "pw: group `nosuchgroup' does not exist",
      'chown: nobodyhere: illegal user name',
      'chmod: Invalid file mode: 99',
      'postfix/postfix-script: starting the Postfix mail system',
      'postfix/postfix-script: starting the Postfix mail system',
      'postfix/postfix-script: fatal: the Postfix mail system is already running',
      'akpop3d: bind: Address already in use',
      `postfix/postfix-script: the Postfix mail system is running: PID: ${/PID: (\d+)/.exec(r.err)?.[1]}`,
      'postfix/postfix-script: stopping the Postfix mail system',
      'postfix/postfix-script: fatal: the Postfix mail system is not running',
    ],
  )
  const box = fs.read('/j/zpm/var/mail/imunes') ?? ''
  assert.match(
    box,
    /^From root@www.tel.fer.hr Thu Jan {2}1 00:00:\d\d 1970\nReturn-Path: <root@www.tel.fer.hr>\nX-Original-To: boss@zpm.fer.hr\nDelivered-To: imunes@zpmMail.zpm.fer.hr\n/,
  )
  assert.match(box, /\nTo: boss@zpm.fer.hr\nSubject: TEST\n\nhello\n.dot\n\n$/)
  assert.match(
    fs.read('/j/zpm/etc/master.passwd') ?? '',
    /^imunes:\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}:1001:0::0:0:User &:\/home\/imunes:\/bin\/sh$/m,
  )
})

test('chroot: a command sees the new root as /; only root may', async () => {
  const host = virtualHost()
  const fs = new MemFs()
  fs.append('/base/etc/motd', 'base\n')
  const r = await sh(
    host,
    `echo x | chroot /base pw useradd imunes -h 0; echo chroot=$?
chroot /base cat /etc/motd
grep -c imunes /base/etc/passwd
chroot /nonexistent true; echo chroot=$?
jail -c name=u persist > /dev/null
jexec -U nobody u chroot /base true; echo chroot=$?`,
    fs,
  )
  assert.equal(r.out, 'chroot=0\nbase\n1\nchroot=1\nchroot=1\n')
  assert.equal(
    r.err,
    'chroot: /nonexistent: No such file or directory\nchroot: /base: Operation not permitted\n',
  )
})
