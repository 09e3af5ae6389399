/**
 * Background labs end to end, as a user drives them from another shell: the built `virtnet`,
 * `imunes`, `himage` and `hcp` programs in child processes, against experiments that live in their
 * own detached processes (real time), in a runtime directory of the test's own. Checked: start
 * prints the id and returns; himage passes stdin, stdout, stderr and the status through; files
 * written in one node are not seen by another; hcp copies in and out; two experiments at once keep
 * their nodes apart; bad ids and nodes fail with himage's messages and statuses; stop removes the
 * socket; a dead experiment's socket is cleaned up.
 */

import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..')
const BIN = join(ROOT, 'dist/src/platform/node')
const run = mkdtempSync(join(tmpdir(), 'virtnet-exp-'))
const env = { ...process.env, VIRTNET_RUNTIME_DIR: join(run, 'rt') }
const started: string[] = []

interface Result {
  status: number | null
  out: string
  err: string
}

/** Runs a program (`virtnet` is cli.js, the others their own entry) and waits for it. */
function prog(
  name: 'virtnet' | 'imunes' | 'himage' | 'hcp',
  args: string[],
  input?: string,
): Promise<Result> {
  const file = name === 'virtnet' ? join(BIN, 'cli.js') : join(BIN, 'imunes', `${name}.js`)
  return new Promise((res) => {
    const p = spawn(process.execPath, [file, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    p.stderr.setEncoding('utf8').on('data', (d) => (err += d))
    const timer = setTimeout(() => p.kill(), 60_000)
    p.on('close', (status) => {
      clearTimeout(timer)
      res({ status, out, err })
    })
    if (input !== undefined) p.stdin.end(input)
    else p.stdin.end()
  })
}

after(() => {
  // Experiments a failed test left running are stopped, so no process outlives the test.
  for (const eid of started)
    spawnSync(process.execPath, [join(BIN, 'cli.js'), 'stop', eid], { env, timeout: 10_000 })
  rmSync(run, { recursive: true, force: true })
})

describe('background labs: virtnet run -d, imunes -b, himage, hcp', { timeout: 180_000 }, () => {
  let a = ''
  let b = ''

  test('virtnet run -d prints the experiment id and returns; imunes -b prints "Experiment ID = …"', async () => {
    const r1 = await prog('virtnet', ['run', '-d', 'examples/demo.yaml'])
    assert.equal(r1.status, 0, r1.err)
    assert.match(r1.out, /^i[0-9a-f]{5}\n$/)
    a = r1.out.trim()
    started.push(a)
    const r2 = await prog('imunes', ['-b', 'examples/demo.yaml'])
    assert.equal(r2.status, 0, r2.err)
    const m = /Experiment ID = (i[0-9a-f]{5})\n$/.exec(r2.out)
    assert.ok(m, r2.out)
    b = m[1]!
    started.push(b)
    assert.notEqual(a, b)
    // The sockets are in the runtime directory, which only the user may enter.
    const socks = readdirSync(env.VIRTNET_RUNTIME_DIR)
      .filter((f) => f.endsWith('.sock'))
      .sort()
    assert.deepEqual(socks, [`${a}.sock`, `${b}.sock`].sort())
    const l = await prog('himage', ['-l'])
    assert.match(l.out, new RegExp(`^${a} \\[demo - `, 'm'))
    const ln = await prog('himage', ['-ln'])
    assert.match(ln.out, new RegExp(`^${b} \\[a, r, b\\]$`, 'm'))
  })

  test('himage runs the command in the node: output, stderr and status pass through', async () => {
    const r = await prog('himage', [`a@${a}`, 'ping', '-c', '1', '198.51.100.1'])
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /1 packets transmitted, 1 packets received/)
    const h = await prog('himage', ['-nt', `r@${a}`, 'hostname'])
    assert.equal(h.out, 'r\n')
    const bad = await prog('himage', [`a@${a}`, 'ping', '-c', '1', '-W', '1', '203.0.113.9'])
    assert.equal(bad.status, 2)
    const sh = await prog('himage', [`a@${a}`, 'sh', '-c', 'echo out; echo err >&2; exit 7'])
    assert.deepEqual(sh, { status: 7, out: 'out\n', err: 'err\n' })
    const nf = await prog('himage', [`a@${a}`, 'nosuchcmd'])
    assert.deepEqual(nf, { status: 1, out: '', err: 'jexec: execvp: nosuchcmd: No such file or directory\n' })
  })

  test('stdin is passed through (a here-document to vtysh-style readers, sh reading commands)', async () => {
    const r = await prog('himage', [`a@${a}`, 'sh', '-c', 'cat > /root/in; wc -l < /root/in'], 'one\ntwo\n')
    assert.equal(r.status, 0, r.err)
    assert.equal(r.out.trim(), '2')
    const s = await prog('himage', [`b@${a}`], 'hostname\nuname -s\n')
    assert.equal(s.out, 'b\nFreeBSD\n')
  })

  test('each node has its own files; each experiment its own nodes', async () => {
    await prog('himage', [`a@${a}`, 'sh', '-c', 'echo secret > /tmp/f'])
    const own = await prog('himage', [`a@${a}`, 'cat', '/tmp/f'])
    assert.equal(own.out, 'secret\n')
    const other = await prog('himage', [`b@${a}`, 'cat', '/tmp/f'])
    assert.equal(other.status, 1)
    assert.equal(other.err, 'cat: /tmp/f: No such file or directory\n')
    const otherLab = await prog('himage', [`a@${b}`, 'cat', '/tmp/f'])
    assert.equal(otherLab.status, 1)
    // Changing one lab's node leaves the other's alone.
    await prog('himage', [`r@${b}`, 'ifconfig', 'eth0', 'down'])
    const still = await prog('himage', [`a@${a}`, 'ping', '-c', '1', '198.51.100.1'])
    assert.equal(still.status, 0)
    const broken = await prog('himage', [`a@${b}`, 'ping', '-c', '1', '-W', '1', '198.51.100.1'])
    assert.equal(broken.status, 2)
  })

  test('a node named without @EID must be in exactly one experiment', async () => {
    const r = await prog('himage', ['a', 'hostname'])
    assert.equal(r.status, 1)
    assert.match(r.err, /^Error: a is not a unique name\.\n/)
    const e = await prog('himage', ['-e', `a@${b}`])
    assert.equal(e.out, `${b}\n`)
  })

  test('hcp copies files out of and into nodes', async () => {
    const local = join(run, 'out.txt')
    const r = await prog('hcp', [`a@${a}:/tmp/f`, local])
    assert.equal(r.status, 0, r.err)
    assert.equal(readFileSync(local, 'utf8'), 'secret\n')
    writeFileSync(join(run, 'in.txt'), 'from outside\n')
    const w = await prog('hcp', [join(run, 'in.txt'), `b@${a}:/root/`])
    assert.equal(w.status, 0, w.err)
    const c = await prog('himage', [`b@${a}`, 'cat', '/root/in.txt'])
    assert.equal(c.out, 'from outside\n')
    const n2n = await prog('hcp', [`a@${a}:/tmp/f`, `r@${a}:/etc/copy`])
    assert.equal(n2n.status, 0, n2n.err)
    assert.equal((await prog('himage', [`r@${a}`, 'cat', '/etc/copy'])).out, 'secret\n')
    const missing = await prog('hcp', [`a@${a}:/nope`, local])
    assert.deepEqual(missing, { status: 1, out: '', err: 'hcp: /nope: No such file or directory\n' })
    // Several sources into a directory, and -r for a directory (start_dns, start_http).
    mkdirSync(join(run, 'www', 'img'), { recursive: true })
    writeFileSync(join(run, 'www', 'index.html'), 'hi\n')
    writeFileSync(join(run, 'www', 'img', 'x.gif'), 'GIF\n')
    assert.equal((await prog('himage', [`b@${a}`, 'mkdir', '-p', '/etc/namedb'])).status, 0)
    const many = await prog('hcp', [join(run, 'in.txt'), join(run, 'out.txt'), `b@${a}:/etc/namedb`])
    assert.equal(many.status, 0, many.err)
    assert.equal((await prog('himage', [`b@${a}`, 'ls', '/etc/namedb'])).out, 'in.txt\nout.txt\n')
    assert.equal((await prog('hcp', [join(run, 'www'), `b@${a}:/root`])).status, 1)
    const tree = await prog('hcp', ['-r', join(run, 'www'), `b@${a}:/root`])
    assert.equal(tree.status, 0, tree.err)
    assert.equal((await prog('himage', [`b@${a}`, 'cat', '/root/www/img/x.gif'])).out, 'GIF\n')
  })

  test("bad experiment ids and nodes: himage's errors and statuses, nothing changes", async () => {
    const noExp = await prog('himage', ['a@i00000', 'hostname'])
    assert.deepEqual(noExp, { status: 2, out: '', err: 'Error: cannot find node named a@i00000\n' })
    const noNode = await prog('himage', [`zz@${a}`, 'hostname'])
    assert.deepEqual(noNode, { status: 2, out: '', err: `Error: cannot find node named zz@${a}\n` })
    const weird = await prog('himage', ['a@../../etc', 'hostname'])
    assert.equal(weird.status, 2)
    const stopBad = await prog('imunes', ['-b', '-e', 'i00000'])
    assert.deepEqual(stopBad, { status: 1, out: '', err: 'imunes: experiment i00000 is not running\n' })
    const noFile = await prog('virtnet', ['run', '-d', join(run, 'missing.yaml')])
    assert.equal(noFile.status, 66)
    assert.match(noFile.err, /^virtnet: .*missing\.yaml: ENOENT/)
  })

  test('a switch has no shell', async () => {
    writeFileSync(
      join(run, 'sw.yaml'),
      'name: sw\nnodes:\n  s: { kind: switch }\n  p: { kind: pc, interfaces: [ { name: eth0, address: 10.0.0.1/24 } ] }\nlinks:\n  - { a: p, b: s }\n',
    )
    const r = await prog('virtnet', ['run', '-d', '--eid', 'swlab', join(run, 'sw.yaml')])
    assert.equal(r.status, 0, r.err)
    started.push('swlab')
    const s = await prog('himage', ['s@swlab', 'ls'])
    assert.deepEqual(s, { status: 3, out: '', err: 'Node s is not a jail.\n' })
    assert.equal((await prog('virtnet', ['stop', 'swlab'])).status, 0)
  })

  test('stop ends the experiment and removes its socket; stale sockets are cleaned up', async () => {
    for (const eid of [a, b]) {
      const r = await prog('imunes', ['-b', '-e', eid])
      assert.equal(r.status, 0, r.err)
      assert.equal(r.out, `Terminated experiment ${eid}.\n`)
      assert.equal(existsSync(join(env.VIRTNET_RUNTIME_DIR, `${eid}.sock`)), false)
    }
    const gone = await prog('himage', [`a@${a}`, 'hostname'])
    assert.equal(gone.status, 2)
    // A socket left by a process that died: nobody answers, so listing removes it.
    const stale = join(env.VIRTNET_RUNTIME_DIR, 'i99999.sock')
    const holder = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`,
    ])
    await new Promise((r) => holder.stdout.once('data', r))
    // Killed, it cannot remove its socket file.
    holder.kill('SIGKILL')
    await new Promise((r) => holder.once('exit', r))
    assert.equal(existsSync(stale), true)
    assert.equal((await prog('himage', ['-l'])).out, '')
    assert.equal(existsSync(stale), false)
  })
})
