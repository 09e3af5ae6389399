/**
 * awk's values (numbers, strings, and strnums: input that looks numeric compares as a number),
 * the control-flow signals of the interpreter, and arithmetic with awk's errors. No state.
 */

/** A string from input (a field, $0, getline, FS-split element): numeric if it looks like a number. */
export class StrNum {
  constructor(
    readonly s: string,
    readonly n: number | undefined,
  ) {}
}

export type Val = number | string | StrNum
export type Arr = Map<string, Val>
export type Cell = Val | Arr

export const UNINIT = new StrNum('', 0)
const NUMERIC = /^[ \t\n]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\n]*$/
export const NUM_PREFIX = /^[ \t\n]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/

export function strnum(s: string): StrNum {
  return new StrNum(s, NUMERIC.test(s) ? Number(s) : undefined)
}

export class AwkError extends Error {}

export class NextSig {}
export class NextFileSig {}
export class BreakSig {}
export class ContinueSig {}
export class ExitSig {
  constructor(readonly code: number) {}
}
export class ReturnSig {
  constructor(readonly v: Val) {}
}

export const ESC: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  '/': '/',
}

export function arith(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    case '/':
      if (b === 0) throw new AwkError('division by zero')
      return a / b
    case '%':
      if (b === 0) throw new AwkError('division by zero in %')
      return a % b
    case '^':
      return a ** b
  }
  throw new AwkError(`unknown operator ${op}`)
}
