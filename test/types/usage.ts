// Compile-time checks of the public types (run by test/types.test.ts with tsc --noEmit).
import { Pool, Process, Pipe, AsyncResult, ImapIterator, getContext, type Connection } from 'multiproc';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T>(_value: T): void {}
function assertType<_T extends true>(): void {}

export function square(x: number): number { return x * x; }
export async function slowLen(s: string): Promise<number> { return s.length; }
export function add(a: number, b: number): number { return a + b; }
export function init(tag: string, n: number): void { void tag; void n; }
export async function talk(conn: Connection<string>): Promise<void> { await conn.send('hi'); }

export async function check(): Promise<void> {
  const pool = new Pool({ processes: 2, initializer: init, initArgs: ['x', 1] });
  const m = pool.map(square, [1, 2, 3]);
  assertType<Equal<typeof m, Promise<number[]>>>();
  const a = pool.apply(slowLen, ['abc']);
  assertType<Equal<typeof a, Promise<number>>>();
  const s = pool.starmap(add, [[1, 2], [3, 4]]);
  assertType<Equal<typeof s, Promise<number[]>>>();
  const r = pool.applyAsync(square, [3], { callback: (v) => expectType<number>(v) });
  assertType<Equal<typeof r, AsyncResult<number>>>();
  const it = pool.imap(slowLen, ['a', 'bb']);
  assertType<Equal<typeof it, ImapIterator<number>>>();
  for await (const n of it) expectType<number>(n);
  // @ts-expect-error: square takes numbers
  pool.map(square, ['a']);
  // @ts-expect-error: args must match the parameters
  pool.apply(add, ['1', 2]);
  const [c1, c2] = Pipe<string>();
  expectType<Connection<string>>(c1);
  const p = new Process({ target: talk, args: [c2] });
  // @ts-expect-error: the target's arguments are checked
  new Process({ target: talk, args: [42] });
  expectType<number | null>(p.exitCode);
  const ctx = getContext('thread');
  const tp = new ctx.Pool(1);
  assertType<Equal<ReturnType<typeof tp.map<typeof square>>, Promise<number[]>>>();
  await pool.terminate();
  await tp.terminate();
}
