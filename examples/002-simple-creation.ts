// Seed 002 (jb51 "Python multiprocessing usage example analysis"), simple creation: 5 x Process(target=worker, args=(i,)) started and never joined; each prints "Worker: <i>" (in any order) and the main program waits for them before it ends.
import { Process, isMainEntry } from 'multiproc';

/** thread worker function */
export function worker(num: number): void {
  console.log('Worker:', num);
}

if (isMainEntry(import.meta.url)) {
  const jobs: Process[] = [];
  for (let i = 0; i < 5; i++) {
    const p = new Process({ target: worker, args: [i] });
    jobs.push(p);
    p.start();
  }
}
