/**
 * startProcess: exit statuses, errors turned into messages, kill (128+signal, sleeps woken, kill
 * handlers run), children (jail/uid, unknown commands), setuid programs and the registry.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SysError } from '../util/errno.js'
import { type Program, startProcess } from './process.js'
import { makePrograms, programs } from './programs.js'
import { capture, fakeSys } from './testkit.js'
import type { Command } from './types.js'

function kernel(uid = 0, jailName = '0'): ReturnType<typeof fakeSys> & { sleeps: Array<() => void> } {
  let nextPid = 100
  const sleeps: Array<() => void> = []
  const k = fakeSys({
    uid,
    jailName,
    procStart: () => nextPid++,
    // The process's own view of the kernel: the same fake (its calls stay in one log).
    asProcess: () => k.sys,
    procExit: () => {},
    // Like the kernel's: a sleep ends when `until` settles.
    nanosleep: (_ns: number, until?: Promise<unknown>) =>
      new Promise<void>((r) => {
        sleeps.push(r)
        until?.then(() => r())
      }),
    withUid: (u: number) => kernel(u).sys,
    // The kernel's set-user-ID table, as the real one has for ping and traceroute.
    exec: (name: string) => (name === 'suid' ? kernel(0, jailName).sys : k.sys),
    attach: (j: string, u?: number) => kernel(u ?? uid, j).sys,
    // Jails at `/` share the caller's files (no path given), as jail(8) makes them by default.
    jailGet: (j: string) => ({ name: j, path: '/' }),
  })
  return { ...k, sleeps }
}

const reg = (entries: Record<string, Command | Program>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === 'function' ? { run: v } : v]))

describe('startProcess', () => {
  test('status, pid and procExit', async () => {
    const k = kernel()
    const io = capture()
    const job = startProcess(k.sys, ['t'], io, {
      programs: reg({
        t: async (_a, i, p) => {
          i.stdout.write(`pid ${p.pid}\n`)
          return 3
        },
      }),
    })
    assert.equal(job.pid, 100)
    assert.equal(await job.done, 3)
    assert.equal(io.out(), 'pid 100\n')
    assert.deepEqual(
      k.calls.map(([n]) => n),
      ['exec', 'procStart', 'asProcess', 'procExit'],
    )
  })

  test('a SysError becomes `name: strerror` (1), anything else an internal error (70)', async () => {
    const k = kernel()
    const io = capture()
    const programs = reg({
      a: async () => {
        throw new SysError('EPERM', 'x')
      },
      b: async () => {
        throw new Error('boom')
      },
    })
    assert.equal(await startProcess(k.sys, ['a'], io, { programs }).done, 1)
    assert.equal(await startProcess(k.sys, ['b'], io, { programs }).done, 70)
    assert.equal(io.err(), 'a: Operation not permitted\nb: internal error: boom\n')
  })

  test('kill: 128+signal at once, sleeps wake, handlers run', async () => {
    const k = kernel()
    let handled = false
    let woke = false
    const job = startProcess(k.sys, ['s'], capture(), {
      programs: reg({
        s: async (_a, _i, p) => {
          p.onKill(() => {
            handled = true
          })
          await p.sleep(10e9)
          woke = p.killed
          return 0
        },
      }),
    })
    job.kill()
    assert.equal(await job.done, 143)
    await new Promise((r) => setImmediate(r))
    assert.ok(handled && woke)
    const j2 = startProcess(k.sys, ['s'], capture(), { programs: reg({ s: () => new Promise(() => {}) }) })
    j2.kill(9)
    assert.equal(await j2.done, 137)
  })

  test('children: unknown command, jail and uid, env', async () => {
    const k = kernel()
    const seen: string[] = []
    const programs = reg({
      child: async (argv, _io, p) => {
        seen.push(`${argv.join(' ')} uid=${p.sys.uid} jail=${p.sys.jailName} X=${p.env.get('X')}`)
        return 5
      },
      parent: async (_a, io, p) => {
        assert.throws(() => p.spawn(['nosuch'], io), { code: 'ENOENT', op: 'execvp' })
        assert.equal(p.has('child'), true)
        assert.equal(p.has('nosuch'), false)
        const a = await p.spawn(['child', '1'], io, { jail: 'j1', uid: 1001, env: new Map([['X', 'y']]) })
          .done
        const b = await p.spawn(['child', '2'], io, { uid: 7 }).done
        return a + b
      },
    })
    assert.equal(await startProcess(k.sys, ['parent'], capture(), { programs }).done, 10)
    assert.deepEqual(seen, ['child 1 uid=1001 jail=j1 X=y', 'child 2 uid=7 jail=0 X=undefined'])
  })

  test("exec applies the kernel's setuid bit; the shell hook serves sh", async () => {
    const k = kernel(1001)
    const uids: number[] = []
    const run: Command = async (_a, _i, proc) => {
      uids.push(proc.sys.uid)
      return 0
    }
    const programs = reg({ suid: run, plain: run })
    await startProcess(k.sys, ['suid'], capture(), { programs }).done
    await startProcess(k.sys, ['plain'], capture(), { programs }).done
    assert.deepEqual(uids, [0, 1001])
    const shell: Command = async () => 42
    assert.equal(await startProcess(k.sys, ['sh'], capture(), { programs, shell }).done, 42)
    assert.throws(() => startProcess(k.sys, ['nosuch'], capture(), { programs }), { code: 'ENOENT' })
  })
})

describe('programs', () => {
  test('the registry has every program and sh', () => {
    for (const n of [
      'arp',
      'hostname',
      'ifconfig',
      'jail',
      'jexec',
      'jls',
      'netstat',
      'ping',
      'route',
      'sysctl',
      'traceroute',
      'sh',
    ])
      assert.ok(programs.has(n), n)
    const custom: Command = async () => 0
    assert.equal(makePrograms([['sh', { run: custom }]]).get('sh')?.run, custom)
  })
})
