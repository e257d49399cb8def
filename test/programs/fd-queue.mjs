// Run by test/fd-exhaustion.test.ts. A producer (a child process or a worker thread) uses up
// every free file descriptor, then puts items on a Queue it has not used yet: its first
// connection to the hub fails with EMFILE (in the thread context the whole process is short,
// so the hub's accept fails too). The puts wait (a put resolves once its item is on its way
// to the hub, never before the link is made), the connect is retried, and once the producer
// gives its descriptors back every put resolves and every item arrives, in order. Before
// that, the program's own first Queue is made while the parent is short (its hub thread
// cannot start at first). Prints what arrived.
import { closeSync, openSync } from 'node:fs';
import { Empty, Process, Queue, isMainEntry } from 'multiproc';

export async function producer(q, n, holdMs) {
  const held = [];
  try {
    for (;;) held.push(openSync('/dev/null', 'r'));
  } catch (e) {
    if (e.code !== 'EMFILE') throw e;
  }
  let resolved = 0;
  const puts = [];
  for (let i = 0; i < n; i++)
    puts.push(
      q.put(i).then(() => {
        resolved++;
      }),
    );
  // Still short for a while: the puts must wait, not vanish.
  await new Promise((r) => setTimeout(r, holdMs));
  for (const fd of held) closeSync(fd);
  await Promise.all(puts);
  await q.put(`resolved ${resolved} with ${held.length} descriptors held`);
}

if (isMainEntry(import.meta.url)) {
  const context = process.argv[2] ?? 'process';
  // The program's first shared object, made while it is short: its hub thread cannot start
  // yet (EMFILE); it is started again, and the put that resolved arrives.
  const held = [];
  try {
    for (;;) held.push(openSync('/dev/null', 'r'));
  } catch (e) {
    if (e.code !== 'EMFILE') throw e;
  }
  const first = new Queue();
  const put = first.put('made while short');
  setTimeout(() => {
    for (const fd of held) closeSync(fd);
  }, 1000);
  await put;
  console.log(`first queue of the program, made with no free descriptor: got ${JSON.stringify(await first.get({ timeout: 20_000 }))}`);

  const n = 160;
  const q = new Queue();
  await q.qsize(); // this side's connection is made while descriptors are free
  const p = new Process({ target: producer, args: [q, n, 1500], context });
  p.start();
  const got = [];
  let note = 'no note';
  for (;;) {
    let item;
    try {
      item = await q.get({ timeout: 20_000 });
    } catch (e) {
      if (e instanceof Empty) break;
      throw e;
    }
    if (typeof item === 'string') {
      note = item.replace(/ with \d+ descriptors held/, '');
      break;
    }
    got.push(item);
  }
  await p.join(20_000);
  const inOrder = got.every((v, i) => v === i);
  console.log(
    `${note}; delivered ${got.length} of ${n}${inOrder ? ', in order' : ` OUT OF ORDER ${JSON.stringify(got.slice(0, 20))}`}; producer exit ${p.exitCode}${p.error ? ` error ${p.error.code} ${p.error.message}` : ''}`,
  );
}
