/**
 * awk(1)'s syntax tree: expressions, statements, pattern-action items and functions, as parse.ts
 * builds them and interp.ts runs them. Types only.
 */

export type Expr =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 're'; src: string }
  | { k: 'var'; name: string }
  | { k: 'field'; e: Expr }
  | { k: 'index'; name: string; subs: Expr[] }
  | { k: 'assign'; op: string; lhs: Expr; rhs: Expr }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'un'; op: string; e: Expr }
  | { k: 'incdec'; op: '++' | '--'; post: boolean; e: Expr }
  | { k: 'in'; subs: Expr[]; name: string }
  | { k: 'match'; neg: boolean; e: Expr; re: Expr }
  | { k: 'call'; name: string; args: Expr[] }
  | { k: 'builtin'; name: string; args: Expr[] }
  | { k: 'getline'; v: Expr | undefined; file: Expr | undefined }
  | { k: 'group'; e: Expr }

export type Stmt =
  | { k: 'expr'; e: Expr }
  | { k: 'print'; args: Expr[]; dest: { op: string; e: Expr } | undefined }
  | { k: 'printf'; args: Expr[]; dest: { op: string; e: Expr } | undefined }
  | { k: 'if'; c: Expr; t: Stmt; f: Stmt | undefined }
  | { k: 'while'; c: Expr; body: Stmt }
  | { k: 'do'; c: Expr; body: Stmt }
  | { k: 'for'; init: Stmt | undefined; c: Expr | undefined; step: Stmt | undefined; body: Stmt }
  | { k: 'forin'; v: string; arr: string; body: Stmt }
  | { k: 'block'; body: Stmt[] }
  | { k: 'next' | 'nextfile' | 'break' | 'continue' }
  | { k: 'exit' | 'return'; e: Expr | undefined }
  | { k: 'delete'; name: string; subs: Expr[] | undefined }

export interface Item {
  pattern: 'BEGIN' | 'END' | Expr | [Expr, Expr] | undefined
  action: Stmt[] | undefined
}

export interface Func {
  params: string[]
  body: Stmt[]
}

export interface Program {
  items: Item[]
  funcs: Map<string, Func>
}
