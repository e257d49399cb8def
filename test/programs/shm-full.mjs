// Run by test/shm-full.test.ts inside a private mount namespace whose /dev/shm is a small
// tmpfs (a few MiB). Shared memory that does not fit must be a coded ERR_SHM_NO_SPACE at the
// call that asked for it, never a SIGBUS (exit 135) at the first write; a pool must still
// work on a tmpfs full to the last byte. Prints one line per step; the test compares them.
import { closeSync, openSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { Lock, Pool, Process, SharedArray, SharedMemory, Value, isMainEntry } from 'multiproc';

export function square(x) {
  return x * x;
}

/** In a worker: shared memory made there on the full tmpfs. */
export function makeValueThere() {
  Value('d', 1.5);
  return 'made';
}
export async function makeLockThere() {
  const lock = new Lock();
  await lock.acquire();
  return 'made';
}

const FILLER = '/dev/shm/filler';

/** Fills the tmpfs to its last byte with an ordinary file (what another program could do). */
function fill() {
  const fd = openSync(FILLER, 'w');
  const chunk = Buffer.alloc(65536, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if (e.code !== 'ENOSPC') throw e;
  }
  try {
    for (;;) writeSync(fd, chunk, 0, 1);
  } catch (e) {
    if (e.code !== 'ENOSPC') throw e;
  }
  closeSync(fd);
}

/** What a call that should fail for want of room did: its code, and whether the message helps. */
function outcome(what, call) {
  try {
    call();
    console.log(`${what}: no error`);
  } catch (e) {
    const helps = /\/dev\/shm/.test(e.message) && /bytes/.test(e.message) && /--shm-size/.test(e.message);
    console.log(`${what}: ${e.code}${helps ? ' (says where, how big, what to do)' : ` ${e.message}`}`);
  }
}

async function rejection(what, promise) {
  try {
    console.log(`${what}: resolved ${JSON.stringify(await promise)}`);
  } catch (e) {
    console.log(`${what}: ${e.code ?? e.name}${/\/dev\/shm/.test(e.message) ? ' (says where)' : ` ${e.message}`}`);
  }
}

if (isMainEntry(import.meta.url)) {
  const context = process.argv[2] ?? 'process';
  const size = statfsSync('/dev/shm').blocks * statfsSync('/dev/shm').bsize;
  // Larger than the whole tmpfs (an 80 MB array on Docker's 64 MiB /dev/shm, scaled down).
  outcome('array larger than /dev/shm', () => SharedArray('d', (2 * size) / 8));
  outcome('SharedMemory larger than /dev/shm', () => new SharedMemory({ create: true, size: size + 4096 }));

  fill();
  outcome('Value on a full /dev/shm', () => Value('d', 1));
  outcome('Lock on a full /dev/shm', () => new Lock());
  const pool = new Pool({ processes: 2, context });
  console.log(`map on a full /dev/shm: ${JSON.stringify(await pool.map(square, [1, 2, 3, 4, 5, 6, 7, 8]))}`);
  await rejection('Value made in a worker', pool.apply(makeValueThere));
  await rejection('Lock made in a worker', pool.apply(makeLockThere));
  const p = new Process({ target: makeLockThere, context });
  p.start();
  await p.join();
  console.log(`a Process whose Lock found no room: exitCode ${p.exitCode}`);

  unlinkSync(FILLER);
  const v = Value('d', 2.5);
  console.log(`with room again: Value ${v.value}, map ${JSON.stringify(await pool.map(square, [9, 10]))}`);
  await rejection('Lock made in a worker with room', pool.apply(makeLockThere));
  pool.close();
  await pool.join();
  console.log('end');
}
