/**
 * ngctl(8): netgraph control through a socket node of its own, named `ngctl<pid>` (or `-n name`),
 * which is `.` in paths and goes away when the program exits — taking its hooks with it, so peers
 * that are not persistent shut down, as on FreeBSD. One command from the command line, or one per
 * line of a file with `-f FILE` (a file of the process's file system, such as the shell wrote) or
 * of standard input with `-f -` (`#` lines are comments; the first failing line stops the run
 * with `ngctl: line N: error in file`).
 *
 * Commands (FreeBSD's names, prefixes and aliases, output formats): connect, help, list [-ln], mkpeer,
 * msg, name, rmhook, show [-n], shutdown, status, types, quit. FreeBSD's config, debug, dot, read and
 * write and the interactive mode are not available (no terminal). Exit status as FreeBSD: 0, 64 for usage errors, 71 (EX_OSERR) when a command fails.
 */

import type { NgNodeInfo, NgSocket } from '../../../host/syscalls.js'
import { asSysError, CmdError, EX, hex, padL, padR, runTool } from '../../common.js'
import { getopt } from '../../getopt.js'
import type { Command, Io } from '../../types.js'

const RTN = { OK: 0, USAGE: 1, ERROR: 2, QUIT: 3 } as const
type Rtn = (typeof RTN)[keyof typeof RTN]

const EX_NOINPUT = 66
const MAIN_USAGE = 'usage: ngctl [-d] [-f file] [-n name] [command ...]'
const UNNAMED = '<unnamed>'
/** Lines of `list` output written at a time. */
const LIST_CHUNK = 256
/** NG_NODESIZ - 1: ngctl's snprintf cuts a longer -n name. */
const NODE_NAME_MAX = 31

interface Ctx {
  readonly sock: NgSocket
  readonly io: Io
}

interface NgCmd {
  /** Usage line; its first word is the command's name. */
  readonly usage: string
  readonly desc: string
  readonly help?: string
  readonly aliases: readonly string[]
  run(ctx: Ctx, av: readonly string[]): Rtn
}

/** warn(3) for a failed kernel call: `ngctl: what: strerror`. */
function fail(ctx: Ctx, what: string, e: unknown): Rtn {
  ctx.io.stderr.write(`ngctl: ${what}: ${asSysError(e).strerror}\n`)
  return RTN.ERROR
}

/** Run a kernel call; on SysError report it as `what` and return ERROR. */
function call(ctx: Ctx, what: string, fn: () => void): Rtn {
  try {
    fn()
    return RTN.OK
  } catch (e) {
    return fail(ctx, what, e)
  }
}

function nodeLine(n: NgNodeInfo): string {
  return `  Name: ${padR(n.name || UNNAMED, 15)} Type: ${padR(n.type, 15)} ID: ${hex(n.id, 8)}   Num hooks: ${n.hooks.length}`
}

const hookRow = (a: string, b: string, c: string, d: string, e: string): string =>
  `  ${padR(a, 15)} ${padR(b, 15)} ${padR(c, 12)} ${padR(d, 15)} ${padR(e, 15)}`

/** show's output for one node: its line, then its hooks newest first, as the kernel lists them. */
function showLines(n: NgNodeInfo, withHooks: boolean): string[] {
  const out = [nodeLine(n)]
  if (withHooks && n.hooks.length > 0) {
    out.push(hookRow('Local hook', 'Peer name', 'Peer type', 'Peer ID', 'Peer hook'))
    out.push(hookRow('----------', '---------', '---------', '-------', '---------'))
    for (const h of [...n.hooks].reverse())
      out.push(hookRow(h.hook, h.peerName || UNNAMED, h.peerType, hex(h.peerId, 8), h.peerHook))
  }
  return out
}

function write(ctx: Ctx, lines: readonly string[]): void {
  if (lines.length > 0) ctx.io.stdout.write(`${lines.join('\n')}\n`)
}

/** Options of a subcommand (getopt restarted at av[1], as optind = 1 does). */
function subOpts(av: readonly string[], optstring: string): { flags: Set<string>; rest: string[] } | null {
  const r = getopt('ngctl', av.slice(1), optstring)
  if (typeof r === 'string') return null
  return { flags: new Set(r.opts.map(([f]) => f)), rest: r.rest }
}

const CMDS: readonly NgCmd[] = [
  {
    usage: 'connect [path] <relpath> <hook> <peerhook>',
    desc: 'Connects hook <peerhook> of the node at <relpath> to <hook>',
    help:
      'The connect command creates a link between the two nodes at "path" and "relpath" using hooks ' +
      '"hook" and "peerhook", respectively. The "relpath", if not absolute, is specified relative to ' +
      'the node at "path". If "path" is omitted then "." is assumed.',
    aliases: ['join'],
    run(ctx, av) {
      if (av.length !== 4 && av.length !== 5) return RTN.USAGE
      const a = av.length === 5 ? av.slice(1) : ['.', ...av.slice(1)]
      return call(ctx, 'send msg', () => ctx.sock.connect(a[0]!, a[1]!, a[2]!, a[3]!))
    },
  },
  {
    usage: 'help [command]',
    desc: 'Show command summary or get more help on a specific command',
    aliases: ['?'],
    run(ctx, av) {
      if (av.length <= 1) {
        const lines = ['Available commands:']
        for (const c of CMDS) lines.push(`  ${padR(cmdName(c), 10)} ${c.desc}`)
        write(ctx, lines)
        return RTN.OK
      }
      const c = findCommand(ctx, av[1]!)
      if (c === null) return RTN.OK
      const lines = [`usage:    ${c.usage}`]
      if (c.aliases.length > 0) lines.push(`Aliases:  ${c.aliases.join(', ')}`)
      lines.push(`Summary:  ${c.desc}`)
      if (c.help !== undefined) lines.push('Description:', ...wrap(c.help, 64).map((l) => `  ${l}`))
      write(ctx, lines)
      return RTN.OK
    },
  },
  {
    usage: 'list [-ln]',
    desc: 'Show information about all nodes',
    help:
      'The list command shows information about every node that currently exists in the netgraph ' +
      'system. The optional -n argument limits this list to only those nodes with a global name ' +
      'assignment. The optional -l argument provides verbose output that includes hook information ' +
      'as well.',
    aliases: ['ls'],
    run(ctx, av) {
      const o = subOpts(av, 'ln')
      if (o === null || o.rest.length !== 0) return RTN.USAGE
      const named = o.flags.has('n')
      let nodes: NgNodeInfo[]
      try {
        nodes = ctx.sock.list()
      } catch (e) {
        return fail(ctx, 'send msg', e)
      }
      if (named) nodes = nodes.filter((n) => n.name !== '')
      const long = o.flags.has('l')
      // Streamed a chunk at a time: 100,000 nodes never become one string in memory.
      let lines = [`There are ${nodes.length} total ${named ? 'named ' : ''}nodes:`]
      for (const n of nodes) {
        if (long) for (const l of showLines(n, true)) lines.push(l)
        else lines.push(nodeLine(n))
        if (lines.length >= LIST_CHUNK) {
          write(ctx, lines)
          lines = []
        }
      }
      write(ctx, lines)
      return RTN.OK
    },
  },
  {
    usage: 'mkpeer [path] <type> <hook> <peerhook>',
    desc: 'Create and connect a new node to the node at "path"',
    help:
      'The mkpeer command atomically creates a new node of type "type" and connects it to the node ' +
      'at "path". The hooks used for the connection are "hook" on the original node and "peerhook" ' +
      'on the new node. If "path" is omitted then "." is assumed.',
    aliases: [],
    run(ctx, av) {
      if (av.length !== 4 && av.length !== 5) return RTN.USAGE
      const a = av.length === 5 ? av.slice(1) : ['.', ...av.slice(1)]
      return call(ctx, 'send msg', () => void ctx.sock.mkpeer(a[0]!, a[1]!, a[2]!, a[3]!))
    },
  },
  {
    usage: 'msg path command [args ... ]',
    desc: 'Send a netgraph control message to the node at "path"',
    help:
      'The msg command constructs a netgraph control message from the command name and ASCII ' +
      'arguments (if any) and sends that message to the node.  It does this by first asking the ' +
      'node to convert the ASCII message into binary format, and resending the result.',
    aliases: ['cmd'],
    run(ctx, av) {
      if (av.length < 3) return RTN.USAGE
      let r: ReturnType<NgSocket['msg']>
      try {
        r = ctx.sock.msg(av[1]!, av[2]!, av.slice(3).join(' '))
      } catch (e) {
        return fail(ctx, 'send msg', e)
      }
      // Only commands with a response produce output (the reply ngctl reads back).
      if (r.response !== null)
        write(ctx, [
          `Rec'd response "${av[2]}" (${r.cmd}) from "[${r.node.id.toString(16)}]:":`,
          r.response === '' ? 'No arguments' : `Args:\t${r.response}`,
        ])
      return RTN.OK
    },
  },
  {
    usage: 'name <path> <name>',
    desc: 'Assign name <name> to the node at <path>',
    aliases: [],
    run(ctx, av) {
      if (av.length !== 3) return RTN.USAGE
      return call(ctx, 'send msg', () => ctx.sock.name(av[1]!, av[2]!))
    },
  },
  {
    usage: 'rmhook [path] <hook>',
    desc: 'Disconnect hook "hook" of the node at "path"',
    help:
      'The rmhook command forces the node at "path" to break the link formed by its hook "hook", if ' +
      'connected. If "path" is omitted then "." is assumed.',
    aliases: ['disconnect'],
    run(ctx, av) {
      if (av.length !== 2 && av.length !== 3) return RTN.USAGE
      const [path, hook] = av.length === 3 ? [av[1]!, av[2]!] : ['.', av[1]!]
      return call(ctx, 'send msg', () => ctx.sock.rmhook(path, hook))
    },
  },
  {
    usage: 'show [-n] <path>',
    desc: 'Show information about the node at <path>',
    help: 'If the -n flag is given, hooks are not listed.',
    aliases: ['inquire', 'info'],
    run(ctx, av) {
      const o = subOpts(av, 'n')
      if (o === null || o.rest.length !== 1) return RTN.USAGE
      let n: NgNodeInfo
      try {
        n = ctx.sock.show(o.rest[0]!)
      } catch (e) {
        return fail(ctx, 'send msg', e)
      }
      write(ctx, showLines(n, !o.flags.has('n')))
      return RTN.OK
    },
  },
  {
    usage: 'shutdown <path>',
    desc: 'Shutdown the node at <path>',
    aliases: ['kill', 'rmnode'],
    run(ctx, av) {
      if (av.length !== 2) return RTN.USAGE
      return call(ctx, 'shutdown', () => ctx.sock.shutdown(av[1]!))
    },
  },
  {
    usage: 'status <path>',
    desc: 'Get human readable status information from the node at <path>',
    aliases: [],
    run(ctx, av) {
      if (av.length !== 2) return RTN.USAGE
      // No node type here keeps a text status (NGM_TEXT_STATUS), which FreeBSD reports like this.
      const r = call(ctx, 'send msg', () => void ctx.sock.show(av[1]!))
      if (r === RTN.OK) write(ctx, [`No status available for "${av[1]}"`])
      return r
    },
  },
  {
    usage: 'types',
    desc: 'Show information about all installed node types',
    aliases: [],
    run(ctx, av) {
      if (av.length !== 1) return RTN.USAGE
      let types: Array<{ name: string; count: number }>
      try {
        types = ctx.sock.types()
      } catch (e) {
        return fail(ctx, 'send msg', e)
      }
      const lines = [`There are ${types.length} total types:`]
      if (types.length > 0)
        lines.push(
          `${padL('Type name', 15)}   Number of living nodes`,
          `${padL('---------', 15)}   ----------------------`,
        )
      for (const t of types) lines.push(`${padL(t.name, 15)}   ${padL(t.count, 5)}`)
      write(ctx, lines)
      return RTN.OK
    },
  },
  {
    usage: 'quit',
    desc: 'Exit program',
    aliases: ['exit'],
    run: () => RTN.QUIT,
  },
]

function cmdName(c: NgCmd): string {
  return c.usage.split(' ')[0]!
}

/** FreeBSD's MatchCommand: a prefix of the name, or of an alias, case-insensitively. */
function matches(c: NgCmd, s: string): boolean {
  const t = s.toLowerCase()
  const name = cmdName(c)
  if (t.length <= name.length && name.startsWith(t)) return true
  return c.aliases.some((a) => a.length >= t.length && a.startsWith(t))
}

function findCommand(ctx: Ctx, s: string): NgCmd | null {
  const found = CMDS.filter((c) => matches(c, s))
  if (found.length === 1) return found[0]!
  ctx.io.stderr.write(`ngctl: "${s}": ${found.length === 0 ? 'unknown' : 'ambiguous'} command\n`)
  return null
}

function doCommand(ctx: Ctx, av: readonly string[]): Rtn {
  if (av.length === 0 || av[0] === '') return RTN.OK
  const c = findCommand(ctx, av[0]!)
  if (c === null) return RTN.ERROR
  const r = c.run(ctx, av)
  if (r === RTN.USAGE) ctx.io.stderr.write(`ngctl: usage: ${c.usage}\n`)
  return r
}

/** help's Description: lines of at most `width` characters, broken at blanks. */
function wrap(text: string, width: number): string[] {
  const out: string[] = []
  let line = ''
  for (const w of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + w.length > width) {
      out.push(line)
      line = w
    } else line = line === '' ? w : `${line} ${w}`
  }
  if (line !== '') out.push(line)
  return out
}

/** Everything on standard input. */
async function readStdin(io: Io): Promise<string> {
  let text = ''
  for (let chunk = await io.stdin.read(); chunk !== null; chunk = await io.stdin.read()) text += chunk
  return text
}

/** ReadFile: every line of the file as a command; stops at the first failure. */
function readCommands(ctx: Ctx, text: string): Rtn {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  for (let num = 1; num <= lines.length; num++) {
    const line = lines[num - 1]!
    if (line.startsWith('#')) continue
    const r = doCommand(
      ctx,
      line.split(/[ \t\r\v\f]+/).filter((w) => w !== ''),
    )
    if (r === RTN.QUIT) return RTN.OK
    if (r !== RTN.OK) {
      ctx.io.stderr.write(`ngctl: line ${num}: error in file\n`)
      return r
    }
  }
  return RTN.OK
}

function exitStatus(r: Rtn): number {
  return r === RTN.USAGE ? EX.USAGE : r === RTN.ERROR ? EX.OSERR : EX.OK
}

export const ngctl: Command = (argv, io, proc) =>
  runTool('ngctl', io, async () => {
    const r = getopt('ngctl', argv.slice(1), 'df:n:')
    if (typeof r === 'string') throw new CmdError(`${r}\nngctl: ${MAIN_USAGE}`, EX.USAGE, true)
    let name = `ngctl${proc.pid}`
    // -f: fopen(3) at once, as ngctl does; `-` is standard input, read when the commands run.
    let file: string | null | undefined
    for (const [f, v] of r.opts) {
      if (f === 'n') name = v.slice(0, NODE_NAME_MAX)
      else if (f === 'f') {
        file = v === '-' ? null : proc.fs.read(v)
        if (file === undefined) throw new CmdError(`${v}: No such file or directory`, EX_NOINPUT)
      }
    }
    if (r.rest.length === 0 && file === undefined)
      throw new CmdError(`no command specified\nngctl: ${MAIN_USAGE}`, EX.USAGE)

    let sock: NgSocket
    try {
      sock = proc.sys.ngSocket()
    } catch (e) {
      throw new CmdError(`can't create node: ${asSysError(e).strerror}`, EX.OSERR)
    }
    try {
      try {
        sock.name('.', name)
      } catch (e) {
        throw new CmdError(`can't create node: ${asSysError(e).strerror}`, EX.OSERR)
      }
      const ctx: Ctx = { sock, io }
      if (r.rest.length > 0) return exitStatus(doCommand(ctx, r.rest))
      return exitStatus(readCommands(ctx, file ?? (await readStdin(io))))
    } finally {
      sock.close()
    }
  })
