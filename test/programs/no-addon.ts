// Run with MULTIPROC_NATIVE=0 (or an addon that fails to load): the thread context shares
// memory without the addon; the process context refuses, in this parent and at the call,
// to send shared memory to a child process, a process Pool's task or a Queue, saying why and
// how to fix it; a process Pool still attributes a worker's death exactly (its progress is a
// file then, not shared memory).
import { Pool, Process, Queue, Value, SharedMemory, getContext, isMainEntry } from 'multiproc';
import { increment } from '../fixtures/shm-values.ts';

export function double(x: number): number {
  return 2 * x;
}
export function exitNow(): never {
  process.exit(3);
}

if (isMainEntry(import.meta.url)) {
  const counter = Value('i', 0);
  const threads = [0, 1].map(() => new (getContext('thread').Process)({ target: increment, args: [counter, 500] }));
  for (const t of threads) t.start();
  for (const t of threads) await t.join();
  console.log('threads', counter.value);

  const code = (f: () => unknown): string => {
    try {
      f();
      return 'accepted';
    } catch (e) {
      return String((e as { code?: string }).code);
    }
  };
  const p = new Process({ target: increment, args: [counter, 1] });
  console.log(
    'process',
    code(() => p.start()),
    p.pid === undefined ? 'never started' : 'started',
  );

  try {
    new SharedMemory({ create: true, size: 16, name: 'mp_no_addon_test' });
    console.log('shm created');
  } catch (e) {
    console.log('shm', (e as { code?: string }).code);
  }

  const pool = new Pool(2);
  console.log(
    'pool task',
    code(() => pool.apply(increment, [counter, 1])),
    code(() => pool.map(increment as (item: unknown) => unknown, [[counter, 1]])),
  );
  const queue = new Queue<unknown>();
  console.log(
    'queue',
    code(() => queue.put({ counter })),
  );
  queue.close();
  console.log('pool', (await pool.map(double, [1, 2, 3, 4, 5, 6], { chunksize: 1 })).join(','));
  const [lost, after] = await Promise.allSettled([pool.apply(exitNow, []), pool.map(double, [7, 8, 9], { chunksize: 1 })]);
  console.log('lost', lost.status === 'rejected' ? (lost.reason as { code?: string }).code : 'resolved');
  console.log('after', after.status === 'fulfilled' ? after.value.join(',') : String(after.reason));
  pool.close();
  await pool.join();
}
