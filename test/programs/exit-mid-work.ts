// A program that calls process.exit(7) while its pool is idle, mid-map, mid-imap, with queued work, or
// with a worker stuck in synchronous code (argv: context, state). Prints its workers' pids first.
import { Pool, isMainEntry } from 'multiproc';

export function pid(): number {
  return process.pid;
}
export async function slow(x: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 200));
  return x;
}
export function spin(): never {
  for (;;) {
    /* stuck */
  }
}

if (isMainEntry(import.meta.url)) {
  const [context, state] = process.argv.slice(2) as ['process' | 'thread', string];
  const pool = new Pool({ processes: 2, context });
  const pids = [...new Set(await pool.map(pid, [1, 2, 3, 4, 5, 6], { chunksize: 1 }))];
  console.log(JSON.stringify({ pids }));
  if (state === 'mid-map') void pool.map(slow, [1, 2, 3, 4]);
  if (state === 'mid-imap')
    void (async () => {
      for await (const _ of pool.imap(slow, [1, 2, 3, 4, 5, 6])) {
        /* reading */
      }
    })();
  if (state === 'queued') for (let i = 0; i < 50; i++) void pool.apply(slow, [i]);
  if (state === 'stuck') void pool.apply(spin, []);
  setTimeout(() => process.exit(7), 100);
}
