// A TypeScript program for plain `node main.ts` (type stripping, Node >= 22.18 / 24): no tsx.
// Its workers (process or thread) import this file and helpers.ts the same way.
import { Pool, Process, Queue, isMainEntry, type Queue as QueueType } from 'multiproc';
import { area, type Shape } from './helpers.ts';

export function measure(side: number): number {
  return area({ kind: 'square', side } satisfies Shape);
}
export async function report(q: QueueType<string>, who: string): Promise<void> {
  await q.put(`hello from ${who}`);
}

if (isMainEntry(import.meta.url)) {
  const context = (process.argv[2] ?? 'process') as 'process' | 'thread';
  // close() + join() rather than `await using`: Node 22's V8 has no explicit resource management.
  const pool = new Pool({ processes: 2, context });
  console.log('map', JSON.stringify(await pool.map(measure, [1, 2, 3])));
  const q = new Queue<string>();
  const p = new (context === 'thread' ? (await import('multiproc')).getContext('thread').Process : Process)({ target: report, args: [q, context] });
  p.start();
  console.log(await q.get());
  await p.join();
  pool.close();
  await pool.join();
  console.log(
    'exit',
    p.exitCode,
    'tsx',
    process.execArgv.some((a) => a.includes('tsx')),
  );
}
