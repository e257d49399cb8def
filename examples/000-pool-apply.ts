// Seed 000: Pool(5) with pool.apply(func1, (i,)) ten times: apply blocks, so the tasks run one after the other (serial, about 10 x 1 s), each printing "run in Process: <pid>" from a pool worker; then close(), join() and the time spent.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, isMainEntry } from 'multiproc';

export const SLEEP_MS = 100; // the seed sleeps 1 s

export async function func1(i: number): Promise<void> {
  void i;
  await sleep(SLEEP_MS);
  console.log('run in Process:', process.pid);
}

if (isMainEntry(import.meta.url)) {
  const pool = new Pool(5);
  const startTime = Date.now();
  for (let i = 0; i < 10; i++) {
    await pool.apply(func1, [i]); // serial: the next one is added when this one is done
  }
  pool.close(); // close before join
  await pool.join();
  console.log('main run Done,spend_time:', Date.now() - startTime, 'ms');
}
