// The main program never makes a user module load: a result whose class lives in a module it
// has not loaded is refused with a clear error, and works once the program imports it.
import { Pool, isMainEntry } from 'multiproc';

export async function make(v) {
  const { Hidden } = await import('./unloaded-class.mjs');
  return new Hidden(v);
}

if (isMainEntry(import.meta.url)) {
  const pool = new Pool({ processes: 1, context: process.argv[2] ?? 'process' });
  try {
    await pool.apply(make, [2]);
    console.log('no error');
  } catch (e) {
    console.log('refused', e.code);
  }
  globalThis.loadedBefore = false;
  const { Hidden } = await import('./unloaded-class.mjs');
  const h = await pool.apply(make, [3]);
  console.log('revived', h instanceof Hidden, h.twice);
  await pool.terminate();
}
