/**
 * IMUNES's per-node `services` (runtime/services.tcl), as IMUNES runs them on FreeBSD: at its
 * LINKINST hook `tcpdump` starts `tcpdump -Uni IFACE -w VROOT/IFACE.pcap` on every interface but
 * loopbacks; at NODECONF `ssh` runs `service sshd onestart`, and `ftp` and `telnet` uncomment
 * their lines of /etc/inetd.conf and run `service inetd onerestart`; at NODESTOP each is undone,
 * and tcpdump's captures are moved out of the node to the host's `/tmp/EID/NAME_ID_IFACE.pcap`.
 * VROOT is IMUNES's `/var/imunes/EID/ID` (the node's IMUNES id), and each hook's output goes to
 * the log file IMUNES writes there. This module only makes the command lines and file names;
 * the lab runs them. Must not: run anything itself.
 */

import type { TopoNode } from '../model.js'

/** The services VirtNet can run, in the order IMUNES registers them. */
export const KNOWN_SERVICES: readonly string[] = ['ssh', 'tcpdump', 'ftp', 'telnet']

/** IMUNES's runtime directory of a node ($VROOT_RUNTIME). */
export function vrootRuntime(eid: string, id: string): string {
  return `/var/imunes/${eid}/${id}`
}

function captured(node: TopoNode): string[] {
  return node.interfaces.map((i) => i.name).filter((n) => !n.startsWith('lo'))
}

function inetd(service: string, enable: boolean, log: string): string[] {
  const sed = enable
    ? [
        `sed -i -e "s/^#${service}/${service}/" /etc/inetd.conf`,
        `sed -i -e "s/^#.off.#.${service}/${service}/" /etc/inetd.conf`,
      ]
    : [`sed -i -e "s/^${service}/#${service}/" /etc/inetd.conf`]
  return [...sed, 'service inetd onerestart'].map((c) => `${c} >> ${log} 2>&1`)
}

/**
 * Shell lines for a hook: 'LINKINST' (before the node's own startup lines), 'NODECONF' (after
 * them) or 'NODESTOP' (before the lab is torn down).
 */
export function serviceLines(
  node: TopoNode,
  eid: string,
  hook: 'LINKINST' | 'NODECONF' | 'NODESTOP',
): string[] {
  const s = node.services
  if (s === undefined) return []
  const vroot = vrootRuntime(eid, s.id)
  const out: string[] = []
  for (const name of KNOWN_SERVICES) {
    if (!s.names.includes(name)) continue
    if (name === 'tcpdump' && hook === 'LINKINST') {
      const log = `${vroot}/tcpdump_start.log`
      for (const i of captured(node)) {
        out.push(`ifconfig ${i} up >> ${log} 2>&1`)
        out.push(`nohup tcpdump -Uni ${i} -w ${vroot}/${i}.pcap > /dev/null 2> /dev/null &`)
      }
    } else if (name === 'tcpdump' && hook === 'NODESTOP')
      out.push(`pkill tcpdump >> ${vroot}/tcpdump_stop.log 2>&1`)
    else if (name === 'ssh' && hook !== 'LINKINST')
      out.push(
        `service sshd ${hook === 'NODECONF' ? 'onestart' : 'onestop'} >> ${vroot}/ssh_service.log 2>&1`,
      )
    else if ((name === 'ftp' || name === 'telnet') && hook !== 'LINKINST')
      out.push(
        ...inetd(name, hook === 'NODECONF', `${vroot}/${name}_${hook === 'NODECONF' ? 'start' : 'stop'}.log`),
      )
  }
  return out
}

/** tcpdump's captures to move at NODESTOP: the path in the node, the host's path. */
export function serviceCaptures(node: TopoNode, eid: string): Array<{ from: string; to: string }> {
  const s = node.services
  if (s === undefined || !s.names.includes('tcpdump')) return []
  return captured(node).map((i) => ({
    from: `${vrootRuntime(eid, s.id)}/${i}.pcap`,
    to: `/tmp/${eid}/${node.name}_${s.id}_${i}.pcap`,
  }))
}
