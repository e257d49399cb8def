// Run with MULTIPROC_NATIVE=0: the thread context shares memory without the addon, the process
// context says why it cannot and how to fix it.
import { Process, Value, SharedMemory, getContext } from 'multiproc';
import { increment } from '../fixtures/shm-values.ts';

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
