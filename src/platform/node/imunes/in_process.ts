/**
 * IMUNES's commands inside `virtnet sh`: `imunes -b LAB` builds the lab in the shell's own host (in
 * its clock, so in virtual time a test script's `sleep 60` costs nothing and the same `--seed` gives
 * the same run), `himage NODE[@EID] CMD…` runs a command in a node's jail with the node's own files,
 * `hcp` copies between nodes and the script's files, `imunes -b -e EID` tears the lab down. The
 * labs live as long as the host; they are kept in the closure made per host, never in module state.
 * Only the host's root may run imunes, as on FreeBSD.
 */

import type { Host } from '../../../host/host.js'
import { isTopologyError } from '../../../topology/file/diagnostics.js'
import { loadAny } from '../../../topology/file/load.js'
import { Lab } from '../../../topology/lab/emulator.js'
import { stopServices } from '../../../topology/lab/lab_services.js'
import { EID_RE, LabError } from '../../../topology/lab/lab_var.js'
import { copyPath } from '../../../userland/bin/cp.js'
import { isDirectory, jailFs } from '../../../userland/fs/chroot_fs.js'
import { seedDb } from '../../../userland/lib/libutil/pw_db.js'
import { startProcess } from '../../../userland/process.js'
import type { Program } from '../../../userland/programs.js'
import type { FileSystem, Io, OutStream, Proc } from '../../../userland/types.js'

/**
 * IMUNES's /var/imunes/vroot in the script's own tree: the base every node's tree lies over, with
 * the stock user database, so `chroot /var/imunes/vroot pw useradd …` reaches all nodes.
 */
function vroot(fs: FileSystem): FileSystem {
  const base = jailFs(fs, VROOT)
  fs.mkdir(VROOT)
  seedDb(base)
  return base
}

const VROOT = '/var/imunes/vroot'

interface Found {
  lab: Lab
  node: string
}

function prefixed(prefix: string, to: OutStream): OutStream {
  return { write: (s) => to.write(s.replace(/^(?=.)/gm, prefix)) }
}

/** The programs, sharing one set of running labs for `host`. */
export function labPrograms(host: Host): Array<[string, Program]> {
  const labs = new Map<string, Lab>()

  const find = (spec: string, io: Io): Found | number => {
    const at = spec.indexOf('@')
    const node = at < 0 ? spec : spec.slice(0, at)
    const eid = at < 0 ? undefined : spec.slice(at + 1)
    const having = [...labs.values()].filter(
      (l) => (eid === undefined || l.eid === eid) && l.node(node) !== undefined,
    )
    if (node === '' || having.length === 0) {
      io.stderr.write(`Error: cannot find node named ${spec}\n`)
      return 2
    }
    if (having.length > 1) {
      io.stderr.write(`Error: ${spec} is not a unique name.\n`)
      return 1
    }
    const lab = having[0]!
    const n = lab.node(node)!
    if (n.ngId !== null || n.vxlanIf !== undefined) {
      io.stderr.write(`Node ${node} is not a jail.\n`)
      return 3
    }
    return { lab, node }
  }

  const newEid = (proc: Proc): string => {
    for (;;) {
      const b = proc.sys.getrandom(3)
      const id = `i${[...b]
        .map((x) => x.toString(16).padStart(2, '0'))
        .join('')
        .slice(0, 5)}`
      if (!labs.has(id)) return id
    }
  }

  const imunes: Program = {
    run: async (argv, io, proc) => {
      let batch = false
      let eid: string | undefined
      const files: string[] = []
      for (let i = 1; i < argv.length; i++) {
        const a = argv[i]!
        if (a === '-b' || a === '--batch') batch = true
        else if (a === '-e' || a === '--eid') eid = argv[++i]
        else if (a.startsWith('-')) {
          io.stderr.write(`imunes: unknown option ${a}\nusage: imunes [-b] [-e eid] [file]\n`)
          return 64
        } else files.push(a)
      }
      if (proc.sys.uid !== 0 || proc.sys.jid !== 0) {
        io.stderr.write("imunes: must be run by the host's root\n")
        return 1
      }
      if (!batch || files.length > 1 || (files.length === 0 && eid === undefined)) {
        io.stderr.write('usage: imunes -b [-e eid] file | imunes -b -e eid\n')
        return 64
      }
      if (files.length === 0) {
        const lab = labs.get(eid!)
        if (lab === undefined) {
          io.stderr.write(`imunes: experiment ${eid} is not running\n`)
          return 1
        }
        labs.delete(eid!)
        // NODESTOP: services stop and tcpdump's captures come out to /tmp/EID, as IMUNES moves them.
        await stopServices(lab, proc.fs)
        lab.destroy()
        io.stdout.write(`Terminated experiment ${eid}.\n`)
        return 0
      }
      const file = files[0]!
      const text = proc.fs.read(file)
      if (text === undefined) {
        io.stderr.write(`Error: file '${file}' doesn't exist\n`)
        return 1
      }
      const id = eid ?? newEid(proc)
      if (!EID_RE.test(id) || labs.has(id)) {
        io.stderr.write(`imunes: ${id}: bad or running experiment id\n`)
        return 1
      }
      let lab: Lab
      try {
        const loaded = loadAny(text, file)
        for (const w of loaded.warnings) io.stderr.write(`imunes: warning: ${w}\n`)
        lab = Lab.build(host, loaded.topology, { eid: id, vroot: vroot(proc.fs) })
      } catch (e) {
        if (isTopologyError(e)) for (const l of e.errors) io.stderr.write(`${l}\n`)
        else if (e instanceof LabError) io.stderr.write(`imunes: ${file}: ${e.message}\n`)
        else throw e
        return 1
      }
      labs.set(id, lab)
      const startIo = (node: string): Io => ({
        stdin: { read: async () => null },
        stdout: prefixed(`${node}: `, io.stderr),
        stderr: prefixed(`${node}: `, io.stderr),
      })
      for (const w of await lab.start(startIo)) io.stderr.write(`imunes: warning: ${w}\n`)
      io.stdout.write(`Experiment ID = ${id}\n`)
      return 0
    },
  }

  const himage: Program = {
    run: async (argv, io, proc) => {
      let args = argv.slice(1)
      if (args[0] === '-b' || args[0] === '-nt') args = args.slice(1)
      const [first, ...rest] = args
      if (first === undefined || first === '-h') {
        io.stdout.write(
          'usage: himage [-nt] node[@eid] [command ...] | himage -l | -ln | -e|-n|-d node[@eid]\n',
        )
        return 0
      }
      if (first === '-l' || first === '-ln') {
        for (const lab of labs.values())
          io.stdout.write(
            `${lab.eid} [${
              first === '-l'
                ? lab.topology.name
                : lab
                    .nodes()
                    .map((n) => n.name)
                    .join(', ')
            }]\n`,
          )
        return 0
      }
      if (first === '-e' || first === '-n' || first === '-d') {
        const f = find(rest[0] ?? '', io)
        if (typeof f === 'number') return f
        io.stdout.write(`${first === '-e' ? f.lab.eid : first === '-n' ? f.node : f.lab.nodePath(f.node)}\n`)
        return 0
      }
      if (first.startsWith('-')) {
        io.stderr.write(`himage: illegal option -- ${first.slice(1)}\n`)
        return 2
      }
      const f = find(first, io)
      if (typeof f === 'number') return f
      let job: ReturnType<typeof startProcess>
      let cmd = rest.length > 0 ? rest : ['sh']
      // A script named by path (`himage FW /FW-FreeBSD.fw` after hcp): execve runs its `#!`
      // interpreter, or sh for ENOEXEC, as the shell's own lookup does.
      const fs = f.lab.nodeFs(f.node)
      const text = cmd[0]!.includes('/') && !f.lab.programs.has(cmd[0]!) ? fs.read(cmd[0]!) : undefined
      if (text !== undefined) {
        const bang = /^#!\s*(\S+)/.exec(text)?.[1]
        const interp = bang === undefined ? 'sh' : bang.slice(bang.lastIndexOf('/') + 1)
        if (f.lab.programs.has(interp)) cmd = [interp, ...cmd]
      }
      try {
        job = startProcess(f.lab.sys(f.node), cmd, io, {
          programs: f.lab.programs,
          fs: f.lab.nodeFs(f.node),
        })
      } catch {
        io.stderr.write(`jexec: execvp: ${rest[0]}: No such file or directory\n`)
        return 1
      }
      const off = proc.onKill(() => job.kill(9))
      try {
        return await job.done
      } finally {
        off()
      }
    },
  }

  const hcp: Program = {
    // IMUNES's hcp is cp(1) between the host and nodes' trees: several sources into a directory,
    // -r for directories, as `hcp -r www.www h:/root` and `hcp DIR/* h:/etc/namedb` use it.
    run: async (argv, io, proc) => {
      const args = argv.slice(1)
      const opts = args.filter((a) => /^-[pfvrR]+$/.test(a))
      const ops = args.filter((a) => !/^-[pfvrR]+$/.test(a))
      const bad = ops.find((a) => a.startsWith('-') && a.length > 1)
      if (bad !== undefined || ops.length < 2) {
        io.stderr.write(
          `${bad !== undefined ? `hcp: illegal option -- ${bad.slice(1)}\n` : ''}usage: hcp [-r] [node[@eid]:]source_file ... [node[@eid]:]target\n`,
        )
        return 64
      }
      const recursive = opts.some((o) => /[rR]/.test(o))
      const side = (spec: string) => {
        const c = spec.indexOf(':')
        if (c <= 0 || spec.slice(0, c).includes('/')) return { fs: proc.fs, path: spec }
        const f = find(spec.slice(0, c), io)
        return typeof f === 'number' ? f : { fs: f.lab.nodeFs(f.node), path: spec.slice(c + 1) }
      }
      const dst = side(ops[ops.length - 1]!)
      if (typeof dst === 'number') return dst
      const err = (s: string) => void io.stderr.write(s)
      const many = ops.length > 2
      if (many && !isDirectory(dst.path, dst.fs)) {
        io.stderr.write(`hcp: ${dst.path} is not a directory\n`)
        return 1
      }
      let status = 0
      for (const spec of ops.slice(0, -1)) {
        const src = side(spec)
        if (typeof src === 'number') return src
        // hier(7)'s directories exist in a node before anything is put there.
        const target = isDirectory(dst.path, dst.fs) && !dst.path.endsWith('/') ? `${dst.path}/` : dst.path
        if (!copyPath('hcp', src, { fs: dst.fs, path: target }, recursive, err, many)) status = 1
      }
      return status
    },
  }

  return [
    ['imunes', imunes],
    ['himage', himage],
    ['hcp', hcp],
  ]
}
