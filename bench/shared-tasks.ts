// Child targets of the shared-object and shared-memory benchmarks (figures 7-10:
// bench/mp/queue.ts, manager.ts, sync.ts; 11 and 13: counter.ts, bulk.ts). Named exports:
// workers find them by reference. Each child takes its orders from the parent over a Pipe:
// an order (a number, or a small object) starts one block, null ends the loop.
// Only types come from the library: workers know every proxy type from the start.
import type { Connection, DictProxy, Event, Lock, Queue, SharedArrayLike, SynchronizedValue } from 'multiproc';

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

// ---------------------------------------------------------------------------------------------
// Shared memory (figures 11 and 13: bench/mp/counter.ts, bulk.ts)

/**
 * Counter: per order {n, form}, n x `{ await using _ = await lock.enter(); counter.value += 1 }`
 * (form 'enter') or `await lock.acquire(); counter.value += 1; await lock.release()` (form
 * 'pair') on a Value('i') (its lock lives in the same shared memory); answers n. The lock is
 * fetched once, as CPython's `get_lock()` returns the same object every time.
 */
export async function counterWorker(counter: SynchronizedValue<'i'>, conn: Connection): Promise<void> {
  const lock = counter.getLock();
  for (;;) {
    const order = (await conn.recv()) as { n: number; form: 'enter' | 'pair' } | null;
    if (order === null) break;
    const { n } = order;
    if (order.form === 'pair') {
      for (let i = 0; i < n; i++) {
        await lock.acquire();
        counter.value += 1;
        await lock.release();
      }
    } else {
      for (let i = 0; i < n; i++) {
        await using _held = await lock.enter();
        counter.value += 1;
      }
    }
    await conn.send(n);
  }
}

/** The byte pattern of bulk block `seed` at offset i (also used by the parent to check). */
export function bulkPattern(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  const head = Buffer.allocUnsafe(4096);
  for (let i = 0; i < head.length; i++) head[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  for (let off = 0; off < size; off += head.length) head.copy(b, off, 0, Math.min(head.length, size - off));
  return b;
}

/**
 * Bulk copy into and out of a SharedArray('B') through its `view`. Per order {seed, reps},
 * each rep times (ms, in this child):
 *   memcpy   plain.set(src): 2 plain buffers of the same size (the anchor)
 *   memcmp   Buffer.compare(plain, src) (the read anchor: 2 plain buffers)
 *   write    view.set(src): the pattern into the shared memory
 *   read     Buffer.compare over a Buffer on the shared memory against the pattern (must be 0)
 * and answers {memcpy, memcmp, write, read} (arrays of ms; `error` when a read-back differs).
 * The shared array is left holding the pattern of `seed` for the parent to check.
 */
export async function bulkWorker(arr: SharedArrayLike<'B'>, conn: Connection): Promise<void> {
  const view = arr.view as Uint8Array;
  const shm = Buffer.from(view.buffer, view.byteOffset, view.length);
  const plain = Buffer.alloc(view.length);
  for (;;) {
    const order = (await conn.recv()) as { seed: number; reps: number } | null;
    if (order === null) break;
    const src = bulkPattern(view.length, order.seed);
    const out = { memcpy: [] as number[], memcmp: [] as number[], write: [] as number[], read: [] as number[], error: undefined as string | undefined };
    for (let r = 0; r < order.reps && !out.error; r++) {
      plain.fill(0);
      let t0 = performance.now();
      plain.set(src);
      out.memcpy.push(performance.now() - t0);
      t0 = performance.now();
      const c0 = Buffer.compare(plain, src);
      out.memcmp.push(performance.now() - t0);
      view.fill(0);
      t0 = performance.now();
      view.set(src);
      out.write.push(performance.now() - t0);
      t0 = performance.now();
      const c1 = Buffer.compare(shm, src);
      out.read.push(performance.now() - t0);
      if (c0 !== 0 || c1 !== 0) out.error = `the child read back a different pattern (Buffer.compare: plain ${c0}, shared ${c1})`;
    }
    await conn.send(out);
  }
}
