// Starts children that would outlive a killed parent if nothing stopped them, prints their pids.
import { Pool, Process, isMainEntry } from 'multiproc';

export function sleepForever(): Promise<void> {
  return new Promise(() => setInterval(() => {}, 1000));
}
export function spinForever(): void {
  for (;;) {
    /* synchronous */
  }
}
export function pid(): number {
  return process.pid;
}

if (isMainEntry(import.meta.url)) {
  const a = new Process({ target: sleepForever });
  const b = new Process({ target: spinForever });
  a.start();
  b.start();
  const pool = new Pool(2);
  const workers = new Set(await pool.map(pid, [1, 2, 3, 4, 5, 6, 7, 8], { chunksize: 1 }));
  void pool.apply(spinForever, []);
  console.log(JSON.stringify({ pids: [a.pid, b.pid, ...workers] }));
  setInterval(() => {}, 1000);
}
