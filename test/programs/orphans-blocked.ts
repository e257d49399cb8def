// Starts children blocked every way a child can be stuck, prints their pids, then waits to be
// killed: a Process waiting at a hub Lock the parent holds, a Process in a synchronous futex
// wait (Atomics.wait), Pool workers waiting on a Value's lock in shared memory, a Process whose
// own child (a grandchild) spins, a Process whose target returned but left a timer (it waits
// for that work), and a Manager server process.
import { Lock, Manager, Pool, Process, Value, Event, isMainEntry, type SynchronizedValue } from 'multiproc';

export async function waitForLock(lock: Lock, ready: Event): Promise<void> {
  const got = lock.acquire();
  await ready.set();
  await got;
}
export function futexForever(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}
export async function lockedValue(v: SynchronizedValue<'i'>): Promise<number> {
  const wait = v.getLock().acquire();
  setTimeout(() => {}, 60_000);
  await wait;
  return process.pid;
}
export function spinForever(): void {
  for (;;) {
    /* synchronous */
  }
}
export async function parentOfSpinner(out: Event, pids: SynchronizedValue<'i'>): Promise<void> {
  const g = new Process({ target: spinForever });
  g.start();
  pids.value = g.pid!;
  await out.set();
  await new Promise(() => setInterval(() => {}, 1000));
}
export function pid(): number {
  return process.pid;
}
/** Returns at once, leaving a timer: the child then waits for it (its work is not done). */
export function leavesTimer(): void {
  setTimeout(() => {}, 120_000);
}

if (isMainEntry(import.meta.url)) {
  const lock = new Lock();
  await lock.acquire();
  const ready = new Event();
  const a = new Process({ target: waitForLock, args: [lock, ready] });
  a.start();
  await ready.wait(20_000);
  const b = new Process({ target: futexForever });
  b.start();
  const grandchild = Value('i', 0);
  const grandReady = new Event();
  const c = new Process({ target: parentOfSpinner, args: [grandReady, grandchild] });
  c.start();
  await grandReady.wait(20_000);
  const d = new Process({ target: leavesTimer });
  d.start();
  const v = Value('i', 0);
  await v.getLock().acquire();
  const pool = new Pool(2);
  const workers = new Set(await pool.map(pid, [1, 2, 3, 4, 5, 6], { chunksize: 1 }));
  void pool.map(lockedValue, [v, v]).catch(() => {});
  const m = await Manager();
  const serverPid = m.pid;
  // A program that handles Ctrl-C itself lives on, and so do its children, until it ends.
  if (process.env.HANDLE_SIGINT) process.on('SIGINT', () => {});
  console.log(JSON.stringify({ pids: [a.pid, b.pid, c.pid, grandchild.value, d.pid, ...workers, serverPid] }));
  setInterval(() => {}, 1000);
}
