// Child targets of the shared-object benchmarks (figures 7-10: bench/mp/queue.ts, manager.ts,
// sync.ts). Named exports: workers find them by reference. Each child takes its orders from
// the parent over a Pipe: a number starts one block, null ends the loop.
// Only types come from the library: workers know every proxy type from the start.
import type { Connection, DictProxy, Event, Lock, Queue } from 'multiproc';

/** Queue producer: per order n, puts n small ints (size 0) or n times one Buffer of `size` bytes. */
export async function queueProducer(q: Queue<unknown>, conn: Connection, size: number): Promise<void> {
  const blob = size > 0 ? Buffer.alloc(size, 0x5a) : null;
  for (;;) {
    const n = (await conn.recv()) as number | null;
    if (n === null) break;
    if (blob) for (let i = 0; i < n; i++) await q.put(blob);
    else for (let i = 0; i < n; i++) await q.put(i);
  }
}

/** Manager dict writer: per order n, `await d.set(i % 100, i)` for i < n, then answers n. */
export async function dictSetter(d: DictProxy<number, number>, conn: Connection): Promise<void> {
  for (;;) {
    const n = (await conn.recv()) as number | null;
    if (n === null) break;
    for (let i = 0; i < n; i++) await d.set(i % 100, i);
    await conn.send(n);
  }
}

/** Lock loop: per order n, n x (acquire; release), timed here; answers the elapsed ms. */
export async function lockLoop(lock: Lock, conn: Connection): Promise<void> {
  for (;;) {
    const n = (await conn.recv()) as number | null;
    if (n === null) break;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await lock.acquire();
      await lock.release();
    }
    await conn.send(performance.now() - t0);
  }
}

/**
 * Event waiter: per order, starts `ev.wait()`, makes sure the hub holds it (isSet() on the same
 * link is answered after it), answers 'armed'; when the wait returns, answers 'woke'.
 */
export async function eventWaiter(ev: Event, conn: Connection): Promise<void> {
  for (;;) {
    const m = await conn.recv();
    if (m === null) break;
    const woken = ev.wait();
    await ev.isSet();
    await conn.send('armed');
    await woken;
    await conn.send('woke');
  }
}
