// Seed 000: Pool(5) with pool.apply_async(func1, (i,)) ten times: the tasks run in parallel, five at a time (about 2 x 1 s instead of 10 s), each printing "run in Process: <pid>"; then close(), join() and the time spent.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, isMainEntry } from 'multiproc';

export const SLEEP_MS = 1000; // as in the seed (long enough for parallelism to show over process start-up)

export async function func1(i: number): Promise<void> {
  void i;
  await sleep(SLEEP_MS);
  console.log('run in Process:', process.pid);
}

if (isMainEntry(import.meta.url)) {
  const pool = new Pool(5);
  const startTime = Date.now();
  for (let i = 0; i < 10; i++) {
    pool.applyAsync(func1, [i]); // parallel
  }
  pool.close(); // close before join
  await pool.join();
  console.log('main run Done,spend_time:', Date.now() - startTime, 'ms');
}
