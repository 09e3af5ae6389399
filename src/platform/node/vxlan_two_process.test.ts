/**
 * Two VirtNet processes joined by VXLAN form one network: a LAN split over two `virtnet run`
 * processes, each half with an external node whose tunnel goes to the other over loopback UDP.
 * Each half answers its own pingall; pc1 in one process pings pc2 in the other, and a TCP stream
 * (nc) crosses the split. Real time (the two processes share no clock); loopback only, no root.
 */

import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), 'cli.js')

/** One half: `me` and a neighbour `${me}n` (pingall needs two end systems) on a switch with the tunnel. */
function half(me: string, addr: string, localPort: number, remotePort: number): string {
  return `
name: split-${me}
nodes:
  ${me}: { kind: pc, interfaces: [ { name: eth0, address: ${addr}/24 } ] }
  ${me}n: { kind: pc, interfaces: [ { name: eth0, address: ${addr.replace(/\d+$/, (d) => String(Number(d) + 100))}/24 } ] }
  sw: { kind: switch }
  far: { kind: external, vxlan: { vni: 77, local: 127.0.0.1, localPort: ${localPort}, remote: 127.0.0.1, remotePort: ${remotePort} } }
links:
  - { a: ${me}, b: sw }
  - { a: ${me}n, b: sw }
  - { a: far, b: sw }
`
}

interface Run {
  child: ChildProcess
  out: string[]
  err: string[]
  done: Promise<number>
}

function run(args: string[], timeoutMs: number): Run {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const out: string[] = []
  const err: string[] = []
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => err.push(d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const done = new Promise<number>((res) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      res(code ?? -1)
    }),
  )
  return { child, out, err, done }
}

test(
  'a LAN split over two virtnet processes: pingall in each half, ping and TCP across',
  { timeout: 90_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-split-'))
    // Ports from the pid, so parallel runs do not collide; loopback only.
    const base = 20000 + (process.pid % 20000) * 2
    writeFileSync(join(dir, 'a.yaml'), half('pc1', '10.0.0.1', base, base + 1))
    writeFileSync(join(dir, 'b.yaml'), half('pc2', '10.0.0.2', base + 1, base))
    const runs: Run[] = []
    try {
      // Different seeds: MACs come from the seeded RNG, and the halves share one Ethernet segment.
      const b = run(
        [
          'run',
          join(dir, 'b.yaml'),
          '--clock',
          'real',
          '--seed',
          '2',
          '-c',
          'pingall',
          '-c',
          'pc2 nc -l -w 30 7000',
        ],
        60_000,
      )
      runs.push(b)
      const start = Date.now()
      while (b.out.join('').length === 0 && Date.now() - start < 20_000)
        await new Promise((r) => setTimeout(r, 50))
      await new Promise((r) => setTimeout(r, 500))
      const a = run(
        [
          'run',
          join(dir, 'a.yaml'),
          '--clock',
          'real',
          '--seed',
          '1',
          '-c',
          'pingall',
          '-c',
          'pc1 ping -c 3 -i 0.2 10.0.0.2',
          '-c',
          'pc1 echo hello-over-vxlan | nc -N -w 10 10.0.0.2 7000',
        ],
        60_000,
      )
      runs.push(a)
      const ca = await a.done
      const cb = await b.done
      const outA = a.out.join('')
      assert.equal(ca, 0, outA + a.err.join(''))
      assert.match(outA, /\*\*\* Results: 0% dropped \(2\/2 received\)/)
      assert.match(outA, /3 packets transmitted, 3 packets received/)
      assert.equal(cb, 0, b.out.join('') + b.err.join(''))
      assert.match(b.out.join(''), /\*\*\* Results: 0% dropped \(2\/2 received\)/)
      assert.match(b.out.join(''), /hello-over-vxlan/)
    } finally {
      for (const r of runs) r.child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
