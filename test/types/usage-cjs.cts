// A CommonJS consumer (.cts: `import` compiles to require()): the `require` condition's
// declarations (dist/cjs/index.d.cts, which re-exports the ES module build's) type the same API.
import { Pool, Value, type Connection } from 'multiproc';

export function square(x: number): number {
  return x * x;
}
export async function run(): Promise<number[]> {
  const pool = new Pool({ processes: 2, context: 'thread' });
  const counter = Value('i', 0);
  counter.value += 1;
  const squares: number[] = await pool.map(square, [1, 2, 3]);
  pool.close();
  return squares;
}
export type End = Connection;
// @ts-expect-error: map's items must fit fn's parameter
export const wrong = (pool: Pool) => pool.map(square, ['a']);
