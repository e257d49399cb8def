// Seed 004, process synchronization: ten children f(l, i) each acquire one shared Lock, print "hello world <i>" and release it in a finally block, so lines never mix; the parent starts them and does not join (non-daemon children are awaited when the program ends).
import { Lock, Process, isMainEntry } from 'multiproc';

export async function f(l: Lock, i: number): Promise<void> {
  await l.acquire();
  try {
    console.log('hello world', i);
  } finally {
    await l.release();
  }
}

if (isMainEntry(import.meta.url)) {
  const lock = new Lock();
  for (let num = 0; num < 10; num++) {
    new Process({ target: f, args: [lock, num] }).start();
  }
}
