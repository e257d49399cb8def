// Seed 000 (alibabacloud "Multi-process multiprocessing, process pool"): 10 x Process(target=run, args=('Bob',)) started, then joined in order; each sleeps 1 s and prints "hello Bob run in <pid> ppid: <ppid>"; main prints "run in main" and the time spent (about one sleep, not ten: they ran in parallel).
import { setTimeout as sleep } from 'node:timers/promises';
import { Process, isMainEntry } from 'multiproc';

export const SLEEP_MS = 1000; // as in the seed (long enough for parallelism to show over process start-up)

export async function run(name: string): Promise<void> {
  await sleep(SLEEP_MS);
  console.log('hello', name, 'run in', process.pid, 'ppid:', process.ppid);
}

if (isMainEntry(import.meta.url)) {
  const obj: Process[] = [];
  for (let i = 0; i < 10; i++) {
    const p = new Process({ target: run, args: ['Bob'] });
    obj.push(p);
    p.start();
  }
  const startTime = Date.now();
  for (const p of obj) await p.join();
  console.log('run in main');
  console.log('spend time:', Date.now() - startTime, 'ms');
}
