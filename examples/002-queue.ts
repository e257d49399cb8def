// Seed 002, Queue: the child f(q) puts [42, None, 'hello'] on a multiprocessing Queue passed as its argument; the parent prints what q.get() returns, then joins.
import { Process, Queue, isMainEntry } from 'multiproc';

export async function f(q: Queue<unknown[]>): Promise<void> {
  await q.put([42, null, 'hello']);
}

if (isMainEntry(import.meta.url)) {
  const q = new Queue<unknown[]>();
  const p = new Process({ target: f, args: [q] });
  p.start();
  console.log(await q.get()); // prints "[ 42, null, 'hello' ]"
  await p.join();
}
