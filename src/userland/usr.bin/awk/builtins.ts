/**
 * awk's builtin functions (length, substr, index, split, sub, gsub, match, sprintf, the
 * arithmetic ones, rand/srand with a fixed seed, tolower/toupper, close, fflush) over the
 * interpreter's state. `system()` and commands are not run here.
 */

import type { Expr } from './ast.js'
import { sprintf } from './format.js'
import type { Awk } from './interp.js'
import { AwkError, strnum, UNINIT, type Val } from './value.js'

export function callBuiltin(vm: Awk, name: string, args: readonly Expr[]): Val {
  const arg = (i: number): Val => (args[i] === undefined ? UNINIT : vm.eval(args[i]!))
  const s = (i: number) => vm.str(arg(i))
  const n = (i: number) => vm.num(arg(i))
  switch (name) {
    case 'length': {
      const a = args[0]
      if (a === undefined) return vm.rec.length
      if (a.k === 'var') {
        const c = vm.lookup(a.name).get(a.name)
        if (c instanceof Map) return c.size
      }
      return s(0).length
    }
    case 'substr': {
      const str = s(0)
      // POSIX: characters from position m (1-based, rounded) for n characters, clipped to the string.
      const m = Math.round(n(1))
      const len = args.length > 2 ? Math.round(n(2)) : Number.POSITIVE_INFINITY
      const from = Math.max(m, 1)
      const to = Math.min(m + len, str.length + 1)
      return to > from ? str.slice(from - 1, to - 1) : ''
    }
    case 'index':
      return s(0).indexOf(s(1)) + 1
    case 'split': {
      const str = s(0)
      const a = args[1]
      if (a?.k !== 'var') throw new AwkError('split: second argument must be an array')
      const arr = vm.array(a.name)
      const sep = args[2] === undefined ? vm.str(vm.getVar('FS')) : args[2].k === 're' ? args[2].src : s(2)
      const parts =
        args[2]?.k === 're' ? (str === '' ? [] : str.split(vm.regex(sep))) : vm.splitWith(str, sep)
      arr.clear()
      for (let k = 0; k < parts.length; k++) arr.set(String(k + 1), strnum(parts[k]!))
      return parts.length
    }
    case 'sub':
    case 'gsub': {
      const re = vm.reOf(args[0]!)
      const repl = s(1)
      const target = args[2] ?? { k: 'field', e: { k: 'num', v: 0 } }
      const str = vm.str(vm.eval(target))
      let count = 0
      const g = new RegExp(re.source, name === 'gsub' ? 'g' : '')
      const out = str.replace(g, (m: string) => {
        count++
        return repl.replace(/\\\\|\\&|&/g, (t) => (t === '&' ? m : t === '\\&' ? '&' : '\\'))
      })
      if (count) vm.assignTo(target, out)
      return count
    }
    case 'match': {
      const m = vm.reOf(args[1]!).exec(s(0))
      vm.setVar('RSTART', m ? m.index + 1 : 0)
      vm.setVar('RLENGTH', m ? m[0].length : -1)
      return m ? m.index + 1 : 0
    }
    case 'sprintf': {
      if (!args.length) return ''
      const vals = args.map((a) => vm.eval(a))
      return sprintf(
        vm.str(vals[0]!),
        vals.slice(1),
        (a) => vm.num(a),
        (a) => vm.str(a),
      )
    }
    case 'int':
      return Math.trunc(n(0))
    case 'sqrt':
      return Math.sqrt(n(0))
    case 'exp':
      return Math.exp(n(0))
    case 'log':
      return Math.log(n(0))
    case 'sin':
      return Math.sin(n(0))
    case 'cos':
      return Math.cos(n(0))
    case 'atan2':
      return Math.atan2(n(0), n(1))
    case 'rand':
      // A fixed-seed generator, so a run repeats exactly (awk's default seed is fixed too).
      vm.randState = (Math.imul(vm.randState, 1103515245) + 12345) >>> 0
      return vm.randState / 2 ** 32
    case 'srand': {
      const prev = vm.seed
      vm.seed = args.length ? n(0) : 0
      vm.randState = vm.seed >>> 0
      return prev
    }
    case 'tolower':
      return s(0).toLowerCase()
    case 'toupper':
      return s(0).toUpperCase()
    case 'close':
      vm.opened.delete(s(0))
      vm.getlineFiles.delete(s(0))
      return 0
    case 'fflush':
      return 0
    case 'system':
      throw new AwkError('system() is not supported')
  }
  throw new AwkError(`unknown function ${name}`)
}
