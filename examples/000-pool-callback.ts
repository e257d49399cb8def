// Seed 000: Pool(5) with pool.apply_async(func1, (i,), callback=Log): func1 returns "filename" and the callback, run in the main process, prints "Log Done: filename" for each of the ten tasks before join() returns.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, isMainEntry } from 'multiproc';

export const SLEEP_MS = 200; // the seed sleeps 1 s

export async function func1(i: number): Promise<string> {
  void i;
  await sleep(SLEEP_MS);
  console.log('run in Process:', process.pid);
  return 'filename';
}

// The argument is the return value of func1.
export function log(arg: string): void {
  console.log('Log Done:', arg);
}

if (isMainEntry(import.meta.url)) {
  const pool = new Pool(5);
  const startTime = Date.now();
  for (let i = 0; i < 10; i++) {
    pool.applyAsync(func1, [i], { callback: log });
  }
  pool.close(); // close before join
  await pool.join();
  console.log('main run Done,spend_time:', Date.now() - startTime, 'ms');
}
