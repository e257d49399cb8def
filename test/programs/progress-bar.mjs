// Draws progress bars where stderr is a terminal (run inside a pseudo-terminal by
// test/pool-watch-programs.test.ts) and nothing where it is not.
import { Pool, isMainEntry } from 'multiproc';

export function work(x) {
  const end = Date.now() + 4;
  while (Date.now() < end) {
    /* a little synchronous work per item */
  }
  return x * 2;
}

if (isMainEntry(import.meta.url)) {
  const pool = new Pool({ processes: 2, context: process.argv[2] ?? 'process' });
  const xs = Array.from({ length: 200 }, (_, i) => i);
  const doubled = await pool.map(work, xs, { chunksize: 4, progress: { label: 'doubling' } });
  function* gen() {
    for (let i = 0; i < 60; i++) yield i;
  }
  let count = 0;
  for await (const _ of pool.imap(work, gen(), { progress: true })) count++;
  console.log(`result ${doubled.reduce((a, b) => a + b, 0)} ${count}`);
  pool.close();
  await pool.join();
}
