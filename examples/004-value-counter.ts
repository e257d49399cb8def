// Shared memory: a counter incremented by 4 processes, each holding the Value's lock for the
// read-modify-write (Python: `with counter.get_lock(): counter.value += 1`). `.value` is
// plain memory, read and written synchronously.
import { Process, Value, isMainEntry, type SynchronizedValue } from 'multiproc';

export async function work(counter: SynchronizedValue<'i'>, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await using _held = await counter.getLock().enter();
    counter.value += 1;
  }
}

if (isMainEntry(import.meta.url)) {
  const counter = Value('i', 0);
  const procs = Array.from({ length: 4 }, () => new Process({ target: work, args: [counter, 1000] }));
  for (const p of procs) p.start();
  for (const p of procs) await p.join();
  console.log(counter.value);
}
