// Seed 001 (【从零学习python】85 进程池): po = Pool(3); 10 x po.apply_async(worker, (i,)); worker prints "<i>开始执行,进程号为<pid>", sleeps random()*2 s, prints "<i> 执行完毕,耗时<t>"; at most 3 run at once, reusing 3 processes; "----start----" comes first, "-----end-----" after close() and join().
// (The seed creates the pool at module level, which works with fork; here it sits under the isMainEntry guard, as the contract requires.)
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, isMainEntry } from 'multiproc';

export const MAX_SLEEP_MS = 500; // the seed sleeps up to 2 s

export async function worker(msg: number): Promise<void> {
  const tStart = Date.now();
  console.log(`${msg}开始执行,进程号为${process.pid}`);
  // Math.random() gives a float between 0 and 1
  await sleep(Math.random() * MAX_SLEEP_MS);
  const tStop = Date.now();
  console.log(msg, `执行完毕,耗时${((tStop - tStart) / 1000).toFixed(2)}`);
}

if (isMainEntry(import.meta.url)) {
  const po = new Pool(3); // a pool of at most 3 processes
  for (let i = 0; i < 10; i++) {
    // each task is run by whichever process of the pool is free
    po.applyAsync(worker, [i]);
  }
  console.log('----start----');
  po.close(); // no more tasks after close()
  await po.join(); // waits for every task; only after close()
  console.log('-----end-----');
}
