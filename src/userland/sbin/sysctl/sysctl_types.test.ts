/**
 * Integer sysctls have a C type: sysctl(8) reads a new value with strtol/strtoul and casts it to
 * the oid's type (an int keeps the low 32 bits), refuses what strtol refuses, and the kernel
 * refuses any value its type cannot hold — against a real kernel (a virtual-clock Host).
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Host } from '../../../host/host.js'
import { nodeClockDriver } from '../../../platform/node/clock_driver.js'
import { isSysError } from '../../../util/errno.js'
import { startProcess } from '../../process.js'
import { programs } from '../../programs.js'
import { capture, type RunResult } from '../../testkit.js'
import { parseNumeric } from './sysctl.js'

describe('parse_numeric', () => {
  test('strtol base 0, then the C cast to the oid type', () => {
    const cases: Array<[string, 'int' | 'uint' | 'long' | 'ulong', bigint | null]> = [
      ['42', 'int', 42n],
      ['0x10', 'int', 16n],
      ['010', 'int', 8n], // octal, as strtol with base 0
      ['08', 'int', null], // strtol stops at the 8: trailing junk
      ['  7', 'int', 7n],
      ['7 ', 'int', null],
      ['0x', 'int', null],
      ['-5', 'int', -5n],
      ['2147483648', 'int', -2147483648n],
      ['4294967296', 'int', 0n],
      ['4294967297', 'int', 1n],
      ['9223372036854775807', 'int', -1n],
      ['9223372036854775808', 'int', null], // ERANGE
      ['-9223372036854775808', 'long', -9223372036854775808n],
      ['-9223372036854775809', 'long', null],
      ['-1', 'uint', 4294967295n],
      ['4294967296', 'uint', 0n],
      ['-1', 'ulong', 18446744073709551615n],
      ['18446744073709551616', 'ulong', null],
    ]
    for (const [s, t, want] of cases) assert.equal(parseNumeric(s, t), want, `${s} as ${t}`)
  })
})

describe('sysctl against the kernel', () => {
  const host = new Host(nodeClockDriver(), { clock: 'virtual', seed: 1 })
  const sys = host.syscalls()
  const run = async (line: string): Promise<RunResult> => {
    const io = capture()
    const status = await startProcess(sys, line.split(' '), io, { programs }).done
    return { status, out: io.out(), err: io.err() }
  }

  test('an int oid never holds more than an int: 4294967296 wraps to 0, which max_age refuses', async () => {
    assert.deepEqual(await run('sysctl net.link.ether.inet.max_age=4294967296'), {
      status: 1,
      out: 'net.link.ether.inet.max_age: 1200\n',
      err: 'sysctl: net.link.ether.inet.max_age=4294967296: Invalid argument\n',
    })
    assert.equal(sys.sysctlGet('net.link.ether.inet.max_age').value, 1200)
    assert.deepEqual(await run('sysctl net.inet.icmp.icmplim=4294967297'), {
      status: 0,
      out: 'net.inet.icmp.icmplim: 200 -> 1\n',
      err: '',
    })
    assert.deepEqual(await run('sysctl net.inet.icmp.icmplim=99999999999999999999'), {
      status: 1,
      out: '',
      err: "sysctl: invalid integer '99999999999999999999'\n",
    })
    assert.equal((await run('sysctl net.inet.icmp.icmplim=')).err, 'sysctl: empty numeric value\n')
    assert.equal((await run('sysctl -n net.inet.icmp.icmplim=010')).out, '1 -> 8\n')
    assert.equal(sys.sysctlGet('net.inet.icmp.icmplim').ctype, 'int')
  })

  test('-w is accepted and ignored, as FreeBSD does for compatibility (packetdrill scripts use it)', async () => {
    assert.deepEqual(await run('sysctl -w net.inet.icmp.icmplim=300'), {
      status: 0,
      out: 'net.inet.icmp.icmplim: 8 -> 300\n',
      err: '',
    })
    assert.equal(sys.sysctlGet('net.inet.icmp.icmplim').value, 300)
  })

  test('the kernel refuses a value outside the type, whoever sends it', () => {
    for (const v of ['4294967296', '2147483648', '-2147483649'])
      assert.throws(
        () => sys.sysctlSet('net.inet.icmp.icmplim', v),
        (e: unknown) => isSysError(e) && e.code === 'EINVAL',
        v,
      )
    assert.equal(sys.sysctlSet('net.inet.icmp.icmplim', '2147483647').value, 2147483647)
  })
})
