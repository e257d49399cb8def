// Seed 004, process pool: Pool(5); 10 x apply_async(func=Foo, args=(i,), callback=Bar); Foo sleeps 2 s and returns i + 100; Bar prints "-->exec done: <result>" in the main process; "end" is printed at once, before any result.
// (The seed creates the pool at module level, which works with fork; here it sits under the isMainEntry guard, as the contract requires.)
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, isMainEntry } from 'multiproc';

export async function Foo(i: number): Promise<number> {
  await sleep(200); // the seed sleeps 2 s
  return i + 100;
}

export function Bar(arg: number): void {
  console.log('-->exec done:', arg);
}

if (isMainEntry(import.meta.url)) {
  const pool = new Pool(5);
  for (let i = 0; i < 10; i++) {
    pool.applyAsync(Foo, [i], { callback: Bar });
    // await pool.apply(Foo, [i]);
  }
  console.log('end');
  pool.close();
  await pool.join();
}
