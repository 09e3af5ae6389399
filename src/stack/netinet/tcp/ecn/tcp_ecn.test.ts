/**
 * RFC 3168 ECN negotiation between two vnet jails as FreeBSD 14 does it: net.inet.tcp.ecn.enable=1
 * requests ECN, the default 2 only accepts it, 0 neither; a negotiated connection reports
 * TCPI_OPT_ECN and sends its new data ECT(0).
 */

import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { AF_INET, SO, SOCK, SOL_SOCKET, type SocketFd, type Syscalls } from '../../../../host/syscalls.js'
import { netisrGuard, pairNet } from '../../../../testing/fixtures.js'
import { counter, ip } from '../../../../testing/net.js'

const guard = netisrGuard()
afterEach(() => guard.check())

const B = ip('10.0.0.2')
const TCPI_OPT_ECN = 0x08

async function connected(a: Syscalls, b: Syscalls): Promise<{ cli: SocketFd; srv: SocketFd }> {
  const lsn = b.socket(AF_INET, SOCK.STREAM)
  lsn.setsockopt(SOL_SOCKET, SO.REUSEADDR, 1)
  lsn.bind({ addr: 0, port: 80 })
  lsn.listen(5)
  const cli = a.socket(AF_INET, SOCK.STREAM)
  const acc = lsn.accept()
  await cli.connect({ addr: B, port: 80 })
  const { fd } = await acc
  return { cli, srv: fd }
}

/** Connect a to b with the given ecn.enable values; exchange some data; report what was agreed. */
async function negotiate(clientEcn: number, serverEcn: number) {
  const net = guard.track(pairNet(71))
  const a = net.sys('a')
  const b = net.sys('b')
  a.sysctlSet('net.inet.tcp.ecn.enable', String(clientEcn))
  b.sysctlSet('net.inet.tcp.ecn.enable', String(serverEcn))
  const { cli, srv } = await connected(a, b)
  await cli.send(new Uint8Array(3000).fill(7))
  let got = 0
  while (got < 3000) got += (await srv.recv(65536)).length
  return {
    cliEcn: (cli.tcpInfo().options & TCPI_OPT_ECN) !== 0,
    srvEcn: (srv.tcpInfo().options & TCPI_OPT_ECN) !== 0,
    handshakes: [counter(a, 'tcp', 'tcps_ecn_shs'), counter(b, 'tcp', 'tcps_ecn_shs')],
    ect0AtServer: counter(b, 'tcp', 'tcps_ecn_ect0'),
  }
}

describe('tcp: ECN negotiation (RFC 3168)', () => {
  test('ecn.enable=1 asks, the default 2 accepts: both ends ECN, data sent ECT(0)', async () => {
    const r = await negotiate(1, 2)
    assert.equal(r.cliEcn, true)
    assert.equal(r.srvEcn, true)
    assert.deepEqual(r.handshakes, [1, 1])
    assert.ok(r.ect0AtServer >= 3, `ECT(0) data segments seen: ${r.ect0AtServer}`)
  })

  test('with the default 2 on both ends nobody asks, so no ECN and no ECT marks', async () => {
    const r = await negotiate(2, 2)
    assert.deepEqual([r.cliEcn, r.srvEcn], [false, false])
    assert.deepEqual(r.handshakes, [0, 0])
    assert.equal(r.ect0AtServer, 0)
  })

  test('a server with ecn.enable=0 ignores the ECN-setup SYN', async () => {
    const r = await negotiate(1, 0)
    assert.deepEqual([r.cliEcn, r.srvEcn], [false, false])
    assert.deepEqual(r.handshakes, [0, 0])
    assert.equal(r.ect0AtServer, 0)
  })
})
