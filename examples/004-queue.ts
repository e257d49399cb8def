// Seed 004, Queues: three children f(q, n) each put [42, n, 'hello'] on one Queue; the parent prints three q.get() results (in whatever order the children finished), then joins them.
import { Process, Queue, isMainEntry } from 'multiproc';

export async function f(q: Queue<unknown[]>, n: number): Promise<void> {
  await q.put([42, n, 'hello']);
}

if (isMainEntry(import.meta.url)) {
  const q = new Queue<unknown[]>();
  const pList: Process[] = [];
  for (let i = 0; i < 3; i++) {
    const p = new Process({ target: f, args: [q, i] });
    pList.push(p);
    p.start();
  }
  console.log(await q.get());
  console.log(await q.get());
  console.log(await q.get());
  for (const p of pList) {
    await p.join();
  }
}
