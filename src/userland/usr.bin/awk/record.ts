/**
 * Records and fields, as one-true-awk's lib.c keeps them: input split into records by RS (a
 * newline, blank lines for RS="", one character or an ERE), the record split into fields by FS only
 * when a field is first read, and $0 rebuilt with OFS when a field is assigned. Functions of the
 * interpreter (interp.ts).
 *
 * Must not: read input itself; the interpreter hands it the text.
 */

import type { Awk } from './interp.js'
import { AwkError, strnum, UNINIT, type Val } from './value.js'

export function splitRecords(vm: Awk, text: string): string[] {
  const rs = vm.str(vm.getVar('RS'))
  if (rs === '\n' || rs === '') {
    if (rs === '')
      return text
        .replace(/^\n+/, '')
        .split(/\n\n+/)
        .filter((r, i, a) => r !== '' || i < a.length - 1)
        .map((r) => r.replace(/\n+$/, ''))
    const recs = text.split('\n')
    if (recs[recs.length - 1] === '') recs.pop()
    return recs
  }
  const recs = rs.length === 1 ? text.split(rs) : text.split(vm.regex(rs))
  if (recs[recs.length - 1] === '' || recs[recs.length - 1] === '\n') recs.pop()
  return recs
}

export function setRecord(vm: Awk, s: string): void {
  vm.rec = s
  vm.fields = undefined
}

export function splitFields(vm: Awk): string[] {
  if (vm.fields === undefined) {
    vm.fields = ['', ...splitWith(vm, vm.rec, vm.str(vm.getVar('FS')))]
    vm.nf = vm.fields.length - 1
  }
  return vm.fields
}

export function splitWith(vm: Awk, s: string, fs: string): string[] {
  if (fs === ' ') {
    const t = s.replace(/^[ \t\n]+|[ \t\n]+$/g, '')
    return t === '' ? [] : t.split(/[ \t\n]+/)
  }
  if (s === '') return []
  if (fs.length === 1 && fs !== '\\') return s.split(fs)
  return s.split(vm.regex(fs))
}

export function getField(vm: Awk, i: number): Val {
  if (i < 0) throw new AwkError(`trying to access out of range field ${i}`)
  if (i === 0) return strnum(vm.rec)
  const f = splitFields(vm)
  return i < f.length ? strnum(f[i]!) : UNINIT
}

export function setField(vm: Awk, i: number, v: string): void {
  if (i < 0) throw new AwkError(`trying to access out of range field ${i}`)
  if (i === 0) {
    setRecord(vm, v)
    return
  }
  if (i > 100000) throw new AwkError(`trying to access out of range field ${i}`)
  const f = splitFields(vm)
  while (f.length <= i) f.push('')
  f[i] = v
  vm.nf = f.length - 1
  rebuild(vm)
}

export function rebuild(vm: Awk): void {
  const f = vm.fields!
  vm.rec = f.slice(1, vm.nf + 1).join(vm.str(vm.getVar('OFS')))
}
