/**
 * The program registry: every name a process can run, mapped to its Command. `ping` and
 * `traceroute` are setuid root as on FreeBSD; the kernel applies that at exec (Syscalls.exec). The shell comes
 * from src/userland/bin/sh; a platform that needs a differently configured shell (say, one that yields
 * to the event loop) passes its own with `makePrograms`.
 */

import { chmod } from './bin/chmod.js'
import { cp } from './bin/cp.js'
import { date } from './bin/date.js'
import { expr } from './bin/expr.js'
import { hostname } from './bin/hostname.js'
import { kenv } from './bin/kenv.js'
import { ls } from './bin/ls.js'
import { mkdir } from './bin/mkdir.js'
import { pgrep, pkill } from './bin/pkill.js'
import { realpath } from './bin/realpath.js'
import { rm } from './bin/rm.js'
import { createSh } from './bin/sh/shell.js'
import { ftpd } from './libexec/ftpd.js'
import { telnetd } from './libexec/telnetd.js'
import { devd } from './sbin/devd/devd.js'
import { dhclient } from './sbin/dhclient/dhclient.js'
import { iscDhclient } from './sbin/dhclient6/dhclient6.js'
import { dmesg } from './sbin/dmesg.js'
import { dnctl } from './sbin/dnctl.js'
import { ifconfig } from './sbin/ifconfig/ifconfig.js'
import { ipfw } from './sbin/ipfw/ipfw.js'
import { kldload, kldstat, kldunload } from './sbin/kld.js'
import { natd } from './sbin/natd/natd.js'
import { ping } from './sbin/ping/ping.js'
import { ping6 } from './sbin/ping/ping6.js'
import { resolvconf } from './sbin/resolvconf.js'
import { route } from './sbin/route/route.js'
import { setkey } from './sbin/setkey/setkey.js'
import { sysctl } from './sbin/sysctl/sysctl.js'
import { sshd } from './secure/usr.sbin/sshd.js'
import type { Command } from './types.js'
import { atfSh } from './usr.bin/atf/atf_sh.js'
import { awk } from './usr.bin/awk/awk.js'
import { fetch } from './usr.bin/fetch/fetch.js'
import { file } from './usr.bin/file/file.js'
import { host } from './usr.bin/host.js'
import { id } from './usr.bin/id.js'
import { iperf3 } from './usr.bin/iperf3/iperf3.js'
import { jot } from './usr.bin/jot.js'
import { jq } from './usr.bin/jq/jq.js'
import { killall } from './usr.bin/killall.js'
import { mail } from './usr.bin/mail.js'
import { nc } from './usr.bin/nc/nc.js'
import { netstat } from './usr.bin/netstat/netstat.js'
import { nohup } from './usr.bin/nohup.js'
import { packetdrill } from './usr.bin/packetdrill/run.js'
import { basename } from './usr.bin/pathname/basename.js'
import { dirname } from './usr.bin/pathname/dirname.js'
import { rctl } from './usr.bin/rctl.js'
import { sockstat } from './usr.bin/sockstat/sockstat.js'
import { stat } from './usr.bin/stat/stat.js'
import { cut } from './usr.bin/textproc/cut.js'
import { sed } from './usr.bin/textproc/sed.js'
import { uniq } from './usr.bin/textproc/uniq.js'
import { xargs } from './usr.bin/textproc/xargs.js'
import { touch } from './usr.bin/touch.js'
import { uname } from './usr.bin/uname.js'
import { which } from './usr.bin/which.js'
import { akpop3d } from './usr.sbin/akpop3d/akpop3d.js'
import { arp } from './usr.sbin/arp/arp.js'
import { chgrp, chown } from './usr.sbin/chown.js'
import { chroot } from './usr.sbin/chroot.js'
import { dhcpd } from './usr.sbin/dhcpd/dhcpd.js'
import { bgpd } from './usr.sbin/frr/bgpd/bgpd.js'
import { isisd } from './usr.sbin/frr/isisd/isisd.js'
import { ospf6d } from './usr.sbin/frr/ospf6d/ospf6d.js'
import { LsaCache } from './usr.sbin/frr/ospfd/ospf_lsa_cache.js'
import { ospfd, sharingOspfd } from './usr.sbin/frr/ospfd/ospfd.js'
import { ripd } from './usr.sbin/frr/ripd/ripd.js'
import { ripngd } from './usr.sbin/frr/ripngd/ripngd.js'
import { vtysh } from './usr.sbin/frr/vtysh.js'
import { ifmcstat } from './usr.sbin/ifmcstat.js'
import { inetd } from './usr.sbin/inetd/inetd.js'
import { jail } from './usr.sbin/jail/jail.js'
import { jexec } from './usr.sbin/jail/jexec.js'
import { jls } from './usr.sbin/jail/jls.js'
import { lighttpd } from './usr.sbin/lighttpd/lighttpd.js'
import { named } from './usr.sbin/named/named.js'
import { ndp } from './usr.sbin/ndp/ndp.js'
import { ngctl } from './usr.sbin/ngctl/ngctl.js'
import { pkg } from './usr.sbin/pkg/pkg.js'
import { postalias, postfix, postfixMaster, sendmail } from './usr.sbin/postfix/postfix.js'
import { pw, useradd } from './usr.sbin/pw.js'
import { rtadvd } from './usr.sbin/rtadvd/rtadvd.js'
import { rtsol, rtsold } from './usr.sbin/rtsold/rtsold.js'
import { service } from './usr.sbin/service.js'
import { setfib } from './usr.sbin/setfib/setfib.js'
import { tayga } from './usr.sbin/tayga/tayga.js'
import { tcpdrop } from './usr.sbin/tcpdrop/tcpdrop.js'
import { tcpdump } from './usr.sbin/tcpdump/tcpdump.js'
import { traceroute } from './usr.sbin/traceroute/traceroute.js'
import { traceroute6 } from './usr.sbin/traceroute/traceroute6.js'

export interface Program {
  run: Command
}

export type Programs = ReadonlyMap<string, Program>

const BASE: ReadonlyArray<readonly [string, Program]> = [
  ['sed', { run: sed }],
  ['xargs', { run: xargs }],
  ['uniq', { run: uniq }],
  ['killall', { run: killall }],
  ['cut', { run: cut }],
  ['date', { run: date }],
  ['expr', { run: expr }],
  ['id', { run: id }],
  ['nohup', { run: nohup }],
  ['mkdir', { run: mkdir }],
  ['cp', { run: cp }],
  ['ls', { run: ls }],
  ['named', { run: named }],
  ['host', { run: host }],
  ['touch', { run: touch }],
  ['stat', { run: stat }],
  ['jot', { run: jot }],
  ['jq', { run: jq }],
  ['which', { run: which }],
  ['basename', { run: basename }],
  ['dirname', { run: dirname }],
  ['realpath', { run: realpath }],
  ['pgrep', { run: pgrep }],
  ['pkill', { run: pkill }],
  ['uname', { run: uname }],
  ['arp', { run: arp }],
  ['atf-sh', { run: atfSh }],
  ['awk', { run: awk }],
  ['dhclient', { run: dhclient }],
  ['dhcpd', { run: dhcpd }],
  ['bgpd', { run: bgpd }],
  ['dmesg', { run: dmesg }],
  ['dnctl', { run: dnctl }],
  ['fetch', { run: fetch }],
  ['hostname', { run: hostname }],
  ['ifconfig', { run: ifconfig }],
  ['iperf3', { run: iperf3 }],
  ['ipfw', { run: ipfw }],
  ['jail', { run: jail }],
  ['jexec', { run: jexec }],
  ['setfib', { run: setfib }],
  ['jls', { run: jls }],
  ['ifmcstat', { run: ifmcstat }],
  ['kenv', { run: kenv }],
  ['kldload', { run: kldload }],
  ['kldstat', { run: kldstat }],
  ['kldunload', { run: kldunload }],
  ['nc', { run: nc }],
  ['ndp', { run: ndp }],
  ['netstat', { run: netstat }],
  ['ngctl', { run: ngctl }],
  ['ospf6d', { run: ospf6d }],
  ['isisd', { run: isisd }],
  ['ospfd', { run: ospfd }],
  ['packetdrill', { run: packetdrill }],
  ['ping', { run: ping }],
  ['ping6', { run: ping6 }],
  ['rctl', { run: rctl }],
  ['ripd', { run: ripd }],
  ['ripngd', { run: ripngd }],
  ['rm', { run: rm }],
  ['resolvconf', { run: resolvconf }],
  ['rtadvd', { run: rtadvd }],
  ['rtsol', { run: rtsol }],
  ['rtsold', { run: rtsold }],
  ['route', { run: route }],
  ['setkey', { run: setkey }],
  ['sockstat', { run: sockstat }],
  ['sysctl', { run: sysctl }],
  ['tcpdrop', { run: tcpdrop }],
  ['tcpdump', { run: tcpdump }],
  ['traceroute', { run: traceroute }],
  ['traceroute6', { run: traceroute6 }],
  ['vtysh', { run: vtysh }],
  ['pkg', { run: pkg }],
  ['service', { run: service }],
  ['isc-dhclient', { run: iscDhclient }],
  ['inetd', { run: inetd }],
  ['devd', { run: devd }],
  ['ftpd', { run: ftpd }],
  ['telnetd', { run: telnetd }],
  ['sshd', { run: sshd }],
  ['file', { run: file }],
  ['chmod', { run: chmod }],
  ['chown', { run: chown }],
  ['chgrp', { run: chgrp }],
  ['chroot', { run: chroot }],
  ['pw', { run: pw }],
  ['useradd', { run: useradd }],
  ['lighttpd', { run: lighttpd }],
  ['postfix', { run: postfix }],
  ['postfix-master', { run: postfixMaster }],
  ['postalias', { run: postalias }],
  ['sendmail', { run: sendmail }],
  ['mail', { run: mail }],
  ['akpop3d', { run: akpop3d }],
  ['tayga', { run: tayga }],
  ['natd', { run: natd }],
]

/**
 * The base programs, the shell, and `extra` (which may replace any of them, `sh` included). The
 * shell's `help` and completion list whatever the returned registry holds.
 */
export function makePrograms(extra: Iterable<readonly [string, Program]> = []): Programs {
  const map = new Map<string, Program>(BASE)
  map.set('sh', { run: createSh({ programs: () => [...map.keys()].sort() }) })
  // The ospfd processes of one registry (a lab's routers) share the LSAs they all hold.
  map.set('ospfd', { run: sharingOspfd(new LsaCache()) })
  for (const [name, p] of extra) map.set(name, p)
  return map
}

export const programs: Programs = makePrograms()
