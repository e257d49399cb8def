// Run by test/fd-exhaustion.test.ts under a low descriptor limit (prlimit --nofile). With no
// free file descriptor, starting a worker (child process or thread) fails with EMFILE: that
// must be ERR_WORKER_START (the EMFILE as its cause) on the calls that needed the worker,
// never an unhandled 'error' event or a TypeError, and the pool heals once descriptors are
// back. Prints one line per step; the test compares them.
import { closeSync, openSync } from 'node:fs';
import { Pool, Process, isMainEntry } from 'multiproc';

export function square(x) {
  return x * x;
}
export function nothing() {}

const held = [];
/** Uses up every free descriptor but `spare`. */
function exhaust(spare = 0) {
  try {
    for (;;) held.push(openSync('/dev/null', 'r'));
  } catch (e) {
    if (e.code !== 'EMFILE') throw e;
  }
  for (let i = 0; i < spare; i++) closeSync(held.pop());
}
function giveBack() {
  for (const fd of held.splice(0)) closeSync(fd);
}

/** The errno behind an ERR_WORKER_START (a thread's is only in its cause's message). */
function describe(e) {
  const errno = e.cause?.code?.startsWith('ERR_') ? /\bE[A-Z]+\b/.exec(e.cause.message)?.[0] : e.cause?.code;
  return `${e.code ?? e.name} cause ${errno}`;
}

async function outcome(promise) {
  try {
    return `resolved ${JSON.stringify(await promise)}`;
  } catch (e) {
    return describe(e);
  }
}

const workers = Symbol.for('multiproc.pool.workers');

async function until(what, check, ms = 30_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (isMainEntry(import.meta.url)) {
  const context = process.argv[2] ?? 'process';
  process.on('exit', (code) => console.log(`exit ${code}`));

  // 1. Nothing can start: the pool is made, its calls reject with the errno, no crash.
  exhaust();
  const pool = new Pool({ processes: 4, context });
  console.log('new Pool(4) with no free descriptor: made');
  console.log(`map: ${await outcome(pool.map(square, [1, 2, 3]))}`);
  console.log(`apply: ${await outcome(pool.apply(square, [4]))}`);
  const p = new Process({ target: nothing, context });
  p.start();
  await p.join();
  console.log(`Process: exitCode ${p.exitCode}, ${describe(p.error)}`);
  giveBack();
  // 2. Descriptors are back: the same pool works.
  console.log(`map after descriptors came back: ${await outcome(pool.map(square, [1, 2, 3, 4, 5, 6, 7, 8]))}`);
  await until('4 workers', () => pool[workers]().filter((w) => w.ready).length === 4);
  console.log('it has its 4 workers');

  // 3. A worker dies while descriptors are short: its replacement cannot start; the others work on.
  exhaust();
  const [victim] = pool[workers]();
  victim.kill();
  await until('the worker to go', () => pool[workers]().length === 3);
  console.log(`a worker lost while short, map on the others: ${await outcome(pool.map(square, [9, 10, 11, 12]))}`);
  await new Promise((r) => setTimeout(r, 500)); // replacements keep failing meanwhile (with backoff)
  giveBack();
  await until('the replacement', () => pool[workers]().filter((w) => w.ready).length === 4);
  console.log(`healed: ${pool[workers]().length} workers, map ${await outcome(pool.map(square, [13, 14]))}`);
  pool.close();
  await pool.join();
}
