/**
 * IMUNES's node services in a lab built from a .imn file, in virtual time: after start, sshd and
 * inetd (ftp, telnet) listen in the nodes that asked for them and nowhere else, tcpdump captures
 * the node's interface, and at NODESTOP the capture comes out as IMUNES names it
 * (`/tmp/EID/NAME_ID_IFACE.pcap`) with the servers stopped.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Host } from '../../host/host.js'
import { nodeClockDriver } from '../../platform/node/clock_driver.js'
import { MemFs } from '../../userland/bin/sh/streams.js'
import { startProcess } from '../../userland/process.js'
import { capture } from '../../userland/testkit.js'
import { loadImn } from '../imn/imn.js'
import { Lab } from './emulator.js'
import { stopServices } from './lab_services.js'
import { serviceCaptures, serviceLines } from './services.js'

const host = (id: string, name: string, addr: string, mac: string, link: string, services?: string[]) => ({
  type: 'host',
  name,
  ifaces: {
    ifc0: { name: 'lo0', type: 'lo', ipv4_addrs: ['127.0.0.1/8'] },
    ifc1: { name: 'eth0', type: 'phys', mac, ipv4_addrs: [addr], link },
  },
  ...(services ? { services } : {}),
  auto_default_routes: 'disabled',
  id,
})

const LAB = JSON.stringify({
  nodes: {
    n0: host('n0', 'PC', '10.0.0.20/24', '42:00:aa:00:00:00', 'l0'),
    n7: host('n7', 'SRV', '10.0.0.10/24', '42:00:aa:00:00:01', 'l0', ['ssh', 'ftp', 'telnet', 'tcpdump']),
  },
  links: { l0: { peers: 'n0 n7', peers_ifaces: 'ifc1 ifc1' } },
}).replace(/,"id":"n\d"/g, '')

test('the lines of each hook, as IMUNES runs them on FreeBSD', () => {
  const { topology } = loadImn(LAB, 's.imn')
  const srv = topology.nodes.find((n) => n.name === 'SRV')!
  assert.deepEqual(srv.services, { names: ['ssh', 'ftp', 'telnet', 'tcpdump'], id: 'n7' })
  assert.equal(topology.nodes.find((n) => n.name === 'PC')!.services, undefined)
  const v = '/var/imunes/i00001/n7'
  assert.deepEqual(serviceLines(srv, 'i00001', 'LINKINST'), [
    `ifconfig eth0 up >> ${v}/tcpdump_start.log 2>&1`,
    `nohup tcpdump -Uni eth0 -w ${v}/eth0.pcap > /dev/null 2> /dev/null &`,
  ])
  assert.deepEqual(serviceLines(srv, 'i00001', 'NODECONF'), [
    `service sshd onestart >> ${v}/ssh_service.log 2>&1`,
    `sed -i -e "s/^#ftp/ftp/" /etc/inetd.conf >> ${v}/ftp_start.log 2>&1`,
    `sed -i -e "s/^#.off.#.ftp/ftp/" /etc/inetd.conf >> ${v}/ftp_start.log 2>&1`,
    `service inetd onerestart >> ${v}/ftp_start.log 2>&1`,
    `sed -i -e "s/^#telnet/telnet/" /etc/inetd.conf >> ${v}/telnet_start.log 2>&1`,
    `sed -i -e "s/^#.off.#.telnet/telnet/" /etc/inetd.conf >> ${v}/telnet_start.log 2>&1`,
    `service inetd onerestart >> ${v}/telnet_start.log 2>&1`,
  ])
  assert.deepEqual(serviceCaptures(srv, 'i00001'), [
    { from: `${v}/eth0.pcap`, to: '/tmp/i00001/SRV_n7_eth0.pcap' },
  ])
})

test('a lab with services: servers listen, tcpdump captures, NODESTOP stops them and moves the capture out', async () => {
  const h = new Host(nodeClockDriver(), { clock: 'virtual', seed: 3 })
  const { topology } = loadImn(LAB, 's.imn')
  const lab = Lab.build(h, topology, { eid: 'i00abc' })
  try {
    await exercise(lab)
  } finally {
    lab.destroy()
    h.clock.stop()
  }
})

async function exercise(lab: Lab): Promise<void> {
  const quiet = () => capture()
  assert.deepEqual(await lab.start(quiet), [])
  const inNode = async (node: string, cmd: string) => {
    const io = capture()
    await startProcess(lab.sys(node), ['sh', '-c', cmd], io, { programs: lab.programs, fs: lab.nodeFs(node) })
      .done
    return io.out()
  }
  const listening = (node: string) =>
    inNode(node, 'sleep 1; netstat -an | grep LISTEN | sed "s/  */ /g" | cut -d" " -f4 | sort -u')
  assert.equal(await listening('SRV'), '*.21\n*.22\n*.23\n')
  assert.equal(await inNode('PC', 'netstat -an | grep -c LISTEN'), '0\n')
  assert.match(await inNode('PC', 'ping -c 1 10.0.0.10'), /1 packets received/)
  const out = new MemFs()
  assert.deepEqual(await stopServices(lab, out), ['/tmp/i00abc/SRV_n7_eth0.pcap'])
  const pcap = out.read('/tmp/i00abc/SRV_n7_eth0.pcap')!
  // The capture holds the echo request and reply (and more: ARP, ND), after the pcap header.
  assert.equal(pcap.slice(0, 4), '\xd4\xc3\xb2\xa1')
  assert.ok(pcap.length > 24 + 2 * (16 + 98), `${pcap.length} bytes`)
  assert.equal(lab.nodeFs('SRV').has('/var/imunes/i00abc/n7/eth0.pcap'), false)
  assert.equal(await inNode('SRV', 'sleep 1; netstat -an | grep -c LISTEN'), '0\n')
  assert.match(lab.nodeFs('SRV').read('/var/imunes/i00abc/n7/ftp_start.log') ?? '', /Starting inetd\.\n/)
}
