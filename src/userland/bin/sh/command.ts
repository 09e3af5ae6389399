/**
 * A simple command, as FreeBSD sh's evalcommand and find_command run it: words expanded,
 * assignments made (kept, or only for the command), `set -x` traced, redirections opened, then the
 * name looked up as a special builtin, a function, a builtin or a program; and a function call with
 * its own positional parameters and `local` frame. Functions of the interpreter (interp.ts).
 *
 * Must not: let an error escape but the control-flow signals; a builtin's failure is its status.
 */

import { programName } from '../../paths.js'
import { BUILTINS, SPECIAL, shQuote } from './bltin/builtins.js'
import { external } from './exec.js'
import { expandFields, expandString } from './expand.js'
import type { Interp } from './interp.js'
import type { Node, Simple } from './parser.js'
import { withRedirs } from './redirect.js'
import { ExitSig, FatalError, ReturnSig } from './signals.js'
import type { ShIo } from './streams.js'

/** Deepest function call nesting before the script is stopped (runaway recursion). */
export const MAX_FUNC_DEPTH = 1000

export async function simple(sh: Interp, node: Simple, io: ShIo, tested: boolean): Promise<number> {
  await sh.tick()
  sh.substStatus = undefined
  const ex = sh.expander(io)
  const argv = await expandFields(node.words, ex)
  const assigns: [string, string][] = []
  for (const a of node.assigns) {
    const v = await expandString(a.value, ex)
    assigns.push([a.name, v])
    // Plain assignments take effect in order: `a=1 b=$a` sets b to 1.
    if (!argv.length) sh.setVar(a.name, v)
  }
  if (sh.opts.xtrace && (argv.length || assigns.length)) {
    const words = [...assigns.map(([k, v]) => `${k}=${shQuote(v)}`), ...argv.map(shQuote)]
    io.stderr.write(`+ ${words.join(' ')}\n`)
  }
  let status: number
  if (!argv.length) {
    // Only assignments (done above) and maybe redirections, which still create files.
    status = sh.substStatus ?? 0
    if (node.redirs.length)
      status = await withRedirs(sh.fs, sh.expander(io), node.redirs, io, async () => status)
  } else {
    status = await withRedirs(sh.fs, sh.expander(io), node.redirs, io, (rio) =>
      invoke(sh, argv, assigns, rio, tested),
    )
  }
  if (status !== 0 && !tested && sh.opts.errexit) throw new ExitSig(status)
  return status
}

/** Runs a command by name: special builtin, function, builtin, then program. */
export async function invoke(
  sh: Interp,
  argv: readonly string[],
  assigns: readonly [string, string][],
  io: ShIo,
  tested: boolean,
  noFunctions = false,
): Promise<number> {
  // `/sbin/ifconfig` is `ifconfig`: the program (or builtin) FreeBSD has at that path.
  const name = argv[0].includes('/') ? (programName(argv[0]) ?? argv[0]) : argv[0]
  if (name !== argv[0]) argv = [name, ...argv.slice(1)]
  const extra = sh.cfg.builtins
  const builtin = Object.hasOwn(BUILTINS, name)
    ? BUILTINS[name]
    : extra && Object.hasOwn(extra, name)
      ? extra[name]
      : undefined
  if (builtin && Object.hasOwn(SPECIAL, name)) {
    sh.dispatch(undefined)
    await sh.payFork()
    // Assignments before a special builtin stay (POSIX 2.14).
    for (const [k, v] of assigns) sh.setVar(k, v)
    return sh.runBuiltin(builtin, argv, io, tested)
  }
  const fn = noFunctions ? undefined : sh.funcs.get(name)
  if (fn || builtin) {
    sh.dispatch(undefined)
    await sh.payFork()
    return withTempVars(sh, assigns, () =>
      fn ? call(sh, name, fn, argv.slice(1), io, tested) : sh.runBuiltin(builtin!, argv, io, tested),
    )
  }
  return external(sh, argv, assigns, io)
}

export async function withTempVars(
  sh: Interp,
  assigns: readonly [string, string][],
  fn: () => Promise<number>,
): Promise<number> {
  if (!assigns.length) return fn()
  const saved = assigns.map(([k]) => [k, sh.vars.get(k)] as const)
  for (const [k, v] of assigns) sh.setVar(k, v)
  try {
    return await fn()
  } finally {
    for (const [k, v] of saved.reverse()) v ? sh.vars.set(k, v) : sh.vars.delete(k)
  }
}

/** Calls a shell function with its own positional parameters and `local` frame. */
export async function call(
  sh: Interp,
  name: string,
  body: Node,
  args: string[],
  io: ShIo,
  tested: boolean,
): Promise<number> {
  if (sh.depth >= MAX_FUNC_DEPTH) throw new FatalError(`${name}: function nesting too deep`)
  const saved = { params: sh.params, loops: sh.loops }
  sh.params = args
  sh.loops = 0
  sh.depth++
  sh.locals.push(new Map())
  try {
    return await sh.exec(body, io, tested)
  } catch (e) {
    if (e instanceof ReturnSig) return e.status
    throw e
  } finally {
    sh.params = saved.params
    sh.loops = saved.loops
    sh.depth--
    for (const [k, v] of sh.locals.pop()!) v ? sh.vars.set(k, v) : sh.vars.delete(k)
  }
}
