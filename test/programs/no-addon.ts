// Run with MULTIPROC_NATIVE=0: the thread context shares memory without the addon, the process
// context says why it cannot and how to fix it; a process Pool still attributes a worker's
// death exactly (its progress is a file then, not shared memory).
import { Pool, Process, Value, SharedMemory, getContext, isMainEntry } from 'multiproc';
import { increment } from '../fixtures/shm-values.ts';

export function double(x: number): number { return 2 * x; }
export function exitNow(): never { process.exit(3); }

if (isMainEntry(import.meta.url)) {
const counter = Value('i', 0);
const threads = [0, 1].map(() => new (getContext('thread').Process)({ target: increment, args: [counter, 500] }));
for (const t of threads) t.start();
for (const t of threads) await t.join();
console.log('threads', counter.value);

const p = new Process({ target: increment, args: [counter, 1] });
p.start();
await p.join();
console.log('process', p.exitCode, (p.error as { code?: string } | null)?.code);

try { new SharedMemory({ create: true, size: 16, name: 'mp_no_addon_test' }); console.log('shm created'); } catch (e) { console.log('shm', (e as { code?: string }).code); }

const pool = new Pool(2);
console.log('pool', (await pool.map(double, [1, 2, 3, 4, 5, 6], { chunksize: 1 })).join(','));
const [lost, after] = await Promise.allSettled([pool.apply(exitNow, []), pool.map(double, [7, 8, 9], { chunksize: 1 })]);
console.log('lost', lost.status === 'rejected' ? (lost.reason as { code?: string }).code : 'resolved');
console.log('after', after.status === 'fulfilled' ? after.value.join(',') : String(after.reason));
pool.close();
await pool.join();
}
