// Run by test/fd-exhaustion.test.ts with MULTIPROC_HUB_SHORTAGE_PATIENCE_MS=2000: a pool
// worker (process or thread) that stays without free descriptors longer than the hub
// client's patience. Giving up must say why (ERR_HUB_UNREACHABLE, the EMFILE as cause), not
// ERR_HUB_CLOSED or AuthenticationError: a put made while short waits for the link and then
// rejects so (it never resolves for an item that was not sent), and since nothing was lost
// the next call connects afresh once descriptors are back.
import { closeSync, openSync } from 'node:fs';
import { Pool, Queue, isMainEntry } from 'multiproc';

function exhaust() {
  const held = [];
  try {
    for (;;) held.push(openSync('/dev/null', 'r'));
  } catch (e) {
    if (e.code !== 'EMFILE') throw e;
  }
  return () => {
    for (const fd of held) closeSync(fd);
  };
}

async function outcome(promise) {
  try {
    return `resolved ${JSON.stringify(await promise)}`;
  } catch (e) {
    const lost = /(\d+) queue item\(s\) put through it/.exec(e.message)?.[1];
    return `${e.code} cause ${e.cause?.code}${lost ? `, ${lost} resolved puts not delivered` : ''}`;
  }
}

/** Puts while short, past the patience, then puts again with descriptors back. */
export async function producer(q) {
  const giveBack = exhaust();
  const short = await outcome(q.put('while short'));
  giveBack();
  const back = await outcome(q.put('with descriptors back'));
  return `put while short: ${short}; then ${back}`;
}

/** Asks while short (nothing put, nothing lost), then asks again with descriptors back. */
export async function asker(q) {
  const giveBack = exhaust();
  const short = await outcome(q.qsize());
  giveBack();
  const back = await outcome(q.qsize());
  return `qsize: ${short}; then ${back}`;
}

if (isMainEntry(import.meta.url)) {
  const context = process.argv[2] ?? 'process';
  const q = new Queue();
  await q.put('already there');
  await q.qsize(); // this side is connected before any worker uses up the descriptors (threads share them)
  for (const fn of [producer, asker]) {
    const pool = new Pool({ processes: 1, context });
    console.log(await pool.apply(fn, [q]));
    await pool.terminate();
  }
  console.log(`the queue holds ${await q.qsize()} item(s)`);
}
