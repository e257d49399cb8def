// A pool with minProcesses: 0 goes back to no worker once idle, and the program then ends by
// itself without close(); with 'no-wait' it ends while an idle worker is still there.
import { Pool, isMainEntry } from 'multiproc';

export function cube(x) {
  return x ** 3;
}

if (isMainEntry(import.meta.url)) {
  const [context = 'process', mode = 'wait'] = process.argv.slice(2);
  const pool = new Pool({ processes: 2, minProcesses: 0, idleTimeout: 300, context });
  let starts = 0;
  let exits = 0;
  pool.on('workerStart', () => starts++);
  pool.on('workerExit', () => exits++);
  const before = pool.stats().processes;
  const r = await pool.map(cube, [1, 2, 3, 4], { chunksize: 1 });
  const during = pool.stats().processes;
  if (mode === 'wait') {
    const end = Date.now() + 20_000;
    while ((pool.stats().processes > 0 || exits < starts) && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
  }
  console.log(JSON.stringify({ r, before, during, after: pool.stats().processes, starts, exits }));
}
